"""The default plugin "notify": subscriptions, matching, the outbox and delivery, on public hooks only."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, url_for

from civicapps.auth import Actor
from civicapps.db import db_session
from civicapps.events import RecordsIngested
from civicapps.i18n import gettext
from civicapps.jobs import Job
from civicapps.notify import models, staff, views
from civicapps.notify.channels import ChannelKind
from civicapps.notify.delivery import deliver_due
from civicapps.notify.matching import match_pending, record_ingest
from civicapps.notify.outbox import due_count, sweep, wake
from civicapps.notify.render import Message, Notification, render_default
from civicapps.notify.settings import NotifySettings, notify_settings
from civicapps.notify.subscriptions import expire_unconfirmed
from civicapps.notify.topics import offered_topics
from civicapps.plugins import hookimpl
from civicapps.web.csrf import csrf_exempt
from civicapps.web.links import Link


@hookimpl
def register_settings() -> type[NotifySettings]:
    return NotifySettings


@hookimpl
def register_models() -> list[type]:
    return [
        models.Subscription,
        models.OutboxRow,
        models.ItemSnapshot,
        models.TopicState,
        models.TopicIndex,
        models.MatchRequest,
        models.InboxMessage,
    ]


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).with_name("migrations")


@hookimpl
def register_blueprint(app: Flask) -> Blueprint:
    # No CSRF token on: the JSON API (no cookie is honoured there), RFC 8058 one-click unsubscribe
    # (the signed link is the proof), and the dev inbox (apprise posting from this machine).
    for view in (views.api_subscribe, views.unsubscribe_post, staff.inbox_receive):
        csrf_exempt(app, view)
    return views.bp


def sweep_and_wake(app: Flask) -> None:
    """Re-claim rows whose worker died, then wake workers for whatever is due (retries, digests)."""
    session = db_session()
    sweep(session, notify_settings(app))
    wake(app, due_count(session))


@hookimpl
def register_jobs(app: Flask) -> list[Job]:
    return [
        Job("match", match_pending, cron="* * * * *", description="match ingested records to subscriptions"),
        Job("deliver", deliver_due, description="send due messages until none are left"),
        Job("sweep", sweep_and_wake, cron="* * * * *", description="re-claim stuck messages; wake retries and digests"),
        Job("expire", expire_unconfirmed, cron="17 * * * *", description="delete unconfirmed subscriptions"),
    ]


@hookimpl
def on_records_ingested(app: Flask, event: RecordsIngested) -> None:
    record_ingest(app, event)


@hookimpl(trylast=True)
def render_notification(app: Flask, notification: Notification, channel: ChannelKind) -> Message:
    return render_default(app, notification, channel)


@hookimpl
def menu_links(app: Flask, actor: Actor | None) -> list[Link]:
    links = (
        [Link(gettext("Get alerts"), url_for("notify.index"), gettext("Alerts by email or your chosen app"))]
        if offered_topics(app)
        else []
    )
    if actor is not None:
        links.append(Link(gettext("Notifications"), url_for("notify.staff")))
        if notify_settings(app).dev_inbox:
            links.append(Link(gettext("Inbox"), url_for("notify.inbox_page")))
    return links
