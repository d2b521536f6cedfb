"""Sample data for ``civicapps demo``: a borough council covering Douglas, Isle of Man, its
categories (kept for staff here, as nothing is configured to send), and made-up reports at real places.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from civicapps import db_session
from civicapps_street_reports.models import Area, Body, Category, Report

BODY = "Douglas Borough Council (demo)"
#: A rough box around Douglas: (min lon, min lat, max lon, max lat).
DOUGLAS = (-4.53, 54.13, -4.44, 54.18)

# (title, category, details, lat, lon, status, days ago)
SAMPLE: tuple[tuple[str, str, str, float, float, str, int], ...] = (
    (
        "Deep pothole outside the Sea Terminal",
        "Potholes",
        "About 30 cm across, filled with water after rain; cyclists swerve into traffic to avoid it.",
        54.1487,
        -4.4786,
        "open",
        1,
    ),
    (
        "Street light out on Loch Promenade",
        "Street lighting",
        "The lamp opposite the Villa Marina has been dark for a week & the promenade is very dim there.",
        54.1556,
        -4.4770,
        "open",
        3,
    ),
    (
        "Overflowing bin on Strand Street",
        "Litter and bins",
        "The bin by the shop fronts is full and rubbish is blowing down the street.",
        54.1508,
        -4.4806,
        "open",
        0,
    ),
    (
        "Broken paving slab, Victoria Street",
        "Pavements",
        "A cracked slab rocks when stepped on, near the bus stop. Trip hazard for people with pushchairs.",
        54.1514,
        -4.4792,
        "open",
        6,
    ),
    (
        "Fly-tipped mattress on Peel Road",
        "Fly-tipping",
        "A double mattress and two bin bags dumped on the verge near the industrial estate.",
        54.1453,
        -4.4963,
        "open",
        2,
    ),
    (
        "Graffiti on the Noble's Park pavilion",
        "Graffiti",
        "Spray-painted tags on the side wall facing the tennis courts.",
        54.1618,
        -4.4889,
        "open",
        9,
    ),
    (
        "Blocked drain on Bucks Road",
        "Drains and flooding",
        "Surface water pools across the road at the junction after any rain.",
        54.1546,
        -4.4858,
        "open",
        4,
    ),
    (
        "Faded zebra crossing on Broadway",
        "Road markings",
        "The stripes are barely visible, especially at night. Children cross here for school.",
        54.1603,
        -4.4801,
        "open",
        12,
    ),
    (
        "Damaged railing at Douglas Head",
        "Pavements",
        "A section of railing on the path up to the lighthouse is bent outwards.",
        54.1444,
        -4.4682,
        "fixed",
        30,
    ),
    (
        "Abandoned car on Ballakermeen Road",
        "Abandoned vehicles",
        "Silver hatchback with flat tyres, not moved for a month, no tax disc.",
        54.1578,
        -4.4921,
        "closed",
        45,
    ),
)


def _body() -> Body:
    """The demo council with its area and one category per sample category (matched by name)."""
    session = db_session()
    body = session.scalar(select(Body).where(Body.name == BODY))
    if body is None:
        body = Body(name=BODY)
        session.add(body)
        session.flush()
        min_lon, min_lat, max_lon, max_lat = DOUGLAS
        ring = [[min_lon, min_lat], [max_lon, min_lat], [max_lon, max_lat], [min_lon, max_lat], [min_lon, min_lat]]
        session.add(
            Area(
                body_id=body.id,
                name="Douglas",
                geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}),
                min_lon=min_lon,
                min_lat=min_lat,
                max_lon=max_lon,
                max_lat=max_lat,
                source="demo",
            )
        )
    have = set(session.scalars(select(Category.name).where(Category.body_id == body.id)))
    for name in sorted({category for _, category, *_ in SAMPLE} - have):
        code = "".join(ch if ch.isalnum() else "_" for ch in name.upper())
        session.add(
            Category(
                body_id=body.id,
                name=name,
                service_code=code,
                send_method="none",
                anonymous_allowed=name == "Fly-tipping",
            )
        )
    session.flush()
    return body


def load_sample() -> None:
    """Add the demo body and the sample reports not already stored (matched by title)."""
    session = db_session()
    _body()
    stored = set(session.scalars(select(Report.title)))
    now = datetime.now(UTC)
    for title, category, details, lat, lon, status, days_ago in SAMPLE:
        if title in stored:
            continue
        created = now - timedelta(days=days_ago)
        session.add(
            Report(
                title=title,
                category=category,
                details=details,
                lat=lat,
                lon=lon,
                status=status,
                created_at=created,
                confirmed_at=created,
                updated_at=created,
                closed_at=created + timedelta(days=7) if status in ("fixed", "closed") else None,
                token=secrets.token_urlsafe(12),
            )
        )
    session.commit()
