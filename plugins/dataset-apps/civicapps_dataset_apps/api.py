"""Each app's open data: JSON and GeoJSON lists, an Atom feed per area, and their OpenAPI description.

The same :class:`~civicapps_dataset_apps.queries.Search` parameters as the search page, read with the
core's ``read_query``; a place that cannot be found is a 400 naming the parameter, as a bad value is.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, render_template, request, url_for

from civicapps import QueryError, openapi_parameters, read_query, utcnow
from civicapps_dataset_apps import records
from civicapps_dataset_apps.queries import Search
from civicapps_dataset_apps.web import PAGE_LIMIT, app_or_404, bp, locate, wanted


def _found(name: str) -> tuple[list[records.Shown], str | None]:
    """The records a request asks for, and the place's words; QueryError for what the client must fix."""
    config = app_or_404(name)
    search = read_query(Search, request.args)
    where = locate(search)
    if where.errors:
        raise QueryError("q", f"q: {where.errors['q']}")
    if where.streets:
        names = "; ".join(s.label for s in where.streets)
        raise QueryError("q", f"q: more than one street matches ({names}); give lat and lon instead")
    return records.shown(name, config, wanted(config, search, where))[:PAGE_LIMIT], where.label


def _problem(exc: QueryError) -> tuple[dict[str, str], int]:
    return {"error": str(exc), "parameter": exc.parameter}, 400


def as_json(item: records.Shown, name: str) -> dict[str, Any]:
    """One record for API clients: its worded fields, its own fields and provenance."""
    return {
        "id": item.id,
        "reference": item.reference,
        "title": item.title,
        "summary": item.summary,
        "category": item.category or None,
        "starts": item.starts.isoformat() if item.starts else None,
        "ends": item.ends.isoformat() if item.ends else None,
        "link": item.link,
        "url": url_for("dataset_apps.item_page", name=name, item_id=item.id, _external=True),
        "latitude": item.latitude,
        "longitude": item.longitude,
        "distance_m": round(item.distance_m) if item.distance_m is not None else None,
        "first_seen_at": item.first_seen_at.isoformat(),
        "last_changed_at": item.last_changed_at.isoformat(),
        "version": item.version,
        "record": item.record,
    }


@bp.get("/<name>/api/items.json")
def api_items(name: str) -> Any:
    try:
        found, _ = _found(name)
    except QueryError as exc:
        return _problem(exc)
    return {"app": name, "count": len(found), "items": [as_json(item, name) for item in found]}


@bp.get("/<name>/api/items.geojson")
def api_geojson(name: str) -> Any:
    try:
        found, _ = _found(name)
    except QueryError as exc:
        return _problem(exc)
    features = [
        {
            "type": "Feature",
            "id": item.id,
            "geometry": {"type": "Point", "coordinates": [item.longitude, item.latitude]},
            "properties": {k: v for k, v in as_json(item, name).items() if k not in ("latitude", "longitude")},
        }
        for item in found
        if item.latitude is not None and item.longitude is not None
    ]
    body = current_app.json.dumps({"type": "FeatureCollection", "features": features})
    return Response(body, mimetype="application/geo+json")


@bp.get("/<name>/feed.atom")
def atom_feed(name: str) -> Any:
    """Newest first, so a feed reader shows what appeared since it last looked."""
    config = app_or_404(name)
    try:
        found, place = _found(name)
    except QueryError as exc:
        return _problem(exc)
    newest = sorted(found, key=lambda item: (item.first_seen_at, item.id), reverse=True)
    updated = max((item.last_changed_at for item in newest), default=utcnow())
    body = render_template(
        "dataset_apps/feed.atom.xml",
        name=name,
        config=config,
        place=place,
        items=newest,
        updated=updated.isoformat(),
        self_url=request.url,
        page_url=url_for("dataset_apps.search_page", name=name, _external=True, **request.args),
    )
    return Response(body, mimetype="application/atom+xml")


@bp.get("/<name>/api/openapi.json")
def openapi(name: str) -> Any:
    config = app_or_404(name)
    parameters = openapi_parameters(Search)
    problem = {"description": "A parameter to correct", "content": {"application/json": {}}}

    def get(summary: str, media: str) -> dict[str, Any]:
        answer = {"description": summary, "content": {media: {}}}
        return {"get": {"summary": summary, "parameters": parameters, "responses": {"200": answer, "400": problem}}}

    prefix = url_for("dataset_apps.search_page", name=name)
    return {
        "openapi": "3.1.0",
        "info": {"title": config.title, "description": config.description, "version": "1"},
        "paths": {
            f"{prefix}api/items.json": get("Current records, nearest first near a place", "application/json"),
            f"{prefix}api/items.geojson": get("The same records as GeoJSON", "application/geo+json"),
            f"{prefix}feed.atom": get("The same records as an Atom feed, newest first", "application/atom+xml"),
        },
    }
