"""Small helpers the views share: the report a URL names, who may see it, and uploaded files."""

from __future__ import annotations

from flask import abort, request
from werkzeug.datastructures import FileStorage

from civicapps import current_actor, db_session
from civicapps_street_reports.models import Report

MAX_UPLOAD_FIELDS = 10


def visible_report(report_id: int) -> Report:
    """The report if the visitor may see it: public ones for everyone, hidden and private ones for staff."""
    report = db_session().get(Report, report_id)
    if report is None or report.status == "unconfirmed":
        abort(404)
    if (report.hidden or report.private) and current_actor() is None:
        abort(404)
    return report


def uploads(field: str = "photos") -> list[tuple[str, bytes]]:
    """The files chosen in a form's file field (empty ones, sent when nothing is chosen, left out)."""
    files: list[FileStorage] = request.files.getlist(field)[:MAX_UPLOAD_FIELDS]
    chosen = []
    for upload in files:
        data = upload.read()
        if upload.filename or data:
            chosen.append((upload.filename or "", data))
    return chosen


def client_address() -> str | None:
    return request.remote_addr
