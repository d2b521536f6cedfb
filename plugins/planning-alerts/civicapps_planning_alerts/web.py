"""The plugin's pages and JSON API, mounted by the core at ``/planning-alerts/``."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request

from civicapps_planning_alerts.models import Application, is_lat_lon, newest, within_radius
from civicapps_planning_alerts.settings import current_settings

bp = Blueprint("planning_alerts", __name__, template_folder="templates")

PAGE_SIZE = 50
MAX_LIMIT = 500


class BadQuery(ValueError):
    """A query-string value the caller can correct; the message says how."""


@bp.get("/")
def index() -> str:
    return render_template("planning_alerts/index.html", title="Planning applications", applications=newest(PAGE_SIZE))


@bp.get("/applications.json")
def applications_json() -> Any:
    """Newest applications; ``near=LAT,LON`` (and ``radius_m``) keeps only those around a point."""
    try:
        limit = _int_arg("limit", PAGE_SIZE, 1, MAX_LIMIT)
        near = _near_arg()
    except BadQuery as exc:
        abort(400, str(exc))
    if near is None:
        return jsonify(applications=[as_json(a) for a in newest(limit)])
    lat, lon, radius_m = near
    found = within_radius(lat, lon, radius_m, limit)
    return jsonify(near={"lat": lat, "lon": lon, "radius_m": radius_m}, applications=[as_json(a) for a in found])


def as_json(application: Application) -> dict[str, Any]:
    return {
        "authority": application.authority,
        "reference": application.reference,
        "description": application.description,
        "address": application.address,
        "postcode": application.postcode,
        "received_date": application.received_date.isoformat() if application.received_date else None,
        "status": application.status,
        "info_url": application.info_url,
        "lat": application.lat,
        "lon": application.lon,
        "first_seen_at": application.first_seen_at.isoformat(),
        "last_changed_at": application.last_changed_at.isoformat(),
    }


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise BadQuery(f"{name} must be between {low} and {high}, not {value}")
    return value


def _near_arg() -> tuple[float, float, int] | None:
    raw = request.args.get("near")
    if raw is None:
        return None
    try:
        lat, lon = (float(part) for part in raw.split(","))
    except ValueError:
        raise BadQuery(f"near must be LAT,LON in decimal degrees, like 54.15,-4.48, not {raw!r}") from None
    if not is_lat_lon(lat, lon):
        raise BadQuery(f"near {raw!r} is outside the range of latitude and longitude")
    settings = current_settings()
    return lat, lon, _int_arg("radius_m", settings.default_radius_m, 1, settings.max_radius_m)
