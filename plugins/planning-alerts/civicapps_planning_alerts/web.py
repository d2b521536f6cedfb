"""The plugin's blueprint, mounted by the core at ``/planning-alerts/``; views live in their own modules."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("planning_alerts", __name__, template_folder="templates", static_folder="static")

from civicapps_planning_alerts import api, pages, staff  # noqa: E402,F401 - registers the views on bp
