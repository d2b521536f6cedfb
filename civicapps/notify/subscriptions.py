"""Subscriptions: created unconfirmed, confirmed through their own channel, changed, ended, expired.

Nobody can be signed up by someone else: a new subscription receives only its confirmation message
(a link and a code) until that message is answered, and unconfirmed ones are deleted after
``confirm_within_hours``. Creation is rate-limited per client address and per target. Links in
messages are signed tokens, so unsubscribing and managing alerts need no account.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import apprise
from flask import Flask
from itsdangerous import BadSignature, Signer, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from civicapps.db import db_session, insert_ignoring_conflicts
from civicapps.geo.geocoding import geocode, postcode_in, postcode_service
from civicapps.geo.postcodes import Location, normalise_postcode
from civicapps.geo.spatial import parse_area
from civicapps.limits import RateLimit
from civicapps.notify.channels import ChannelError, ChannelKind, destination, enabled_kinds, scheme_refusal
from civicapps.notify.egress import EgressPolicy, EgressRefused
from civicapps.notify.models import (
    ACTIVE,
    CANCELLED,
    CONFIRM,
    ENDED,
    FREQUENCIES,
    PENDING,
    QUEUED,
    OutboxRow,
    Subscription,
    TopicState,
    utcnow,
)
from civicapps.notify.outbox import add_rows, row, send_time, wake
from civicapps.notify.settings import NotifySettings, notify_settings
from civicapps.notify.topics import topics_of

DEV_BASE_URL = "http://127.0.0.1:5000"  # where `civicapps serve` listens when base_url is not set
MAX_CODE_ATTEMPTS = 5


class SubscriptionError(ValueError):
    """A field the resident must correct; ``field`` names it, the message says how."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class RateLimited(Exception):
    """Too many new subscriptions from one address or to one target."""


@dataclass
class SubscriptionRequest:
    """What a resident asked for, from the web form or the JSON API, before validation."""

    topic: str
    channel: str
    target: str
    frequency: str = "instant"
    lat: float | None = None
    lon: float | None = None
    radius_m: float | None = None
    area: Any = None  # a GeoJSON Polygon, instead of lat/lon/radius
    key: str | None = None
    place: str | None = None  # a postcode (or an address a plugin's geocoder knows), instead of lat/lon
    filters: Mapping[str, Any] | None = None  # the topic's own filters, checked by Topic.clean_filters


def _digest(app: Flask, text: str) -> str:
    return hmac.new(app.secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()  # type: ignore[union-attr]


def target_hash(app: Flask, channel: str, target: str) -> str:
    """A keyed hash of a target: for rate limits and "manage my alerts", without storing it twice."""
    return _digest(app, f"target:{channel}:{target.lower()}")


def confirmation_code(app: Flask, subscription: Subscription) -> str:
    """The six-digit code sent with the confirmation link; derived, so it is never stored."""
    return f"{int(_digest(app, f'code:{subscription.id}:{subscription.target_hash}'), 16) % 1_000_000:06d}"


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":")).encode  # what itsdangerous writes, one encoder for all


class _LinkSigner(TimestampSigner):
    """Derives its key once: itsdangerous derives it again (one more HMAC) for every signature."""

    @cached_property
    def _key(self) -> bytes:
        return super().derive_key()

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        return self._key if secret_key is None else super().derive_key(secret_key)


class _LinkSerializer(URLSafeTimedSerializer):
    """itsdangerous' tokens, made with less work per message (each signs two links): one signer kept,
    JSON written by one encoder, and no zlib attempt (the values are a number or a hash, which
    compress by a few bytes at best, and setting up a compressor took twice as long as signing).
    Tokens read the same either way: a compressed one is marked by a leading dot."""

    default_signer = _LinkSigner

    @cached_property
    def _signer(self) -> Signer:
        return super().make_signer()

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        return self._signer if salt is None else super().make_signer(salt)

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(_COMPACT_JSON(obj))


def _serializer(app: Flask, purpose: str) -> URLSafeTimedSerializer:
    """One serializer per purpose and app: every message signs two links, and making a serializer
    (its key derivation set up anew) cost as much as signing with it."""
    made: dict[str, URLSafeTimedSerializer] = app.extensions.setdefault("civicapps_notify_serializers", {})
    if purpose not in made:
        made[purpose] = _LinkSerializer(app.secret_key, salt=f"civicapps.notify.{purpose}")  # type: ignore[arg-type]
    return made[purpose]


def make_token(app: Flask, purpose: str, value: Any) -> str:
    return _serializer(app, purpose).dumps(value)


