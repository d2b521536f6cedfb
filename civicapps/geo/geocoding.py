"""Geocoding through the ``geocode`` hook, one query or a whole batch at a time.

The core's answer (``trylast``, so any plugin's geocoder is asked first) places a postcode, or the
postcode found in an address, using :class:`PostcodeService`. For a batch, every postcode is looked
up in bulk first so that the per-query hook calls answer from memory.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask

from civicapps.geo.postcode_lookup import PostcodeService, PostcodesIo
from civicapps.geo.postcodes import Location, find_postcode, normalise_postcode

EXTENSION = "civicapps_geo"


def postcode_service(app: Flask) -> PostcodeService:
    """The app's postcode service, configured from ``[plugins.geo]`` on first use."""
    service = app.extensions.get(EXTENSION)
    if service is None:
        settings = app.extensions["civicapps"].plugin_settings["geo"]
        online = None
        if settings.postcodes_io_url:
            user_agent = app.extensions["civicapps"].plugin_settings["feeds"].user_agent_for(app)
            online = PostcodesIo(settings.postcodes_io_url, user_agent=user_agent, timeout=settings.timeout_seconds)
        service = app.extensions[EXTENSION] = PostcodeService(app, online, settings.cache_days)
    return service


def postcode_in(query: str) -> str | None:
    """The postcode a query is, or ends with."""
    return normalise_postcode(query) or find_postcode(query)


def geocode(app: Flask, query: str) -> Location | None:
    """Ask the ``geocode`` hook (plugins first, the core's postcode lookup last)."""
    return app.extensions["civicapps"].registry.call_first("geocode", app=app, query=query)


def geocode_many(
    app: Flask, queries: Iterable[str], *, persist: bool = True
) -> dict[str, tuple[Location | None, str | None]]:
    """Each distinct query -> (location, None) or (None, reason it could not be placed)."""
    distinct = list(dict.fromkeys(queries))
    postcodes = {query: postcode_in(query) for query in distinct}
    service = postcode_service(app)
    results: dict[str, tuple[Location | None, str | None]] = {}
    with service.remembering_failures():  # the hook calls below answer from the bulk lookup, failures too
        answers = service.lookup({pc for pc in postcodes.values() if pc}, persist=persist)
        for query in distinct:
            location = geocode(app, query)
            if location is not None:
                results[query] = (location, None)
            elif postcodes[query]:
                results[query] = (None, answers[postcodes[query]].reason)
            else:
                results[query] = (None, f"no postcode found in {query[:60]!r}")
    return results
