"""Setting up benchmark data the same way in every notification benchmark."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert
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
