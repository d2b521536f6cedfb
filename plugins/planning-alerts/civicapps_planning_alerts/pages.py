"""Residents' pages: search by postcode, an application with its history, and setting up alerts."""
from __future__ import annotations

from typing import Any

from flask import abort, render_template
from sqlalchemy import select

from civicapps import db_session
from civicapps.feeds.models import RecordVersion
from civicapps_planning_alerts import queries
from civicapps_planning_alerts.models import DATASET, LABELS, Application
from civicapps_planning_alerts.serialise import safe_url
from civicapps_planning_alerts.settings import current_settings
from civicapps_planning_alerts.web import bp


@bp.get("/")
def index() -> str:
    settings = current_settings()
    found = queries.run(queries.Search(), per_page=settings.page_size)
    return render_template("planning_alerts/index.html", title="Planning applications", found=found)


@bp.get("/applications/<int:application_id>")
def application(application_id: int) -> Any:
    found = db_session().get(Application, application_id)
    if found is None:
        abort(404)
    versions = db_session().scalars(
        select(RecordVersion)
        .where(RecordVersion.dataset == DATASET, RecordVersion.record_id == found.id)
        .order_by(RecordVersion.version.desc())
    ).all()
    return render_template(
        "planning_alerts/application.html",
        title=f"Application {found.reference}",
        application=found,
        versions=versions,
        labels=LABELS,
        council_url=safe_url(found.info_url),
        comment_url=safe_url(found.comment_url) or safe_url(found.info_url),
    )
