"""Staff pages: delivery counts per channel, failures with reasons and a retry button; the dev inbox."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select

from civicapps.auth import staff_required
from civicapps.db import db_session
from civicapps.notify import inbox
from civicapps.notify.models import InboxMessage
from civicapps.notify.outbox import retry, wake
from civicapps.notify.settings import notify_settings
from civicapps.notify.status import STATUSES, report
from civicapps.notify.views import bp, page
from civicapps.web.edge_input import parse_id


@bp.get("/-/notifications")
@staff_required
def staff() -> str:
    return page("staff.html", report=report(current_app), statuses=STATUSES, form=FlaskForm())


@bp.post("/-/notifications/retry")
@staff_required
def staff_retry() -> Any:
    if not FlaskForm().validate_on_submit():
        abort(400)
    chosen = request.form.get("row", "")
    number = parse_id(chosen)
    if chosen != "all" and number is None:
        abort(400)
    count = retry(db_session(), None if chosen == "all" else [number])
    wake(current_app, count)
    return redirect(url_for("notify.staff", retried=count))


@bp.get("/-/inbox")
@staff_required
def inbox_page() -> str:
    if not notify_settings(current_app).dev_inbox:
        abort(404)
    messages = db_session().scalars(select(InboxMessage).order_by(InboxMessage.id.desc()).limit(100))
    return page("inbox.html", messages=list(messages), as_html=inbox.as_html)


@bp.post("/-/inbox/receive/<token>")
def inbox_receive(token: str) -> Any:
    """Where apprise posts in development; only from this machine, only with the secret path."""
    if not notify_settings(current_app).dev_inbox or token != inbox.inbox_token(current_app):
        abort(404)
    if request.remote_addr not in ("127.0.0.1", "::1"):
        abort(403)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        abort(400)
    inbox.receive(payload)
    return "", 204
