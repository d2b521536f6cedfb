"""Sending: claimed outbox rows become messages, sent through apprise behind the egress guard.

Instant subscriptions get one message per item, digest subscriptions one message for everything
due, confirmations their own message. Each message's result is committed before the next message is
sent, so a killed worker leaves at most its one in-flight message unrecorded. What may overlap is
everything but sending: the next message is rendered while the current one is on the wire.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
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

logger = logging.getLogger(__name__)

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
    """No redirects and nothing kept on disk between sends. (apprise's own time limit never applies:
    services are called directly, and a :class:`Sender` keeps the per-message budget.)"""
    council = app.extensions["civicapps"].settings.council.name
    return _cached(
        app,
        "civicapps_apprise_asset",
        lambda: apprise.AppriseAsset(app_id="civicapps", app_desc=council, http_redirects=False, storage_mode="memory"),
    )


def policy_for(app: Flask) -> EgressPolicy:
    return _cached(app, "civicapps_egress_policy", lambda: EgressPolicy(notify_settings(app).egress_allow))


#: apprise's warnings during the send in progress on this thread (they say why it failed, e.g. "error=404").
_warnings: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("civicapps_apprise_warnings", default=None)
_listen_lock = threading.Lock()


class _WarningsOfThisSend(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        found = _warnings.get()
        if found is not None:
            found.append(record.getMessage())


def _listen() -> None:
    """Put the one :class:`_WarningsOfThisSend` on apprise's logger (again, if something removed it)."""
    apprise_logger = logging.getLogger("apprise")
    if any(isinstance(handler, _WarningsOfThisSend) for handler in apprise_logger.handlers):
        return
    with _listen_lock:
        if not any(isinstance(handler, _WarningsOfThisSend) for handler in apprise_logger.handlers):
            apprise_logger.addHandler(_WarningsOfThisSend(logging.WARNING))


@contextmanager
def apprise_warnings() -> Iterator[list[str]]:
    """Collect what apprise warns about inside (in this thread only) into the yielded list.

    One handler stays on apprise's logger for the life of the process and records only for a thread
    that is collecting: adding and removing a handler per message would take the logging module's
    lock twice a send for every thread of the worker.
    """
    _listen()
    found: list[str] = []
    token = _warnings.set(found)
    try:
        yield found
    finally:
        _warnings.reset(token)


@dataclass(frozen=True)
class Outgoing:
    """A rendered message and its destination, ready for :class:`Sender`."""

    url: str
    message: Message
    body_format: str
    check_scheme: bool = True


@dataclass(frozen=True)
class Prepared:
    """An :class:`Outgoing` with apprise's service object already made (or the reason it cannot be).

    Preparing is kept apart from sending so that a worker does it while the previous message is still
    on the wire: parsing a URL into a service costs as much as a tenth of a send.
    """

    message: Message
    body_format: str
    service: NotifyBase | None = None
    refusal: str | None = None


def prepare(app: Flask, outgoing: Outgoing) -> Prepared:
    """Check ``outgoing``'s scheme (unless civicapps built the URL itself) and make its service."""
    refusal = scheme_refusal(outgoing.url, notify_settings(app)) if outgoing.check_scheme else None
    if refusal:
        return Prepared(outgoing.message, outgoing.body_format, refusal=f"not sent: {refusal}")
    service = _service(outgoing.url, asset_for(app))
    if service is None:
        return Prepared(outgoing.message, outgoing.body_format, refusal="not sent: the notification URL is not valid")
    return Prepared(outgoing.message, outgoing.body_format, service)


def _send(policy: EgressPolicy, prepared: Prepared) -> str | None:
    """Send one message; None on success, else a reason fit for staff (no secrets).

    Sends in the calling thread with no overall time limit (sockets still time out), so only a
    :class:`Sender` calls it, keeping ``send_timeout_seconds``. The egress guard always applies.

    The service is called directly rather than through ``Apprise.notify()``: a service's own
    ``notify()`` converts the body to its format and applies its size limits just the same, and the
    orchestration around it (tags, escalation, retries, a result object describing the service by its
    URL, twice) cost a sixth of every send. Why a send failed is read from apprise's warnings.
    """
    if prepared.refusal is not None:
        return prepared.refusal
    service = prepared.service
    assert service is not None
    message = prepared.message
    with guarded(policy) as refusals, apprise_warnings() as warnings:
        try:
            sent = service.notify(body=message.body, title=message.title, body_format=FORMATS[prepared.body_format])
        except Exception as exc:  # a plugin's bug must not stop the worker
            # Where it was raised, not what it says: an exception's text may hold the URL and its secrets.
            where = traceback.extract_tb(exc.__traceback__)[-1]
            logger.warning(
                "apprise's %s service raised %s at %s:%s",
                service.service_name,
                type(exc).__name__,
                where.filename,
                where.lineno,
            )
            failed = f"not sent: the {service.service_name} service failed ({type(exc).__name__})"
            return refusals[0] if refusals else failed
    if sent:
        return None
    if refusals:
        return refusals[0]
    return warnings[-1] if warnings else f"not sent: the {service.service_name} service reported a failure"


def _service(url: str, asset: apprise.AppriseAsset) -> NotifyBase | None:
    """apprise's service object for ``url``, or None if the URL is not valid.

    ``Apprise.instantiate()`` formats two log lines whether or not anything is logged: a secret-masked
    copy of every URL (as costly as parsing it) and a dump of its fields. Here the service's own parser
    reads the URL and the service is made from the fields, with instantiate's checks (the service
    is enabled before and after). A scheme apprise does not know (a service's native https address,
    say) still goes through ``instantiate``.
    """
    services = NotificationManager()
    scheme = url.partition("://")[0].lower()
    if scheme not in services:
        return apprise.Apprise.instantiate(url, asset=asset)
    kind = services[scheme]
    fields = kind.parse_url(url.replace("/#", "/%23"))  # as apprise's own url_to_dict does
    if not fields or not kind.enabled:
        return None
    try:
        service = kind(**{**fields, "tag": set(), "asset": asset})
    except Exception:  # apprise's services refuse bad arguments by raising
        return None
    return service if service.enabled else None


class Sender:
    """Sends one message at a time on a thread of its own, so the worker prepares the next meanwhile.

    Only one message is ever in flight: :meth:`start` refuses a second one until :meth:`result` has
    returned the first one's outcome (which the caller then records). Sending is the only thing that
    happens on the thread; the egress guard is entered there, around every send. A message that has
    not gone within ``send_timeout_seconds`` of its start is reported as not sent and its thread is
    abandoned to finish on its own (as apprise does with its own time limit): a new thread takes over.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.budget = notify_settings(app).send_timeout_seconds
        self.policy = policy_for(app)
        self._fresh()
        self.flight: Future[str | None] | None = None
        self.deadline = 0.0

    def _fresh(self) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="civicapps-send")

    def start(self, prepared: Prepared) -> None:
        if self.flight is not None:
            raise RuntimeError("the result of the message in flight has not been collected")
        self.deadline = time.monotonic() + self.budget
        self.flight = self.pool.submit(_send, self.policy, prepared)

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
        """Prepare and send one message and wait for it: None if it was sent, else why not."""
        self.start(prepare(self.app, outgoing))
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
            outgoing = prepare(app, compose(app, subscription, kind, group))  # while the previous one is on the wire
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
