"""Public pages and data: the map and list, one report, an area, photos, and GeoJSON for maps.

Nothing here shows a reporter's email or phone, and a name only when they chose to show it. Hidden
(moderated) and private-category reports are for staff only.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, jsonify, render_template, request, url_for
from shapely.geometry import Point, shape
from sqlalchemy import select

from civicapps import current_actor, db_session
from civicapps_street_reports import states
from civicapps_street_reports.areas import iter_area_features
from civicapps_street_reports.georeport import w3c
from civicapps_street_reports.models import Area, Body, Delivery, Photo, Report, Update
from civicapps_street_reports.settings import current_settings
from civicapps_street_reports.views import bp
from civicapps_street_reports.views.common import visible_report

MAX_FEATURES = 5000
STATUS_FILTERS = {
    "open": states.OPEN_STATES,
    "fixed": ("fixed",),
    "closed": states.CLOSED_STATES,
    "all": states.PUBLIC_STATES,
}


def public_reports() -> Any:
    """The base query of reports anyone may see."""
    return select(Report).where(Report.status != "unconfirmed", Report.hidden.is_(False), Report.private.is_(False))


@bp.get("/")
def index() -> str:
    recent = (
        db_session()
        .scalars(
            public_reports()
            .where(Report.status.in_(states.OPEN_STATES))
            .order_by(Report.created_at.desc(), Report.id.desc())
            .limit(50)
        )
        .all()
    )
    areas = db_session().execute(select(Area.id, Area.name, Body.name).join(Body).order_by(Area.name)).all()
    return render_template(
        "street_reports/index.html",
        title="Street reports",
        reports=recent,
        areas=areas,
        settings=current_settings(),
        label=states.label,
    )


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``minlon,minlat,maxlon,maxlat`` as Leaflet's ``getBounds().toBBoxString()`` gives it."""
    if not text:
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in text.split(","))
    except ValueError:
        abort(400, "bbox must be four numbers: min longitude, min latitude, max longitude, max latitude")
    if not (min_lon <= max_lon and min_lat <= max_lat):
        abort(400, "bbox must be min longitude, min latitude, max longitude, max latitude")
    return min_lon, min_lat, max_lon, max_lat


@bp.get("/reports.json")
def reports_json() -> Any:
    """Public reports as a GeoJSON FeatureCollection for a map: ``bbox``, ``status`` and ``category``
    filters, newest first, at most 5,000 (the map asks again as it moves)."""
    status = request.args.get("status") or "open"
    if status not in STATUS_FILTERS:
        abort(400, f"status must be one of {', '.join(STATUS_FILTERS)}")
    columns = select(
        Report.id, Report.title, Report.category, Report.status, Report.lat, Report.lon, Report.created_at
    ).where(Report.status.in_(STATUS_FILTERS[status]), Report.hidden.is_(False), Report.private.is_(False))
    bbox = _bbox(request.args.get("bbox"))
    if bbox is not None:
        columns = columns.where(Report.lon.between(bbox[0], bbox[2]), Report.lat.between(bbox[1], bbox[3]))
    if request.args.get("category"):
        columns = columns.where(Report.category == request.args["category"])
    rows = db_session().execute(columns.order_by(Report.created_at.desc(), Report.id.desc()).limit(MAX_FEATURES))
    prefix = url_for("street_reports.index")
    labels = {state: label for state, (label, _) in states.STATES.items()}
    features = [
        {
            "type": "Feature",
            "id": id_,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "title": title,
                "category": category,
                "status": status_,
                "status_label": labels[status_],
                "created_at": w3c(created),
                "url": f"{prefix}reports/{id_}",
            },
        }
        for id_, title, category, status_, lat, lon, created in rows
    ]
    # compact and unsorted: a map view can hold thousands of pins, and jsonify sorts every key
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/json")


def report_context(
    report: Report, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    """What the report page shows; also used to show the update form again with its errors."""
    staff = current_actor() is not None
    updates = (
        db_session()
        .scalars(
            select(Update)
            .where(
                Update.report_id == report.id, Update.state.in_(("confirmed", "hidden") if staff else ("confirmed",))
            )
            .order_by(Update.created_at, Update.id)
        )
        .all()
    )
    deliveries = db_session().scalars(select(Delivery).where(Delivery.report_id == report.id)).all()
    return {
        "title": report.title,
        "report": report,
        "updates": updates,
        "deliveries": deliveries,
        "label": states.label,
        "kind": states.kind(report.status),
        "values": values or {},
        "errors": errors or {},
        "staff": staff,
        "just_sent": request.args.get("sent") == "1",
        "settings": current_settings(),
    }


@bp.get("/reports/<int:report_id>")
def report_page(report_id: int) -> str:
    return render_template("street_reports/report.html", **report_context(visible_report(report_id)))


def _photo(photo_id: int) -> Photo:
    photo = db_session().get(Photo, photo_id)
    if photo is None:
        abort(404)
    visible_report(photo.report_id)
    if photo.update_id is not None:
        update = db_session().get(Update, photo.update_id)
        if update is None or (update.state != "confirmed" and current_actor() is None):
            abort(404)
    return photo


def _image(data: bytes, photo: Photo) -> Response:
    response = Response(data, mimetype=photo.content_type)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


@bp.get("/photos/<int:photo_id>.jpg")
def photo(photo_id: int) -> Response:
    found = _photo(photo_id)
    return _image(found.data, found)


@bp.get("/photos/<int:photo_id>/thumbnail.jpg")
def thumbnail(photo_id: int) -> Response:
    found = _photo(photo_id)
    return _image(found.thumbnail, found)


def reports_in_area(area: Area, limit: int = 200, kinds: tuple[str, ...] = states.PUBLIC_STATES) -> list[Report]:
    """Public reports inside an area's polygon, newest first."""
    polygon = shape(json.loads(area.geometry))
    query = (
        public_reports()
        .where(
            Report.status.in_(kinds),
            Report.lon.between(area.min_lon, area.max_lon),
            Report.lat.between(area.min_lat, area.max_lat),
        )
        .order_by(Report.created_at.desc(), Report.id.desc())
    )
    found = []
    for report in db_session().scalars(query):
        if polygon.intersects(Point(report.lon, report.lat)):
            found.append(report)
            if len(found) >= limit:
                break
    return found


@bp.get("/areas/<int:area_id>")
def area_page(area_id: int) -> str:
    area = db_session().get(Area, area_id)
    if area is None:
        abort(404)
    reports = reports_in_area(area)
    centre = shape(json.loads(area.geometry)).representative_point()
    return render_template(
        "street_reports/area.html",
        title=f"Reports in {area.name}",
        area=area,
        reports=reports,
        label=states.label,
        centre=centre,
        settings=current_settings(),
    )


@bp.get("/areas.geojson")
def areas_geojson() -> Any:
    return jsonify(type="FeatureCollection", features=list(iter_area_features()))
