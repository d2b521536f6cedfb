"""The plugin's pages and GeoJSON, mounted by the core at ``/street-reports/``."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template

from civicapps_street_reports.models import Report, reports_with_status

bp = Blueprint("street_reports", __name__, template_folder="templates")


@bp.get("/")
def index() -> str:
    reports = reports_with_status("open")
    return render_template("street_reports/index.html", title="Open street reports", reports=reports)


@bp.get("/reports.json")
def reports_json() -> Any:
    """Open reports as a GeoJSON FeatureCollection, ready for a map layer."""
    return jsonify(type="FeatureCollection", features=[as_feature(r) for r in reports_with_status("open")])


def as_feature(report: Report) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": report.id,
        "geometry": {"type": "Point", "coordinates": [report.lon, report.lat]},
        "properties": {
            "title": report.title,
            "category": report.category,
            "details": report.details,
            "status": report.status,
            "created_at": report.created_at.isoformat(),
        },
    }