def read_token(app: Flask, purpose: str, token: str, max_age: float | None = None) -> Any:
    """The value signed into ``token`` for ``purpose``, or None if it is forged, mangled or too old."""
    try:
        return _serializer(app, purpose).loads(token, max_age=max_age)
    except BadSignature:
        return None


def confirm_max_age(app: Flask) -> float:
    return notify_settings(app).confirm_within_hours * 3600


def external_url(app: Flask, endpoint: str, **values: Any) -> str:
    """An absolute link for messages sent outside any request, from ``base_url``."""
    adapter = app.extensions.get("civicapps_url_adapter")
    if adapter is None:
        base = urlsplit(app.extensions["civicapps"].settings.base_url or DEV_BASE_URL)
        adapter = app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
        app.extensions["civicapps_url_adapter"] = adapter
    return adapter.build(endpoint, values, force_external=True)


def links(app: Flask, subscription: Subscription, confirm: bool = False) -> dict[str, str]:
    """The links a message to ``subscription`` carries (every one: unsubscribe and manage)."""
    result = {
        "unsubscribe_url": external_url(
            app, "notify.unsubscribe", token=make_token(app, "unsubscribe", subscription.id)
        ),
        "manage_url": external_url(app, "notify.manage", token=make_token(app, "manage", subscription.target_hash)),
    }
    if confirm:
        result["confirm_url"] = external_url(
            app, "notify.confirm_link", token=make_token(app, "confirm", subscription.id)
        )
    return result


def describe_area(subscription: Subscription, app: Flask | None = None) -> str:
    """The subscription's place (and, given the app, its topic's filters) in words for pages and messages."""
    if subscription.radius_m is not None:
        where = subscription.place or f"{subscription.lat:.5f}, {subscription.lon:.5f}"
        text = f"within {subscription.radius_m:g} m of {where}"
    elif subscription.polygon is not None:
        text = "in the area you drew"
    else:
        key = subscription.key or ""
        text = f"about {item_label(app, subscription.topic, key) if app is not None else key}"
    topic = topics_of(app).get(subscription.topic) if app is not None else None
    if subscription.filters and topic is not None and topic.describe_filters is not None:
        text += f" ({topic.describe_filters(json.loads(subscription.filters))})"
    return text


def item_label(app: Flask, topic_name: str, key: str) -> str:
    """What a key subscription follows, in words (the topic's ``label``), or the key when it has none.

    A followed item that has since gone (withdrawn, hidden) is "an item no longer published" rather
    than its id.
    """
    topic = topics_of(app).get(topic_name)
    if topic is None or topic.label is None:
        return key
    return topic.label(app, key) or "an item that is no longer published"


PLACE_PROBLEMS = {
    "unknown": "We could not find the postcode {pc}. Check it and try again",
    "no_coordinates": "{pc} is a real postcode but has no map position (Isle of Man, Channel Islands and some new"
    " postcodes); choose the place on the map instead",
    "error": "We could not look up postcodes just now. Try again in a few minutes, or choose the place on the map",
}


def locate_place(app: Flask, query: str, field: str = "place") -> tuple[Location, str]:
    """Where a postcode (or an address a plugin's ``geocode`` knows) is, and its tidy spelling.

    Raises :class:`SubscriptionError` for ``field`` saying why, in words a resident can act on.
    """
    text = " ".join((query or "").split())
    if not text:
        raise SubscriptionError(field, "Enter a postcode")
    if len(text) > 200:
        raise SubscriptionError(field, "Enter a postcode, or an address of at most 200 characters")
    location = geocode(app, text)
    if location is not None:
        return location, normalise_postcode(text) or text
    postcode = postcode_in(text)
    if postcode is None:
        raise SubscriptionError(field, "Enter a full UK postcode, like SW1A 1AA")
    status = postcode_service(app).lookup([postcode])[postcode].status
    raise SubscriptionError(field, PLACE_PROBLEMS.get(status, PLACE_PROBLEMS["unknown"]).format(pc=postcode))


def bump_topic(session: Session, topic: str) -> int:
    """Mark a change to a topic's active subscriptions; returns the new version, for ``Subscription.changed``.

    Workers' cached spatial indexes read the subscriptions changed since the version they hold.
    """
    session.execute(
        insert_ignoring_conflicts(session.get_bind().dialect.name, TopicState).values(topic=topic, version=0)
    )
    bumped = update(TopicState).where(TopicState.topic == topic).values(version=TopicState.version + 1)
    return session.execute(bumped.returning(TopicState.version)).scalar_one()


