"""Subscriptions' lifecycle: created unconfirmed, confirmed through their own channel, changed, ended, expired.

Nobody can be signed up by someone else: a new subscription receives only its confirmation message
(a link and a code) until that message is answered, and unconfirmed ones are deleted after
``confirm_within_hours``. Creation is rate-limited per client address and per target
(notify.creation_limits). Links in messages are signed tokens (notify.message_links), so unsubscribing and
managing alerts need no account.
"""
from __future__ import annotations

import hmac
from datetime import timedelta

from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from civicapps.clock import utcnow
from civicapps.db import db_session, insert_ignoring_conflicts
from civicapps.i18n import current_language, gettext
from civicapps.notify.channels import ChannelError, enabled_kinds
from civicapps.notify.creation_limits import within_limits
from civicapps.notify.digests import confirmation_code, target_hash
from civicapps.notify.egress import EgressRefused
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
)
from civicapps.notify.outbox import add_rows, row, send_time, wake
from civicapps.notify.settings import notify_settings
from civicapps.notify.topics import offered_topics
from civicapps.notify.validation import (
    RateLimited,
    SubscriptionError,
    SubscriptionRequest,
    check_destination,
    validated_area,
    validated_filters,
)

MAX_CODE_ATTEMPTS = 5


def bump_topic(session: Session, topic: str) -> int:
    """Mark a change to a topic's active subscriptions; returns the new version, for ``Subscription.changed``.

    Workers' cached spatial indexes read the subscriptions changed since the version they hold.
    """
    session.execute(
        insert_ignoring_conflicts(session.get_bind().dialect.name, TopicState).values(topic=topic, version=0)
    )
    bumped = update(TopicState).where(TopicState.topic == topic).values(version=TopicState.version + 1)
    return session.execute(bumped.returning(TopicState.version)).scalar_one()


def create(
    app: Flask, request: SubscriptionRequest, client_ip: str | None, staff_id: str | None = None
) -> Subscription:
    """Validate ``request`` and store it unconfirmed, with its confirmation message queued.

    The subscription keeps the language of the current request (the page or API call it came from):
    its confirmation and every later message are written in it.

    Raises :class:`SubscriptionError` for a field to correct and :class:`RateLimited` when too many
    were made recently. Staff (``staff_id``) may also use raw apprise URLs.
    """
    settings = notify_settings(app)
    topic = offered_topics(app).get(request.topic)  # not a switched-off app's
    if topic is None:
        raise SubscriptionError("topic", gettext("Choose what you want alerts about"))
    kind = enabled_kinds(settings, staff=staff_id is not None).get(request.channel)
    if kind is None:
        raise SubscriptionError("channel", gettext("Choose how you want to get alerts"))
    try:
        target = kind.normalise(request.target or "")
        check_destination(kind, target, settings)
    except ChannelError as exc:
        raise SubscriptionError("target", str(exc)) from None
    except EgressRefused as exc:
        reason = exc.refusal.translated()
        raise SubscriptionError(
            "target",
            gettext("Alerts cannot be sent to that address: %(reason)s. Use a public internet address.", reason=reason),
        ) from None
    area = validated_area(app, request, topic.matcher, settings.max_radius_m, settings.max_polygon_points)
    filters = validated_filters(request, topic.clean_filters)
    if request.frequency not in FREQUENCIES:
        raise SubscriptionError("frequency", gettext("Choose how often you want alerts"))
    hashed = target_hash(app, kind.name, target)
    if staff_id is None and not within_limits(settings, client_ip, hashed):
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
        language=current_language(),
        **area,
    )
    session.add(subscription)
    session.flush()
    add_rows(
        session,
        [row(subscription.id, CONFIRM, CONFIRM, utcnow(), {"topic": request.topic, "topic_title": str(topic.title)})],
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
        raise SubscriptionError("frequency", gettext("Choose how often you want alerts"))
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
