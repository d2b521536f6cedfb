"""Small helpers the views share: the report a URL names, who may see it, and the client address."""

from __future__ import annotations

from flask import abort, request

from civicapps import current_actor, db_session
from civicapps_street_reports.models import Report


def visible_report(report_id: int) -> Report:
    """The report if the visitor may see it: public ones for everyone, hidden and private ones for staff."""
    report = db_session().get(Report, report_id)
    if report is None or report.status == "unconfirmed":
        abort(404)
    if (report.hidden or report.private) and current_actor() is None:
        abort(404)
    return report


def client_address() -> str | None:
    return request.remote_addr
