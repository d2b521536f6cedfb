"""Sending: claimed outbox rows become messages, sent through apprise behind the egress guard.

Instant subscriptions get one message per item, digest subscriptions one message for everything
due, confirmations their own message. Each message's result is written the moment apprise returns,
so a killed worker leaves at most its one in-flight message unrecorded.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import apprise
from flask import Flask
from sqlalchemy import select

from civicapps.db import db_session, start_writing
from civicapps.notify.channels import KINDS, ChannelKind, add_query, scheme_refusal
from civicapps.notify.direct import DIRECT, message_of
from civicapps.notify.egress import EgressPolicy, guarded
from civicapps.notify.inbox import inbox_url
from civicapps.notify.models import ACTIVE, CONFIRM, PENDING, Subscription
from civicapps.notify.outbox import Claimed, cancel, claim, finish, renew
from civicapps.notify.render import Message, Notification, render
from civicapps.notify.settings import notify_settings
from civicapps.notify.subscriptions import confirmation_code, describe_area, links

FORMATS = {
    "html": apprise.NotifyFormat.HTML,
    "markdown": apprise.NotifyFormat.MARKDOWN,
    "text": apprise.NotifyFormat.TEXT,
}


def _cached(app: Flask, key: str, make: Any) -> Any:
    value = app.extensions.get(key)
    if value is None:
        value = app.extensions[key] = make()
    return value


def asset_for(app: Flask) -> apprise.AppriseAsset:
    """No redirects, a short per-message budget, and nothing kept on disk between sends."""
    settings = notify_settings(app)
    council = app.extensions["civicapps"].settings.council.name
    return _cached(
        app,
        "civicapps_apprise_asset",
        lambda: apprise.AppriseAsset(
            app_id="civicapps",
            app_desc=council,
            http_redirects=False,
            service_timeout=settings.send_timeout_seconds,
            storage_mode="memory",
        ),
    )


def policy_for(app: Flask) -> EgressPolicy:
    return _cached(app, "civicapps_egress_policy", lambda: EgressPolicy(notify_settings(app).egress_allow))


def send(app: Flask, url: str, message: Message, body_format: str, check_scheme: bool = True) -> str | None:
    """Send one message to one apprise URL; None on success, else a reason fit for staff (no secrets).

    The egress guard always applies; ``check_scheme=False`` is only for URLs civicapps built itself.
    """
    refusal = scheme_refusal(url, notify_settings(app)) if check_scheme else None
    if refusal:
        return f"not sent: {refusal}"
    notifier = apprise.Apprise(asset=asset_for(app))
    if not notifier.add(url):
        return "not sent: the notification URL is not valid"
    with guarded(policy_for(app)) as refusals:
        result = notifier.notify(body=message.body, title=message.title, body_format=FORMATS[body_format])
    if result:
        return None
    if refusals:
        return refusals[0]
    warnings = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR")]
    return warnings[-1] if warnings else f"apprise reported {result.status.name.lower()}"


def deliver_due(app: Flask) -> int:
    """The ``notify.deliver`` job: claim and send due messages until none are left; returns how many sent."""
    settings = notify_settings(app)
    session = db_session()
    sent = 0
    while True:
        token, rows = claim(session, settings.batch_size)
        if not rows:
            return sent
        wanted_ids = {r.subscription_id for r in rows}
        subscriptions = {s.id: s for s in session.scalars(select(Subscription).where(Subscription.id.in_(wanted_ids)))}
        start_writing(session)  # no read transaction may stay open across the sends
        renewed = time.monotonic()
        for subscription, kind, group in _messages(rows, subscriptions):
            if time.monotonic() - renewed > settings.sending_timeout_seconds / 3:
                renew(session, token)
                renewed = time.monotonic()
            wanted = PENDING if kind == CONFIRM else ACTIVE
            if subscription is None or subscription.status != wanted:
                cancel(session, token, [r.id for r in group])
                continue
            error = send_to(app, subscription, kind, group)
            finish(session, token, [r.id for r in group], error, settings, max(r.attempts for r in group))
            sent += error is None


def _messages(
    rows: list[Claimed], subscriptions: dict[int, Subscription]
) -> Iterator[tuple[Subscription | None, str, list[Claimed]]]:
    """(subscription, message kind, rows) for each message in a claim."""
    by_subscription: dict[int, list[Claimed]] = {}
    for claimed in rows:
        by_subscription.setdefault(claimed.subscription_id, []).append(claimed)
    for subscription_id, group in by_subscription.items():
        subscription = subscriptions.get(subscription_id)
        alerts = [r for r in group if r.kind not in (CONFIRM, DIRECT)]
        for single in (r for r in group if r.kind in (CONFIRM, DIRECT)):
            yield subscription, single.kind, [single]
        if subscription is not None and subscription.frequency != "instant" and alerts:
            yield subscription, "digest", alerts
        else:
            for alert in alerts:
                yield subscription, "alert", [alert]


def send_to(app: Flask, subscription: Subscription, kind: str, rows: list[Claimed]) -> str | None:
    """Render and send one message to a subscription's channel."""
    channel = KINDS[subscription.channel]
    if kind == DIRECT:
        return send_direct(app, subscription, channel, rows[0])
    link = links(app, subscription, confirm=kind == CONFIRM)
    notification = Notification(
        kind=kind,
        topic=subscription.topic,
        topic_title=rows[0].payload.get("topic_title", subscription.topic),
        area=describe_area(subscription),
        council=app.extensions["civicapps"].settings.council.name,
        items=tuple(r.payload["item"] for r in rows if "item" in r.payload),
        unsubscribe_url=link["unsubscribe_url"],
        manage_url=link["manage_url"],
        confirm_url=link.get("confirm_url"),
        code=confirmation_code(app, subscription) if kind == CONFIRM else None,
        frequency=subscription.frequency,
    )
    message = render(app, notification, channel)
    if notify_settings(app).dev_inbox:
        return send(
            app,
            inbox_url(app, channel.name, channel.mask(subscription.target)),
            message,
            channel.format,
            check_scheme=False,
        )
    return send(app, _url(app, subscription, channel, link["unsubscribe_url"], rows[0].id), message, channel.format)


def send_direct(app: Flask, subscription: Subscription, channel: ChannelKind, claimed: Claimed) -> str | None:
    """Send a direct message as its plugin wrote it: no unsubscribe links, since nobody subscribed."""
    message, body_format = message_of(claimed.payload, channel.format)
    if notify_settings(app).dev_inbox:
        url = inbox_url(app, channel.name, channel.mask(subscription.target))
        return send(app, url, message, body_format, check_scheme=False)
    return send(app, channel.build(subscription.target, notify_settings(app)), message, body_format)


def _url(app: Flask, subscription: Subscription, channel: ChannelKind, unsubscribe_url: str, message_id: int) -> str:
    url = channel.build(subscription.target, notify_settings(app))
    if channel.name == "email":  # RFC 8058 one-click unsubscribe in mail clients
        return add_query(
            url, {"+List-Unsubscribe": f"<{unsubscribe_url}>", "+List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        )
    if channel.name == "webhook":  # a stable id, so a receiver can drop the rare repeat after a crash
        return add_query(url, {":id": str(message_id)})
    return url
