"""The public API: JSON and GeoJSON search, Atom/RSS per area, and its OpenAPI description.

Query parameters (all optional, combinable): ``postcode`` + ``radius``, or ``lat`` + ``lng`` +
``radius``, or ``bbox=min_lng,min_lat,max_lng,max_lat``; ``authority``; ``since`` (a date or ISO
time: first seen then or later); ``page``, ``per_page``. A bad parameter is a 400 naming it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, render_template, request, url_for

from civicapps import PlaceNotFound, locate_place
from civicapps_planning_alerts import queries
from civicapps_planning_alerts.openapi import openapi
from civicapps_planning_alerts.pages import BadQuery, radius_from
from civicapps_planning_alerts.serialise import as_feature, as_json, iso
from civicapps_planning_alerts.settings import current_settings
from civicapps_planning_alerts.web import bp

MAX_PER_PAGE = 500


def _float(name: str, low: float, high: float) -> float | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise BadQuery(name, f"{name} must be a number between {low:g} and {high:g}")
    return value


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise BadQuery(name, f"{name} must be a whole number between {low} and {high}")
    return int(raw)


def search_from_args() -> tuple[queries.Search, dict[str, Any]]:
    """The Search the query string asks for, and what it was understood as (echoed in answers)."""
    settings = current_settings()
    args = request.args
    echo: dict[str, Any] = {}
    point: dict[str, Any] = {}
    lat, lng = _float("lat", -90, 90), _float("lng", -180, 180)
    if (lat is None) != (lng is None):
        raise BadQuery("lat" if lat is None else "lng", "lat and lng go together")
    if args.get("postcode") and lat is not None:
        raise BadQuery("postcode", "give postcode or lat/lng, not both")
    if args.get("postcode"):
        location, place = locate_place(current_app, args["postcode"], "postcode")
        lat, lng, echo["postcode"] = location.latitude, location.longitude, place
    if lat is not None:
        radius = radius_from(args.get("radius"), settings)
        point = {"lat": lat, "lon": lng, "radius_m": radius}
        echo.update(lat=lat, lng=lng, radius=radius)
    elif args.get("radius"):
        raise BadQuery("radius", "radius needs postcode or lat and lng")
    bbox = None
    if args.get("bbox"):
        try:
            bbox = tuple(float(part) for part in args["bbox"].split(","))
        except ValueError:
            bbox = ()
        if (
            len(bbox) != 4
            or not all(math.isfinite(v) for v in bbox)
            or not (-180 <= bbox[0] < bbox[2] <= 180 and -90 <= bbox[1] < bbox[3] <= 90)
        ):
            raise BadQuery("bbox", "bbox must be min_lng,min_lat,max_lng,max_lat in degrees, minimums first")
        echo["bbox"] = list(bbox)
    since = None
    if args.get("since"):
        try:
            since = datetime.fromisoformat(args["since"].replace("Z", "+00:00"))
        except ValueError:
            raise BadQuery("since", "since must be a date such as 2024-05-08, or an ISO 8601 time") from None
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        echo["since"] = since.isoformat()
    if args.get("authority"):
        echo["authority"] = args["authority"]
    search = queries.Search(**point, bbox=bbox, authority=args.get("authority") or None, since=since)  # type: ignore[arg-type]
    return search, echo


def _page() -> tuple[queries.Search, queries.Page, dict[str, Any]]:
    settings = current_settings()
    search, echo = search_from_args()
    per_page = _int("per_page", settings.page_size, 1, MAX_PER_PAGE)
    page = _int("page", 1, 1, 1_000_000)
    return search, queries.run(search, page, per_page), echo


def _links(endpoint: str, found: queries.Page) -> dict[str, str]:
    args = {k: v for k, v in request.args.items() if k != "page"}
    links = {"self": url_for(endpoint, **args, page=found.page, _external=True)}
    if found.page < found.pages:
        links["next"] = url_for(endpoint, **args, page=found.page + 1, _external=True)
    if found.page > 1:
        links["prev"] = url_for(endpoint, **args, page=found.page - 1, _external=True)
    return links


def _bad(exc: BadQuery | PlaceNotFound) -> tuple[dict[str, Any], int]:
    return {"error": "Bad request", "parameter": exc.field, "detail": str(exc), "status": 400}, 400


@bp.get("/api/applications.json")
def api_search() -> Any:
    try:
        _, found, echo = _page()
    except (BadQuery, PlaceNotFound) as exc:
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
        _, found, echo = _page()
    except (BadQuery, PlaceNotFound) as exc:
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
        search, echo = search_from_args()
    except (BadQuery, PlaceNotFound) as exc:
        return _bad(exc)
    found = queries.run(search, 1, current_settings().page_size)
    where = "everywhere"
    if "radius" in echo:
        centre = echo.get("postcode") or "{:.5f}, {:.5f}".format(echo["lat"], echo["lng"])
        where = f"within {echo['radius']:,.0f} m of {centre}"
    body = render_template(
        f"planning_alerts/area.{format}.xml",
        found=found,
        where=where,
        self_url=request.url,
        page_url=url_for("planning_alerts.index", radius=echo.get("radius"), _external=True, **_page_place(echo)),
        updated=max((iso(f.application.last_changed_at) for f in found.items), default=iso(datetime.now(UTC))),
        iso=iso,
    )
    return Response(body, mimetype="application/atom+xml" if format == "atom" else "application/rss+xml")


@bp.get("/api/openapi.json")
def api_openapi() -> Any:
    return openapi(url_for("planning_alerts.index", _external=True).rstrip("/"), current_settings())
