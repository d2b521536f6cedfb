"""Setting up benchmark data the same way in every notification benchmark."""
from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from civicapps.notify.models import Subscription
from civicapps.notify.subscriptions import bump_topic


def add_active_subscriptions(
    session: Session,
    topic: str,
    targets: Sequence[str],
    lon: Sequence[float],
    lat: Sequence[float],
    radius: Sequence[float],
) -> None:
    """Confirmed instant subscriptions, written in bulk (no confirmation messages); commits."""
    rows = [
        {
            "topic": topic,
            "channel": "webhook",
            "target": target,
            "target_hash": str(n),
            "lon": float(x),
            "lat": float(y),
            "radius_m": float(r),
            "frequency": "instant",
            "status": "active",
            "confirm_attempts": 0,
            "changed": 0,
        }
        for n, (target, x, y, r) in enumerate(zip(targets, lon, lat, radius, strict=True))
    ]
    session.execute(insert(Subscription), rows)
    bump_topic(session, topic)
    session.commit()


def add_key_subscriptions(session: Session, topic: str, targets: Sequence[str], keys: Sequence[str]) -> None:
    """Confirmed instant subscriptions to items by key (e.g. an address's UPRN), in bulk; commits."""
    rows = [
        {
            "topic": topic,
            "channel": "webhook",
            "target": target,
            "target_hash": str(n),
            "key": key,
            "frequency": "instant",
            "status": "active",
            "confirm_attempts": 0,
            "changed": 0,
        }
        for n, (target, key) in enumerate(zip(targets, keys, strict=True))
    ]
    session.execute(insert(Subscription), rows)
    bump_topic(session, topic)
    session.commit()


@contextmanager
def scratch_database(url: str, prefix: str) -> Iterator[str]:
    """A new empty database on the PostgreSQL server at ``url``, dropped afterwards; its URL."""
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
