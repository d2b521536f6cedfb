"""Direct messages: one message to one address a plugin already knows (sign-in links, invitations,
a report sent to a council team), through the same outbox, worker, retries and egress guard as alerts.

A direct message needs no subscription from the resident, so it has none of its own: each address
gets one hidden subscription (topic :data:`DIRECT_TOPIC`, never matched, never listed on "manage my
alerts") that its messages hang off. That keeps one ledger: the unique outbox key makes ``key``
idempotent, the sweeper and retries apply unchanged, and staff see the failures on the same page.

The message joins the caller's database transaction: if the caller rolls back, nothing is sent;
workers are woken only once the transaction commits.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import apprise
from flask import Flask, current_app
from sqlalchemy import delete, event, select

from civicapps.clock import utcnow
from civicapps.db import db_session
from civicapps.errors import CivicappsError
from civicapps.notify.channels import KINDS, ChannelError, scheme_refusal
from civicapps.notify.digests import target_hash
from civicapps.notify.models import ACTIVE, OutboxRow, Subscription
from civicapps.notify.outbox import add_rows, row, wake
from civicapps.notify.render import Message
from civicapps.notify.settings import notify_settings

DIRECT_TOPIC = "notify.direct"
#: ``OutboxRow.kind`` of direct messages.
DIRECT = "direct"
MAX_KEY = 200  # OutboxRow.item_key


@dataclass(frozen=True)
class DirectMessage:
    """A direct message as its recipient may see it (UK GDPR right of access): no other addresses."""

    key: str
    title: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    text: str


def send_message(channel: str, target: str, *, key: str, title: str, text: str, html: str | None = None) -> bool:
    """Queue one message to ``target`` (an email address, an ntfy topic...) through ``channel``.

    ``channel`` is a channel kind (``"email"``, ``"ntfy"``, ``"webhook"``...; see docs/notifications.md)
    or ``"apprise"`` for a raw apprise URL that staff configured. The deployment must be able to send
    through it (email needs ``mail_url``), but it need not offer that kind to residents.

    ``key`` names the message, e.g. ``"organogram:invite:42"``: queueing the same key to the same
    target again does nothing and returns False, so a retried request never sends twice. Start it with
    your plugin's name. ``text`` is plain text (links as bare URLs); ``html``, if given, is used where
    the channel renders HTML (email). The message is a write in the current ``db_session()``
    transaction, like the caller's own writes: it is sent after the caller commits, and never if the
    caller rolls back.

    Raises :class:`civicapps.CivicappsError` if the channel is unknown or not configured, or the
    target is not valid for it.
    """
    if not 0 < len(key) <= MAX_KEY:
        raise CivicappsError(f"A message key must be 1 to {MAX_KEY} characters long, not {len(key)}.")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method; typed as Flask
    address = _address(channel, target)
    session = db_session()
    subscription_id = _subscription_id(address)
    if subscription_id is None:
        subscription = Subscription(
            topic=DIRECT_TOPIC,
            channel=address.kind,
            target=address.target,
            target_hash=address.hashed,
            frequency="instant",
            status=ACTIVE,
            confirm_attempts=0,
            changed=0,
            confirmed_at=utcnow(),
        )
        session.add(subscription)
        session.flush()
        subscription_id = subscription.id
    queued = select(OutboxRow.id).where(
        OutboxRow.subscription_id == subscription_id, OutboxRow.item_key == key, OutboxRow.kind == DIRECT
    )
    if session.scalar(queued) is not None:
        return False
    add_rows(session, [row(subscription_id, key, DIRECT, utcnow(), {"title": title, "text": text, "html": html})])
    event.listen(session, "after_commit", lambda _session: wake(app, 1), once=True)
    return True


def message_of(payload: dict[str, str | None], body_format: str) -> tuple[Message, str]:
    """The message a direct outbox row carries, and the body format to send it in."""
    html = payload.get("html")
    if body_format == "html" and html:
        return Message(title=str(payload["title"]), body=html), "html"
    return Message(title=str(payload["title"]), body=str(payload["text"])), "text"


def messages_to(channel: str, target: str, key_prefix: str, since: datetime | None = None) -> list[DirectMessage]:
    """The direct messages with keys starting ``key_prefix`` queued to ``target`` (``since`` a time,
    e.g. to limit how many links one address is sent in an hour), oldest first."""
    query = (
        select(OutboxRow)
        .where(
            OutboxRow.subscription_id == _subscription_id(_address(channel, target)),
            OutboxRow.item_key.startswith(key_prefix, autoescape=True),
            OutboxRow.created_at >= since if since else True,
        )
        .order_by(OutboxRow.id)
    )
    messages = []
    for outbox_row in db_session().scalars(query):
        payload = json.loads(outbox_row.payload)
        messages.append(
            DirectMessage(
                key=outbox_row.item_key,
                title=payload["title"],
                status=outbox_row.status,
                created_at=outbox_row.created_at,
                sent_at=outbox_row.sent_at,
                text=payload["text"],
            )
        )
    return messages


def forget_messages(channel: str, target: str, key_prefix: str) -> int:
    """Delete the direct messages with keys starting ``key_prefix`` to ``target`` (UK GDPR erasure),
    sent or not, and the address itself once no message to it is left. Joins the caller's transaction.
    """
    session = db_session()
    subscription_id = _subscription_id(_address(channel, target))
    if subscription_id is None:
        return 0
    deleted = session.execute(
        delete(OutboxRow).where(
            OutboxRow.subscription_id == subscription_id,
            OutboxRow.item_key.startswith(key_prefix, autoescape=True),
        )
    ).rowcount
    if not session.scalar(select(OutboxRow.id).where(OutboxRow.subscription_id == subscription_id).limit(1)):
        session.execute(delete(Subscription).where(Subscription.id == subscription_id))
    return deleted


@dataclass(frozen=True)
class _Address:
    """A checked channel kind and target, and the hash its hidden subscription is found by."""

    kind: str
    target: str
    hashed: str


def _address(channel: str, target: str) -> _Address:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method; typed as Flask
    kind, normalised = _checked(app, channel, target)
    return _Address(kind, normalised, target_hash(app, f"{DIRECT_TOPIC}:{kind}", normalised))


def _subscription_id(address: _Address) -> int | None:
    """The id of the hidden subscription messages to ``address`` hang off, if it has one yet."""
    hidden = (Subscription.topic == DIRECT_TOPIC, Subscription.target_hash == address.hashed)
    return db_session().scalar(select(Subscription.id).where(*hidden))


def _checked(app: Flask, channel: str, target: str) -> tuple[str, str]:
    """The channel kind and normalised target, or a CivicappsError saying what to configure or fix."""
    settings = notify_settings(app)
    kind = KINDS.get(channel)
    if kind is None:
        raise CivicappsError(f"Unknown notification channel {channel!r}; expected one of {', '.join(KINDS)}.")
    try:
        normalised = kind.normalise(target or "")
    except ChannelError as exc:
        raise CivicappsError(f"Cannot send a {channel} message to that address: {exc}.") from None
    if settings.dev_inbox:  # everything goes to this host's inbox; nothing needs configuring
        return kind.name, normalised
    needs = {"email": "mail_url", "telegram": "telegram_bot_token", "matrix": "matrix_url"}.get(kind.name)
    if needs and getattr(settings, needs) is None:
        raise CivicappsError(f"Cannot send {channel} messages: set [plugins.notify] {needs} in the configuration.")
    url = kind.build(normalised, settings)
    refusal = scheme_refusal(url, settings)
    if refusal:
        raise CivicappsError(f"Cannot send a {channel} message there: {refusal}.")
    if apprise.Apprise.instantiate(url) is None:
        raise CivicappsError(f"Cannot send a {channel} message there: apprise does not accept the address.")
    return kind.name, normalised

