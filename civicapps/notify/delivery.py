"""Sending: claimed outbox rows become messages, sent through apprise behind the egress guard.

Instant subscriptions get one message per item, digest subscriptions one message for everything
due, confirmations their own message. Each message's result is committed before the next message is
sent, so a killed worker leaves at most its one in-flight message unrecorded. What may overlap is
everything but sending: the next message is rendered while the current one is on the wire.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import apprise
from apprise.manager_plugins import NotificationManager
from apprise.plugins.base import NotifyBase
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicapps.db import db_session, start_writing
from civicapps.notify.channels import KINDS, ChannelKind, add_query, scheme_refusal
from civicapps.notify.direct import DIRECT, message_of
from civicapps.notify.egress import EgressPolicy, guarded
from civicapps.notify.inbox import inbox_url
from civicapps.notify.models import ACTIVE, CONFIRM, PENDING, Subscription
from civicapps.notify.outbox import Claimed, Recorder, cancel, claim, renew
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
    """No redirects and nothing kept on disk between sends.

    apprise is asked to send in the calling thread, with no time limit of its own: enforcing its
    ``service_timeout`` costs a hand-off to its thread pool per message, while a :class:`Sender`
    already sends on a thread of its own and keeps the per-message budget there.
    """
    council = app.extensions["civicapps"].settings.council.name
    return _cached(
        app,
        "civicapps_apprise_asset",
        lambda: apprise.AppriseAsset(
            app_id="civicapps",
            app_desc=council,
            http_redirects=False,
            async_mode=False,
            service_timeout=0,
            storage_mode="memory",
        ),
    )


def policy_for(app: Flask) -> EgressPolicy:
    return _cached(app, "civicapps_egress_policy", lambda: EgressPolicy(notify_settings(app).egress_allow))


@dataclass(frozen=True)
class Outgoing:
    """A rendered message and its destination, ready for :class:`Sender`."""

    url: str
    message: Message
    body_format: str
    check_scheme: bool = True


def _send(app: Flask, notifier: apprise.Apprise, outgoing: Outgoing) -> str | None:
    """Send one message; None on success, else a reason fit for staff (no secrets).

    Sends in the calling thread with no overall time limit (sockets still time out), so only a
    :class:`Sender` calls it, keeping ``send_timeout_seconds``. The egress guard always applies;
    ``check_scheme=False`` is only for URLs civicapps built itself. ``notifier`` (emptied first) is
    reused from one message to the next, which saves setting one up (asset, locale) per message.
    """
    refusal = scheme_refusal(outgoing.url, notify_settings(app)) if outgoing.check_scheme else None
    if refusal:
        return f"not sent: {refusal}"
    service = _service(outgoing.url, asset_for(app))
    if service is None:
        return "not sent: the notification URL is not valid"
    notifier.clear()
    notifier.add(service)
    message = outgoing.message
    with guarded(policy_for(app)) as refusals:
        result = notifier.notify(body=message.body, title=message.title, body_format=FORMATS[outgoing.body_format])
    if result:
        return None
    if refusals:
        return refusals[0]
    warnings = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR")]
    return warnings[-1] if warnings else f"apprise reported {result.status.name.lower()}"


def _service(url: str, asset: apprise.AppriseAsset) -> NotifyBase | None:
    """apprise's service object for ``url``, or None if the URL is not valid.

    ``Apprise.instantiate(url)`` also makes a secret-masked copy of every URL for its log, whether or
    not anything is logged: half the cost of parsing, paid per message. Here the service's own parser
    reads the URL and apprise is handed the fields; a scheme apprise does not know (a service's
    native https address, say) still goes through ``instantiate``.
    """
    services = NotificationManager()
    scheme = url.partition("://")[0].lower()
    if scheme not in services:
        return apprise.Apprise.instantiate(url, asset=asset)
    fields = services[scheme].parse_url(url.replace("/#", "/%23"))  # as apprise's own url_to_dict does
    return apprise.Apprise.instantiate(fields, asset=asset) if fields else None


class Sender:
    """Sends one message at a time on a thread of its own, so the worker renders the next meanwhile.

    Only one message is ever in flight: :meth:`start` refuses a second one until :meth:`result` has
    returned the first one's outcome (which the caller then records). Sending is the only thing that
    happens on the thread; the egress guard is entered there, around every send. A message that has
    not gone within ``send_timeout_seconds`` of its start is reported as not sent and its thread is
    abandoned to finish on its own (as apprise does with its own time limit): a new thread and
    ``Apprise`` object take over.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.budget = notify_settings(app).send_timeout_seconds
        self._fresh()
        self.flight: Future[str | None] | None = None
        self.deadline = 0.0

    def _fresh(self) -> None:
        self.notifier = apprise.Apprise(asset=asset_for(self.app))
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="civicapps-send")

    def start(self, outgoing: Outgoing) -> None:
        if self.flight is not None:
            raise RuntimeError("the result of the message in flight has not been collected")
        self.deadline = time.monotonic() + self.budget
        self.flight = self.pool.submit(_send, self.app, self.notifier, outgoing)

    def result(self) -> str | None:
        """Wait for the message in flight: None if it was sent, else why not."""
        if self.flight is None:
            raise RuntimeError("no message is in flight")
        flight, self.flight = self.flight, None
        try:
            return flight.result(timeout=max(0.0, self.deadline - time.monotonic()))
        except TimeoutError:
            self.pool.shutdown(wait=False)
            self._fresh()
            return f"not sent: no answer within {self.budget:g} s"

    def send(self, outgoing: Outgoing) -> str | None:
        """Send one message and wait for it: None if it was sent, else why not."""
        self.start(outgoing)
        return self.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def deliver_due(app: Flask) -> int:
    """The ``notify.deliver`` job: claim and send due messages until none are left; returns how many sent."""
    settings = notify_settings(app)
    session = db_session()
    sender, recorder = Sender(app), Recorder(session, settings)
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
            start_writing(session)  # no read transaction may stay open across the sends
            sent += _send_claimed(app, session, sender, recorder, token, rows, subscriptions)
    finally:
        sender.close()
        recorder.close()


