"""Staff pages: each council's applications per week, feed health, subscribers by area; CSV export."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Response, current_app, render_template, request, stream_with_context
from sqlalchemy import func, select

from civicapps import (
    FeedHealth,
    csv_writer,
    db_session,
    feed_health,
    gettext,
    staff_required,
    subscribed_places,
    subscriber_count,
)
from civicapps_planning_alerts.models import DATASET, Application
from civicapps_planning_alerts.serialise import FIELDS
from civicapps_planning_alerts.settings import NAME, current_settings
from civicapps_planning_alerts.web import bp

WEEKS = 8


def councils(now: datetime) -> list[dict[str, Any]]:
    """Per council: applications, on the map, new per week (oldest week first), last new, quiet or not."""
    session = db_session()
    start = now - timedelta(weeks=WEEKS)
    totals = session.execute(
        select(
            Application.authority, func.count(), func.count(Application.latitude), func.max(Application.first_seen_at)
        )
        .group_by(Application.authority)
        .order_by(Application.authority)
    ).all()
    weekly: dict[str, Counter[int]] = defaultdict(Counter)
    recent = select(Application.authority, Application.first_seen_at).where(Application.first_seen_at >= start)
    for authority, seen in session.execute(recent):
        weekly[authority][min(WEEKS - 1, int((seen - start) / timedelta(weeks=1)))] += 1
    quiet = timedelta(days=current_settings().quiet_days)
    return [
        {
            "authority": authority,
            "total": total,
            "located": located,
            "weeks": [weekly[authority][w] for w in range(WEEKS)],
            "last_new": last,
            "quiet": last < now - quiet,
        }
        for authority, total, located, last in totals
    ]


def feeds() -> list[FeedHealth]:
    """The planning feeds' health, by name."""
    return sorted(feed_health(current_app, dataset=DATASET), key=lambda health: health.name)


def subscribers() -> list[tuple[str, int]]:
    """Active alert subscriptions by postcode district (or how the place was chosen), most first."""
    areas: Counter[str] = Counter()
    for where in subscribed_places(f"{NAME}.near"):
        if where.drawn:
            areas[gettext("drawn areas")] += 1
        else:
            areas[where.place.split(" ")[0] if where.place else gettext("points on the map")] += 1
    return areas.most_common()


@bp.get("/staff/")
@staff_required
def staff() -> str:
    now = datetime.now(UTC)
    return render_template(
        "planning_alerts/staff.html",
        title=gettext("Planning feeds and alerts"),
        councils=councils(now),
        feeds=feeds(),
        subscribers=subscribers(),
        followers=subscriber_count(f"{NAME}.follow"),
        quiet_days=current_settings().quiet_days,
        week_starts=[(now - timedelta(weeks=WEEKS - w)).date() for w in range(WEEKS)],
    )


@bp.get("/staff/export.csv")
@staff_required
def export() -> Response:
    """Every application (or one council's, ``?authority=``) as CSV, streamed."""
    authority = request.args.get("authority") or None
    columns = ["id", *FIELDS, "latitude", "longitude"]
    query = select(Application).order_by(Application.authority, Application.reference)
    if authority:
        query = query.where(Application.authority == authority)

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv_writer(buffer)
        writer.writerow(columns)
        for application in db_session().scalars(query.execution_options(yield_per=1000)):
            writer.writerow([_cell(getattr(application, c)) for c in columns])
            if buffer.tell() > 65536:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    name = f"planning-applications-{(authority or 'all').lower().replace(' ', '-')}.csv"
    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _cell(value: Any) -> Any:
    """Dates as ISO text (the writer makes text cells formula-safe)."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
