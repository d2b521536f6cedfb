"""The plugin's pages, feeds and APIs, one blueprint mounted by the core at ``/street-reports/``.

Each module adds its routes to :data:`bp`: ``public`` (map, reports, areas, photos, GeoJSON),
``feeds`` (RSS/Atom), ``reporting`` (the resident's report and update forms), ``staff`` and
``open311`` (the GeoReport v2 server).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("street_reports", __name__, template_folder="../templates", static_folder="../static")

from civicapps_street_reports.views import feeds, open311, public, reporting, staff  # noqa: E402,F401
