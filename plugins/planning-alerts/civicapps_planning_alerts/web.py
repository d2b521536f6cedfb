"""The plugin's blueprint, mounted by the core at ``/planning-alerts/``; views live in their own modules."""

from __future__ import annotations

from flask import Blueprint

from civicapps_planning_alerts.dates import uk_date, uk_time

bp = Blueprint("planning_alerts", __name__, template_folder="templates", static_folder="static")
# Filters for the plugin's templates (prefixed: filters are app-wide).
bp.add_app_template_filter(uk_date, "planning_alerts_date")
bp.add_app_template_filter(uk_time, "planning_alerts_time")

from civicapps_planning_alerts import api, pages, staff  # noqa: E402,F401 - registers the views on bp