def _validated_area(
    app: Flask, request: SubscriptionRequest, matcher: str, max_radius: int, max_points: int
) -> dict[str, Any]:
    if matcher == "key":
        key = (request.key or "").strip()
        if not key or len(key) > 200:
            raise SubscriptionError("key", "Say which item you want alerts about")
        topic = topics_of(app)[request.topic]
        if topic.label is not None and topic.label(app, key) is None:
            raise SubscriptionError("key", "We could not find that item. Open its page and choose to follow it there")
        return {"key": key}
    if request.area is not None:
        try:
            return {"polygon": parse_area(request.area, max_points)}
        except ValueError as exc:
            raise SubscriptionError("area", str(exc)) from None
    place = None
    if request.lat is None and request.lon is None and (request.place or "").strip():
        location, place = locate_place(app, request.place or "")
        request.lat, request.lon = location.latitude, location.longitude
    for name, value, low, high in (("lat", request.lat, -90, 90), ("lon", request.lon, -180, 180)):
        if value is None or not math.isfinite(value) or not low <= value <= high:
            raise SubscriptionError(
                name, f"Enter a {'latitude' if name == 'lat' else 'longitude'} between {low} and {high}"
            )
    if request.radius_m is None or not math.isfinite(request.radius_m) or not 10 <= request.radius_m <= max_radius:
        raise SubscriptionError("radius_m", f"Choose a distance between 10 and {max_radius} metres")
    return {"lat": request.lat, "lon": request.lon, "radius_m": float(request.radius_m), "place": place}


def _validated_filters(request: SubscriptionRequest, clean: Any) -> str | None:
    """The topic's cleaned filters as stored JSON; None when there are none (or the topic has none)."""
    if not request.filters:
        return None
    if clean is None:
        raise SubscriptionError("filters", "These alerts cannot be filtered")
    try:
        cleaned = clean(request.filters)
    except ValueError as exc:
        raise SubscriptionError("filters", str(exc)) from None
    return json.dumps(cleaned, sort_keys=True) if cleaned else None


def _within_limits(settings: NotifySettings, client_ip: str | None, hashed_target: str) -> bool:
    """Count a new subscription against its client address and its target; False (nothing counted)
    when either has had too many lately. Counted across every web process (civicapps.limits)."""
    per_target = RateLimit("notify.subscription-target", settings.subscriptions_per_target_per_day, timedelta(days=1))
    if not client_ip:
        return per_target.hit(hashed_target)
    per_address = RateLimit("notify.subscription-address", settings.subscriptions_per_ip_per_hour, timedelta(hours=1))
    if not per_address.hit(client_ip):
        return False
    if not per_target.hit(hashed_target):
        per_address.undo(client_ip)
        return False
    return True


def create(
    app: Flask, request: SubscriptionRequest, client_ip: str | None, staff_id: str | None = None
) -> Subscription:
    """Validate ``request`` and store it unconfirmed, with its confirmation message queued.

    Raises :class:`SubscriptionError` for a field to correct and :class:`RateLimited` when too many
    were made recently. Staff (``staff_id``) may also use raw apprise URLs.
    """
    settings = notify_settings(app)
    topic = topics_of(app).get(request.topic)
    if topic is None:
        raise SubscriptionError("topic", "Choose what you want alerts about")
    kind = enabled_kinds(settings, staff=staff_id is not None).get(request.channel)
    if kind is None:
        raise SubscriptionError("channel", "Choose how you want to get alerts")
    try:
        target = kind.normalise(request.target or "")
        _check_destination(kind, target, settings)
    except ChannelError as exc:
        raise SubscriptionError("target", str(exc)) from None
    except EgressRefused as exc:
        raise SubscriptionError(
            "target",
            f"Alerts cannot be sent to that address: {str(exc).removeprefix('destination ')}. "
            "Use a public internet address.",
        ) from None
    area = _validated_area(app, request, topic.matcher, settings.max_radius_m, settings.max_polygon_points)
    filters = _validated_filters(request, topic.clean_filters)
    if request.frequency not in FREQUENCIES:
        raise SubscriptionError("frequency", "Choose how often you want alerts")
    hashed = target_hash(app, kind.name, target)
    if staff_id is None and not _within_limits(settings, client_ip, hashed):
        raise RateLimited()
    session = db_session(write=True)
    subscription = Subscription(
        topic=request.topic,
        channel=kind.name,
        target=target,
        target_hash=hashed,
        frequency=request.frequency,
        status=PENDING,
        confirm_attempts=0,
        changed=0,
        created_by=staff_id,
        filters=filters,
        **area,
    )
    session.add(subscription)
    session.flush()
    add_rows(
        session,
        [row(subscription.id, CONFIRM, CONFIRM, utcnow(), {"topic": request.topic, "topic_title": topic.title})],
    )
    session.commit()
    wake(app, 1)
    return subscription


