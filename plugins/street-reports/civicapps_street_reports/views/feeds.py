"""RSS 2.0 and Atom feeds: new reports in an area, updates on one report, and all new reports.

FixMyStreet residents follow areas and reports in feed readers as well as by email; both formats
are offered because councils' own sites and older readers still expect RSS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Response, abort, render_template, url_for
from sqlalchemy import select

from civicapps import db_session, gettext, utcnow
from civicapps_street_reports import states
from civicapps_street_reports.models import Area, Report, Update
from civicapps_street_reports.views import bp
from civicapps_street_reports.views.common import visible_report
from civicapps_street_reports.views.public import public_reports, reports_in_area

FEED_SIZE = 20
MIMETYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    summary: str
    updated: datetime


def _feed(fmt: str, title: str, link: str, self_link: str, entries: list[Entry]) -> Response:
    if fmt not in MIMETYPES:
        abort(404)
    updated = max((e.updated for e in entries), default=utcnow())
    body = render_template(
        f"street_reports/feed_{fmt}.xml", title=title, link=link, self_link=self_link, entries=entries, updated=updated
    )
    return Response(body, mimetype=MIMETYPES[fmt])


def _report_entry(report: Report) -> Entry:
    link = url_for("street_reports.report_page", report_id=report.id, _external=True)
    return Entry(
        link,
        f"{report.category}: {report.title}",
        link,
        report.details,
        report.confirmed_at or report.created_at,
    )


@bp.get("/reports.<fmt>")
def all_reports_feed(fmt: str) -> Response:
    reports = (
        db_session()
        .scalars(public_reports().order_by(Report.confirmed_at.desc(), Report.id.desc()).limit(FEED_SIZE))
        .all()
    )
    return _feed(
        fmt,
        gettext("New street reports"),
        url_for("street_reports.index", _external=True),
        url_for("street_reports.all_reports_feed", fmt=fmt, _external=True),
        [_report_entry(r) for r in reports],
    )


@bp.get("/areas/<int:area_id>/reports.<fmt>")
def area_feed(area_id: int, fmt: str) -> Response:
    area = db_session().get(Area, area_id)
    if area is None:
        abort(404)
    reports = reports_in_area(area, limit=FEED_SIZE)
    return _feed(
        fmt,
        gettext("Street reports in %(area)s", area=area.name),
        url_for("street_reports.area_page", area_id=area.id, _external=True),
        url_for("street_reports.area_feed", area_id=area.id, fmt=fmt, _external=True),
        [_report_entry(r) for r in reports],
    )


@bp.get("/reports/<int:report_id>/updates.<fmt>")
def report_feed(report_id: int, fmt: str) -> Response:
    report = visible_report(report_id)
    if report.hidden or report.private:
        abort(404)
    link = url_for("street_reports.report_page", report_id=report.id, _external=True)
    updates = (
        db_session()
        .scalars(
            select(Update)
            .where(Update.report_id == report.id, Update.state == "confirmed")
            .order_by(Update.created_at.desc(), Update.id.desc())
            .limit(FEED_SIZE)
        )
        .all()
    )
    entries = [
        Entry(
            f"{link}#update-{u.id}",
            states.label(u.status)
            if u.status
            else gettext("Update from the council")
            if u.role in ("staff", "body")
            else gettext("Update from a resident"),
            f"{link}#update-{u.id}",
            u.text,
            u.created_at,
        )
        for u in updates
    ]
    entries.append(_report_entry(report))
    return _feed(
        fmt,
        gettext("Updates on: %(title)s", title=report.title),
        link,
        url_for("street_reports.report_feed", report_id=report.id, fmt=fmt, _external=True),
        entries,
    )
