"""The plugin's pages, feeds and APIs, one blueprint mounted by the core at ``/street-reports/``.

Each module adds its routes to :data:`bp`: ``public`` (map, reports, areas, photos, GeoJSON),
``feeds`` (RSS/Atom), ``reporting`` (the resident's report and update forms), ``staff`` and
``open311`` (the GeoReport v2 server).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Blueprint
from flask_babel import get_locale

from civicapps import gettext

bp = Blueprint("street_reports", __name__, template_folder="../templates", static_folder="../static")
#: Times are stored in UTC and shown as the clock on the wall reads in the council's area.
LOCAL_TIME = ZoneInfo("Europe/London")
#: The date formats pages use (CLDR patterns, so month names come in the page's language).
DATE_FORMATS = {"date": "d MMMM y", "short": "d MMM y", "time": "d MMMM y, HH:mm", "short_time": "d MMM y, HH:mm"}

from civicapps_street_reports.views import feeds, open311, public, reporting, staff  # noqa: E402,F401


@bp.app_template_filter("street_reports_date")
def _date(moment: datetime | None, style: str = "date") -> str:
    """A stored (UTC) time as a date, or a date and time, in Europe/London and the page's language."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return format_datetime(aware, DATE_FORMATS[style], tzinfo=LOCAL_TIME, locale=get_locale())


@bp.app_template_global("street_reports_error")
def _error(message: str | None) -> dict[str, str] | None:
    """A GOV.UK component's ``errorMessage`` for a field's error (None when it has none), with the
    hidden "Error:" a screen reader hears before it in the page's language."""
    return {"text": message, "visuallyHiddenText": gettext("Error")} if message else None


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
        return gettext("A full postcode, or the name of a street or place")
    examples = [e for e in (getattr(geo, "example_postcode", ""), getattr(geo, "example_street", "")) if e]
    if len(examples) == 2:
        return gettext("For example %(postcode)s or %(street)s", postcode=examples[0], street=examples[1])
    if examples:
        return gettext("For example %(place)s", place=examples[0])
    return gettext("A full postcode, or the name of a street or place")