def confirm(subscription: Subscription) -> bool:
    """Activate a pending subscription; False if it was not pending (already confirmed, or ended)."""
    if subscription.status != PENDING:
        return False
    session = db_session(write=True)
    subscription.status, subscription.confirmed_at = ACTIVE, utcnow()
    subscription.changed = bump_topic(session, subscription.topic)
    session.commit()
    return True


def confirm_with_code(app: Flask, subscription: Subscription, code: str) -> bool:
    """Confirm by the code from the message; after too many wrong codes the subscription ends.

    Each try is counted before its code is compared, by one conditional UPDATE: requests racing
    through guesses on several web processes can compare no more than MAX_CODE_ATTEMPTS between them.
    """
    if subscription.status != PENDING:
        return False
    session = db_session(write=True)
    table = Subscription.__table__
    tries = session.execute(
        table.update()
        .where(table.c.id == subscription.id, table.c.status == PENDING, table.c.confirm_attempts < MAX_CODE_ATTEMPTS)
        .values(confirm_attempts=table.c.confirm_attempts + 1)
        .returning(table.c.confirm_attempts)
    ).scalar()
    session.commit()
    if tries is None:  # the tries are used up (perhaps by racing requests), or it is no longer pending
        session.refresh(subscription)
        if subscription.status == PENDING:
            end(subscription)
        return False
    if hmac.compare_digest(code.strip(), confirmation_code(app, subscription)):
        return confirm(subscription)
    if tries >= MAX_CODE_ATTEMPTS:
        end(subscription)
    return False


def end(subscription: Subscription) -> None:
    """Unsubscribe: nothing more is sent, including rows already queued."""
    if subscription.status == ENDED:
        return
    session = db_session(write=True)
    if subscription.status == ACTIVE:
        subscription.changed = bump_topic(session, subscription.topic)
    subscription.status, subscription.ended_at = ENDED, utcnow()
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.subscription_id == subscription.id, OutboxRow.status == QUEUED)
        .values(status=CANCELLED)
    )
    session.commit()


def set_frequency(app: Flask, subscription: Subscription, frequency: str) -> None:
    """Switch between instant, daily and weekly; alerts already waiting move to the new schedule."""
    if frequency not in FREQUENCIES:
        raise SubscriptionError("frequency", "Choose how often you want alerts")
    session = db_session(write=True)
    subscription.frequency = frequency
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.subscription_id == subscription.id, OutboxRow.status == QUEUED, OutboxRow.kind != CONFIRM)
        .values(next_attempt_at=send_time(frequency, notify_settings(app), utcnow()))
    )
    if subscription.status == ACTIVE:
        subscription.changed = bump_topic(session, subscription.topic)
    session.commit()


def of_target(hashed: str) -> list[Subscription]:
    """Everything one target is subscribed to, for its "manage my alerts" page."""
    query = (
        select(Subscription)
        .where(Subscription.target_hash == hashed, Subscription.status != ENDED)
        .order_by(Subscription.id)
    )
    return list(db_session().scalars(query))


def expire_unconfirmed(app: Flask) -> int:
    """Delete subscriptions never confirmed in time (their messages go with them); the ``expire`` job."""
    cutoff = utcnow() - timedelta(hours=notify_settings(app).confirm_within_hours)
    session = db_session()
    result = session.execute(
        delete(Subscription).where(Subscription.status == PENDING, Subscription.created_at < cutoff)
    )
    session.commit()
    return result.rowcount


def _check_destination(kind: ChannelKind, target: str, settings: NotifySettings) -> None:
    """The target's apprise URL is allowed and reaches a public host (or an allowed one).

    In the dev inbox every message goes to this host instead, so email works there with no mail relay
    configured: only the address's spelling is checked.
    """
    if settings.dev_inbox and kind.name == "email" and settings.mail_url is None:
        return
    url = kind.build(target, settings)
    refusal = scheme_refusal(url, settings)
    if refusal:
        raise ChannelError(
            "Enter a web address starting with https://" if kind.name == "webhook" else f"This cannot be used: {refusal}"
        )
    if apprise.Apprise.instantiate(url) is None:
        raise ChannelError("This is not a notification address we can use; check it and try again")
    chosen = destination(kind, target, url)
    if chosen:
        EgressPolicy(settings.egress_allow).check(*chosen)
