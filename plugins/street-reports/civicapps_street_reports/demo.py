"""Sample data for ``civicapps demo``: a council covering York, its categories (kept for staff here, as
nothing is configured to send), and made-up reports at real York streets (the points of the core's
demo street list, ``civicapps/geo/data/york-streets.csv``), so a search for any of them finds a place
inside the council's area.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from civicapps import db_session
from civicapps_street_reports.models import Area, Body, Category, Report

BODY = "City of York Council (demo)"
AREA = "York"
#: A box around York holding every street of the demo street list: (min lon, min lat, max lon, max lat).
YORK = (-1.15, 53.93, -1.01, 53.99)

# (title, category, details, lat, lon, status, days ago)
SAMPLE: tuple[tuple[str, str, str, float, float, str, int], ...] = (
    (
        "Deep pothole on Clarence Street",
        "Potholes",
        "About 30 cm across, filled with water after rain; cyclists swerve into traffic to avoid it.",
        53.96665,
        -1.08262,
        "open",
        1,
    ),
    (
        "Street light out on Terry Avenue",
        "Street lighting",
        "The lamp by the river path has been dark for a week & the path is very dim there.",
        53.94580,
        -1.08195,
        "open",
        3,
    ),
    (
        "Overflowing bin on Lawrence Street",
        "Litter and bins",
        "The bin by the shop fronts is full and rubbish is blowing down the street.",
        53.95442,
        -1.06380,
        "open",
        0,
    ),
    (
        "Broken paving slab, Scarcroft Lane",
        "Pavements",
        "A cracked slab rocks when stepped on, near the corner. Trip hazard for people with pushchairs.",
        53.95430,
        -1.08900,
        "open",
        6,
    ),
    (
        "Fly-tipped mattress on Leeman Road",
        "Fly-tipping",
        "A double mattress and two bin bags dumped on the verge near the railway bridge.",
        53.96195,
        -1.10510,
        "open",
        2,
    ),
    (
        "Graffiti on Skeldergate Bridge",
        "Graffiti",
        "Spray-painted tags on the parapet facing the river.",
        53.95400,
        -1.08215,
        "open",
        9,
    ),
    (
        "Loose handrail on the Millennium Bridge",
        "Pavements",
        "The handrail on the south ramp moves when leant on.",
        53.94445,
        -1.08130,
        "open",
        4,
    ),
    (
        "Dumped bikes by Scarborough Bridge",
        "Abandoned vehicles",
        "Three rusty bikes locked to the railings for months, blocking the ramp.",
        53.96150,
        -1.09245,
        "open",
        12,
    ),
    (
        "Blocked drain on Heworth Green",
        "Drains and flooding",
        "Surface water pools across the road at the junction after any rain.",
        53.96570,
        -1.07085,
        "fixed",
        30,
    ),
    (
        "Abandoned car on Hull Road",
        "Abandoned vehicles",
        "Silver hatchback with flat tyres, not moved for a month, no tax disc.",
        53.95390,
        -1.02680,
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
        min_lon, min_lat, max_lon, max_lat = YORK
        ring = [[min_lon, min_lat], [max_lon, min_lat], [max_lon, max_lat], [min_lon, max_lat], [min_lon, min_lat]]
        session.add(
            Area(
                body_id=body.id,
                name=AREA,
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
