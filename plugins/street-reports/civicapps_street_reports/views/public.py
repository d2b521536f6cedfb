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

from civicapps import current_actor, db_session, gettext
from civicapps_street_reports import map_features, states
from civicapps_street_reports.areas import iter_area_features
from civicapps_street_reports.models import Area, Body, Category, Delivery, Photo, Report, Update
from civicapps_street_reports.settings import current_settings
from civicapps_street_reports.views import bp
from civicapps_street_reports.views.common import visible_report

#: reports per page of the list beside the map
LIST_PAGE_SIZE = 20


def public_reports() -> Any:
    """The base query of reports anyone may see."""
    return select(Report).where(Report.status != "unconfirmed", Report.hidden.is_(False), Report.private.is_(False))


@bp.get("/")
def index() -> str:
    """The map and, beside it, the list of reports newest first, a page at a time, with the same
    filters (state, category, age) as plain links and a GET form: all of it works without JavaScript."""
    try:
        filters = map_features.parse_filters(request.args)
    except ValueError as exc:
        abort(400, str(exc))
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(400, gettext("page must be a whole number from 1"))
    number = int(page)
    rows = (
        db_session()
        .scalars(
            filters.apply(select(Report), newest_first=True)
            .order_by(Report.created_at.desc(), Report.id.desc())
            .limit(LIST_PAGE_SIZE + 1)
            .offset((number - 1) * LIST_PAGE_SIZE)
        )
        .all()
    )
    chosen = {"status": filters.status, "category": filters.category, "age": filters.age}
    areas = db_session().execute(select(Area.id, Area.name, Body.name).join(Body).order_by(Area.name)).all()
    categories = db_session().scalars(select(Category.name).distinct().order_by(Category.name)).all()
    return render_template(
        "street_reports/index.html",
        title=gettext("Street reports"),
        reports=rows[:LIST_PAGE_SIZE],
        page=number,
        newer=number - 1 if number > 1 else None,
        older=number + 1 if len(rows) > LIST_PAGE_SIZE else None,
        chosen=chosen,
        statuses=map_features.STATUS_FILTERS,
        categories=categories,
        ages=map_features.AGES,
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
def reports_json() -> Response:
    """Public reports in a box as GeoJSON for a map: ``bbox`` (as Leaflet's ``toBBoxString()``),
    ``zoom`` (the map's; without it, the zoom that shows the box about a screen wide) and the list's
    filters ``status``, ``category`` and ``age``. At most a screenful of pins: a box holding more
    comes back as clusters with a ``count`` (see :mod:`civicapps_street_reports.map_features`).
    Answers carry an ETag and Last-Modified; a client holding the current one gets a 304."""
    try:
        filters = map_features.parse_filters(request.args)
    except ValueError as exc:
        abort(400, str(exc))
    zoom_text = request.args.get("zoom") or ""
    if zoom_text and not (zoom_text.isdigit() and int(zoom_text) <= map_features.MAX_ZOOM):
        abort(400, f"zoom must be a whole number from 0 to {map_features.MAX_ZOOM}")
    found = map_features.answer(
        db_session(),
        filters,
        _bbox(request.args.get("bbox")),
        int(zoom_text) if zoom_text else None,
        url_for("street_reports.index"),
    )
    response = Response(mimetype="application/json")
    response.set_etag(found.etag)
    if found.last_modified is not None:
        response.last_modified = found.last_modified
    # cached anywhere, but asked again every time: a new report must show on the next map load
    response.cache_control.public = True
    response.cache_control.no_cache = True
    if request.if_none_match.contains(found.etag):
        response.status_code = 304
        return response
    response.set_data(found.body)
    return response


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
        title=gettext("Reports in %(area)s", area=area.name),
        area=area,
        reports=reports,
        label=states.label,
        centre=centre,
        settings=current_settings(),
    )


@bp.get("/areas.geojson")
def areas_geojson() -> Any:
    return jsonify(type="FeatureCollection", features=list(iter_area_features()))
