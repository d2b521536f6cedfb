"""How many people follow a topic, and where: for staff pages, without handing plugins the model."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from civicapps.db import db_session
from civicapps.notify.models import ACTIVE, Subscription


@dataclass(frozen=True)
class SubscribedPlace:
    """Where one active subscription looks: the postcode or address it was set up with (None for a
    point chosen on the map or an area), and whether it is an area drawn on the map."""

    place: str | None
    drawn: bool


def subscriber_count(topic: str) -> int:
    """Active (confirmed, not ended) subscriptions to ``topic`` (``"<plugin>.<topic>"``)."""
    active = (Subscription.topic == topic, Subscription.status == ACTIVE)
    return db_session().scalar(select(func.count()).select_from(Subscription).where(*active)) or 0


def subscribed_places(topic: str) -> list[SubscribedPlace]:
    """Where each active subscription to ``topic`` looks, to count subscribers by area.

    Targets (addresses, chat ids) are never included: they are secrets.
    """
    query = select(Subscription.place, Subscription.polygon.is_not(None)).where(
        Subscription.topic == topic, Subscription.status == ACTIVE
    )
    return [SubscribedPlace(place, bool(drawn)) for place, drawn in db_session().execute(query)]


def subscribed_keys(topic: str) -> dict[str, int]:
    """How many active subscriptions follow each key of a ``"key"`` topic (an application's reference,
    an address's UPRN), to count subscribers by what they follow; keys nobody follows are left out.

    Targets are never included.
    """
    query = (
        select(Subscription.key, func.count())
        .where(Subscription.topic == topic, Subscription.status == ACTIVE, Subscription.key.is_not(None))
        .group_by(Subscription.key)
    )
    return {key: count for key, count in db_session().execute(query)}
