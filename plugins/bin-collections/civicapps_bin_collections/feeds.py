"""The council's three feeds in the plugin's standard CSV shape, and pulling them in order.

A council whose files have the standard columns sets ``rounds_url``, ``addresses_url`` and
``exceptions_url`` in ``[plugins.bin_collections]``; one in another shape writes ``[feeds.*]`` tables
for the datasets instead (``civicapps bin-collections feeds`` prints the standard ones to start
from). Addresses are checked against the stored rounds and exceptions against their collection
days, so rounds are pulled first, then addresses, then exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import Flask

from civicapps import Feed, PullResult, db_session, feed_health, pull_feed
from civicapps_bin_collections.ics_reader import FORMAT
from civicapps_bin_collections.settings import NAME, Settings

#: Datasets in the order they must be pulled.
ORDER = (f"{NAME}.round", f"{NAME}.address", f"{NAME}.change")

MAPPINGS = {
    f"{NAME}.round": {
        "reference": "round_id",
        "bin": "bin",
        "colour": "colour",
        "weekday": "weekday",
        "frequency": "frequency",
        "reference_date": "reference_date",
        "week": "week",
    },
    f"{NAME}.address": {
        "reference": "uprn",
        "address": {"column": "address", "squash": True},
        "postcode": {"column": "postcode", "extract": "postcode"},
        "rounds": "rounds",
    },
    f"{NAME}.change": {
        "reference": {"columns": ["original_date", "rounds"], "join": "|"},
        "original_date": "original_date",
        "new_date": "new_date",
        "rounds": "rounds",
        "reason": "reason",
    },
}


def standard_feeds(settings: Settings) -> list[Feed]:
    """A feed for each of the standard-shape URLs the council set, and one per round calendar
    (:mod:`.ics_reader`), whose moved and cancelled collections join the exceptions."""
    urls = {
        f"{NAME}.round": ("bin-rounds", settings.rounds_url),
        f"{NAME}.address": ("bin-addresses", settings.addresses_url),
        f"{NAME}.change": ("bin-exceptions", settings.exceptions_url),
    }
    every = timedelta(hours=settings.pull_every_hours)
    csv_feeds = [
        Feed(
            name=name,
            dataset=dataset,
            url=url,
            format="csv",
            interval=every,
            mapping=MAPPINGS[dataset],
            authority=settings.authority,
        )
        for dataset, (name, url) in urls.items()
        if url
    ]
    calendars = [
        Feed(
            name=f"bin-calendar-{round_id.lower()}",
            dataset=f"{NAME}.change",
            url=url,
            format=FORMAT,
            interval=every,
            mapping=MAPPINGS[f"{NAME}.change"],
            authority=settings.authority,
            options={"round": round_id},
        )
        for round_id, url in settings.round_calendars.items()
    ]
    return csv_feeds + calendars


def pull_all(app: Flask, *, force: bool = False) -> list[PullResult]:
    """Pull every enabled feed of the plugin's datasets now, rounds first; one result per feed."""
    names = [
        health.name
        for dataset in ORDER
        for health in feed_health(app, dataset=dataset)
        if health.feed is not None and health.feed.enabled
    ]
    return pull_in_order(app, names, force=force)


def pull_in_order(app: Flask, feeds: Iterable[Feed | str], *, force: bool = False) -> list[PullResult]:
    """Pull ``feeds`` one after another. The row checks read this context's session while the pull
    writes through its own; the read transaction they leave open is ended, so a later write in
    this context does not stumble on a stale SQLite snapshot ("database is locked")."""
    results = [pull_feed(app, feed, force=force) for feed in feeds]
    db_session().rollback()
    return results
