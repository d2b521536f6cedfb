"""Delivery: claimed outbox rows become messages, handed to a :class:`~civicapps.notify.sending.Sender`.

Instant subscriptions get one message per item, digest subscriptions one message for everything
due, confirmations their own message. Each message's outcome is committed before the next message is
sent (the send thread does both), so a killed worker leaves at most one in-flight message unrecorded
per deliver job, that is per worker thread. While a job holds a claim, the claims heartbeat renews it;
another worker takes over a claim that lapsed (:func:`take_over`). What overlaps is everything but
sending: the next message is rendered and prepared, and waits behind the one on the wire.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicapps.db import db_session, get_database
from civicapps.i18n import in_language, link_in_language
from civicapps.notify.channels import KINDS, ChannelKind, add_query
from civicapps.notify.describing import describe_area
from civicapps.notify.digests import confirmation_code
from civicapps.notify.direct import DIRECT, message_of
from civicapps.notify.inbox import inbox_url
from civicapps.notify.message_links import confirm_max_age, links
from civicapps.notify.models import ACTIVE, CONFIRM, PENDING, Subscription
from civicapps.notify.outbox import Claimed, cancel, claim, claims_heartbeat, renew, sweep, wake
from civicapps.notify.render import Notification, render
from civicapps.notify.sending import Outgoing, Sender, prepare
from civicapps.notify.settings import notify_settings
from civicapps.notify.topics import topics_of


def take_over(app: Flask) -> int:
    """Put back the rows of claims that lapsed (their worker died) and wake workers for them; how many.

    Every ``civicapps worker`` runs this on its heartbeat, so a dead worker's messages go again within
    a lease and a beat of its death, rather than at the next minute's ``notify.sweep`` run by whichever
    worker holds the schedule (which may be the dead one).
    """
    with app.app_context():
        count = sweep(db_session(), notify_settings(app))
    if count:
        wake(app, count)
    return count


def deliver_due(app: Flask) -> int:
    """The ``notify.deliver`` job: claim and send due messages until none are left; returns how many sent."""
    settings = notify_settings(app)
    session = db_session()
    sender = Sender(app)
    sent = 0
    try:
        while True:
            token, rows = claim(session, settings.batch_size)
            if not rows:
                return sent
            wanted_ids = {r.subscription_id for r in rows}
            subscriptions = {
                s.id: s for s in session.scalars(select(Subscription).where(Subscription.id.in_(wanted_ids)))
            }
            session.commit()  # end the read transaction: none may stay open across the sends
            with claims_heartbeat(app).hold(partial(renew, get_database(app).write_engine, token)):
                sent += _send_claimed(app, session, sender, token, rows, subscriptions)
    finally:
        sender.close()


def _send_claimed(
    app: Flask,
    session: Session,
    sender: Sender,
    token: str,
    rows: list[Claimed],
    subscriptions: dict[int, Subscription],
) -> int:
    """Send one claim's messages, each one's outcome committed before the next goes; returns how many were sent.

    Each message is handed over as soon as it is ready, so the next one is waiting when the send
    thread has recorded the one before; then this thread waits for the older one's outcome.
    """
    sent = 0
    try:
        for subscription, kind, group in _messages(rows, subscriptions):
            wanted = PENDING if kind == CONFIRM else ACTIVE
            if subscription is None or subscription.status != wanted:
                cancel(session, token, [r.id for r in group])
                continue
            sender.hand(prepare(app, compose(app, subscription, kind, group)), token, group)
            if sender.pending > 1:  # one on the wire and this one behind it
                sent += sender.wait_oldest() is None
    finally:
        while sender.pending:
            sent += sender.wait_oldest() is None
    return sent


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


def localised(item: dict) -> dict:
    """An alert's item with its link to this site opening in the message's language."""
    return {**item, "url": link_in_language(item.get("url"))} if item.get("url") else item


def compose(app: Flask, subscription: Subscription, kind: str, rows: list[Claimed]) -> Outgoing:
    """Render one message to a subscription's channel, in the subscriber's language.

    Works in a worker's app context as in a request: :func:`~civicapps.i18n.in_language` sets the
    subscriber's stored language (or the default) for everything rendered inside, whatever the
    request (if any) is in.
    """
    channel = KINDS[subscription.channel]
    if kind == DIRECT:
        return compose_direct(app, subscription, channel, rows[0])
    with in_language(subscription.language):
        link = links(subscription, confirm=kind == CONFIRM)
        topic = topics_of(app).get(subscription.topic)
        notification = Notification(
            kind=kind,
            topic=subscription.topic,
            # The topic's title now (a plugin's lazy_gettext translates it), else as it was at match time.
            topic_title=str(topic.title) if topic else rows[0].payload.get("topic_title", subscription.topic),
            area=describe_area(subscription, app),
            council=app.extensions["civicapps"].settings.council.name,
            items=tuple(localised(r.payload["item"]) for r in rows if "item" in r.payload),
            unsubscribe_url=link["unsubscribe_url"],
            manage_url=link["manage_url"],
            confirm_url=link.get("confirm_url"),
            code=confirmation_code(app, subscription) if kind == CONFIRM else None,
            frequency=subscription.frequency,
            confirm_until=subscription.created_at + confirm_max_age(app) if kind == CONFIRM else None,
        )
        message = render(app, notification, channel)
    if notify_settings(app).dev_inbox:
        return Outgoing(
            inbox_url(app, channel.name, subscription.target, channel.format),
            message,
            channel.format,
            check_scheme=False,
        )
    return Outgoing(_url(app, subscription, channel, link["unsubscribe_url"], rows[0].id), message, channel.format)


def compose_direct(app: Flask, subscription: Subscription, channel: ChannelKind, claimed: Claimed) -> Outgoing:
    """A direct message as its plugin wrote it: no unsubscribe links, since nobody subscribed."""
    message, body_format = message_of(claimed.payload, channel.format)
    if notify_settings(app).dev_inbox:
        url = inbox_url(app, channel.name, subscription.target, body_format)
        return Outgoing(url, message, body_format, check_scheme=False)
    return Outgoing(channel.build(subscription.target, notify_settings(app)), message, body_format)


def _url(app: Flask, subscription: Subscription, channel: ChannelKind, unsubscribe_url: str, message_id: int) -> str:
    url = channel.build(subscription.target, notify_settings(app))
    if channel.name == "email":  # RFC 8058 one-click unsubscribe in mail clients
        return add_query(
            url, {"+List-Unsubscribe": f"<{unsubscribe_url}>", "+List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        )
    if channel.name == "webhook":  # a stable id, so a receiver can drop the rare repeat after a crash
        return add_query(url, {":id": str(message_id)})
    return url