def _send_claimed(
    app: Flask,
    session: Session,
    sender: Sender,
    recorder: Recorder,
    token: str,
    rows: list[Claimed],
    subscriptions: dict[int, Subscription],
) -> int:
    """Send one claim's messages, each one's outcome committed before the next goes; returns how many were sent."""
    settings = notify_settings(app)
    renewed = time.monotonic()
    in_flight: list[Claimed] | None = None
    sent = 0
    try:
        for subscription, kind, group in _messages(rows, subscriptions):
            if time.monotonic() - renewed > settings.sending_timeout_seconds / 3:
                renew(session, token)
                renewed = time.monotonic()
            wanted = PENDING if kind == CONFIRM else ACTIVE
            if subscription is None or subscription.status != wanted:
                cancel(session, token, [r.id for r in group])
                continue
            outgoing = compose(app, subscription, kind, group)  # while the previous message is on the wire
            if in_flight is not None:
                sent += recorder.finish(token, in_flight, sender.result())
            sender.start(outgoing)
            in_flight = group
    finally:
        if in_flight is not None:
            sent += recorder.finish(token, in_flight, sender.result())
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


def compose(app: Flask, subscription: Subscription, kind: str, rows: list[Claimed]) -> Outgoing:
    """Render one message to a subscription's channel."""
    channel = KINDS[subscription.channel]
    if kind == DIRECT:
        return compose_direct(app, subscription, channel, rows[0])
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
        return Outgoing(
            inbox_url(app, channel.name, channel.mask(subscription.target)), message, channel.format, check_scheme=False
        )
    return Outgoing(_url(app, subscription, channel, link["unsubscribe_url"], rows[0].id), message, channel.format)


def compose_direct(app: Flask, subscription: Subscription, channel: ChannelKind, claimed: Claimed) -> Outgoing:
    """A direct message as its plugin wrote it: no unsubscribe links, since nobody subscribed."""
    message, body_format = message_of(claimed.payload, channel.format)
    if notify_settings(app).dev_inbox:
        url = inbox_url(app, channel.name, channel.mask(subscription.target))
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
