"""The plugin's pages, feeds and APIs, one blueprint mounted by the core at ``/street-reports/``.

Each module adds its routes to :data:`bp`: ``public`` (map, reports, areas, photos, GeoJSON),
``feeds`` (RSS/Atom), ``reporting`` (the resident's report and update forms), ``staff`` and
``open311`` (the GeoReport v2 server).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("street_reports", __name__, template_folder="../templates", static_folder="../static")

from civicapps_street_reports.views import feeds, open311, public, reporting, staff  # noqa: E402,F401


@bp.app_template_global("street_reports_map_centre")
def _map_centre() -> tuple[float, float]:
    from civicapps_street_reports.areas import map_centre

    return map_centre()


@bp.app_template_global("street_reports_search_hint")
def _search_hint() -> str:
    """The example in search hints: the deployment's own postcode and street (``[plugins.geo] example_*``)."""
    from civicapps import plugin_settings

    try:
        geo = plugin_settings("geo")
    except KeyError:  # the core's geo plugin is always there; a host without it just gets no example
        return "A full postcode, or the name of a street or place"
    examples = [e for e in (getattr(geo, "example_postcode", ""), getattr(geo, "example_street", "")) if e]
    return "For example " + " or ".join(examples)
