"""The public API: JSON and GeoJSON search, Atom/RSS per area, and its OpenAPI description.

Query parameters (all optional, combinable): ``postcode`` + ``radius``, or ``lat`` + ``lng`` +
``radius``, or ``bbox=min_lng,min_lat,max_lng,max_lat``; ``authority``; ``since`` (a date or ISO
time: first seen then or later); ``page``, ``per_page``. They are declared once, in
:mod:`.api_models`, which both checks them and describes them in the OpenAPI document; a bad
parameter is a 400 naming it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, render_template, request, url_for
from flask_babel import format_decimal

from civicapps import PlaceNotFound, QueryError, gettext, locate_place, read_query
from civicapps_planning_alerts import queries
from civicapps_planning_alerts.api_models import AreaQuery, area_query, search_query
from civicapps_planning_alerts.openapi import openapi
from civicapps_planning_alerts.serialise import as_feature, as_json, iso
from civicapps_planning_alerts.settings import current_settings
from civicapps_planning_alerts.web import bp


def search_from(query: AreaQuery) -> tuple[queries.Search, dict[str, Any]]:
    """The Search a checked query asks for, and what it was understood as (echoed in answers)."""
    echo: dict[str, Any] = {}
    point: dict[str, Any] = {}
    lat, lng = query.lat, query.lng
    if query.postcode:
        try:
            location, place = locate_place(current_app, query.postcode, "postcode")
        except PlaceNotFound as exc:
            raise QueryError(exc.field, str(exc)) from None
        lat, lng, echo["postcode"] = location.latitude, location.longitude, place
    if lat is not None:
        radius = float(current_settings().default_radius_m) if query.radius is None else query.radius
        point = {"lat": lat, "lon": lng, "radius_m": radius}
        echo.update(lat=lat, lng=lng, radius=radius)
    if query.bbox is not None:
        echo["bbox"] = list(query.bbox)
    if query.since is not None:
        echo["since"] = query.since.isoformat()
    if query.authority:
        echo["authority"] = query.authority
    search = queries.Search(**point, bbox=query.bbox, authority=query.authority, since=query.since)
    return search, echo


def _page() -> tuple[queries.Page, dict[str, Any]]:
    query = read_query(search_query(current_settings()), request.args)
    search, echo = search_from(query)
    return queries.run(search, query.page, query.per_page), echo


def _links(endpoint: str, found: queries.Page) -> dict[str, str]:
    args = {k: v for k, v in request.args.items() if k != "page"}
    links = {"self": url_for(endpoint, **args, page=found.page, _external=True)}
    if found.page < found.pages:
        links["next"] = url_for(endpoint, **args, page=found.page + 1, _external=True)
    if found.page > 1:
        links["prev"] = url_for(endpoint, **args, page=found.page - 1, _external=True)
    return links


def _bad(exc: QueryError) -> tuple[dict[str, Any], int]:
    return {"error": "Bad request", "parameter": exc.parameter, "detail": str(exc), "status": 400}, 400


@bp.get("/api/applications.json")
def api_search() -> Any:
    try:
        found, echo = _page()
    except QueryError as exc:
        return _bad(exc)
    return {
        "query": echo,
        "total": found.total,
        "page": found.page,
        "per_page": found.per_page,
        "links": _links("planning_alerts.api_search", found),
        "applications": [as_json(f.application, f.distance_m) for f in found.items],
    }


@bp.get("/api/applications.geojson")
def api_search_geojson() -> Any:
    try:
        found, echo = _page()
    except QueryError as exc:
        return _bad(exc)
    body = {
        "type": "FeatureCollection",
        "query": echo,
        "total": found.total,
        "links": _links("planning_alerts.api_search_geojson", found),
        "features": [as_feature(f.application, f.distance_m) for f in found.items],
    }
    return Response(current_app.json.dumps(body), mimetype="application/geo+json")


def _page_place(echo: dict[str, Any]) -> dict[str, Any]:
    """The search page's arguments for the feed's place: its postcode, or its point (street and map searches)."""
    if echo.get("postcode"):
        return {"q": echo["postcode"]}
    if "lat" in echo:
        return {"lat": f"{echo['lat']:.6f}", "lon": f"{echo['lng']:.6f}"}
    return {}


@bp.get("/area.<any(atom, rss):format>")
def area_feed(format: str) -> Any:  # noqa: A002 - the route's name for it
    """The newest applications in one area (or everywhere), for feed readers."""
    try:
        search, echo = search_from(read_query(area_query(current_settings()), request.args))
    except QueryError as exc:
        return _bad(exc)
    found = queries.run(search, 1, current_settings().page_size)
    title = gettext("Planning applications everywhere")
    description = gettext("New planning applications, newest first.")
    if "radius" in echo:
        centre = echo.get("postcode") or "{:.5f}, {:.5f}".format(echo["lat"], echo["lng"])
        distance = format_decimal(round(echo["radius"]))
        title = gettext("Planning applications within %(distance)s m of %(place)s", distance=distance, place=centre)
        description = gettext(
            "New planning applications within %(distance)s m of %(place)s, newest first.",
            distance=distance,
            place=centre,
        )
    body = render_template(
        f"planning_alerts/area.{format}.xml",
        found=found,
        title=title,
        description=description,
        self_url=request.url,
        page_url=url_for("planning_alerts.index", radius=echo.get("radius"), _external=True, **_page_place(echo)),
        updated=max((iso(f.application.last_changed_at) for f in found.items), default=iso(datetime.now(UTC))),
        iso=iso,
    )
    return Response(body, mimetype="application/atom+xml" if format == "atom" else "application/rss+xml")


@bp.get("/api/openapi.json")
def api_openapi() -> Any:
    return openapi(url_for("planning_alerts.index", _external=True).rstrip("/"), current_settings())
