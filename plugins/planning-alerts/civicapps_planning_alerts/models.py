"""Stored planning applications and the idempotent upsert every source goes through.

Councils re-publish the same application in several weekly lists, so storing is an upsert on
(authority, reference): a repeat changes nothing, a changed row updates the stored one and its
``last_changed_at``, and ``first_seen_at`` never moves (it is what "new" alerts will key on).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Date, DateTime, Float, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from civicapps import Model, db_session

EARTH_RADIUS_M = 6_371_008.8


class Application(Model):
    """One planning application as the council published it; free-text fields are kept raw."""

    __tablename__ = "planning_alerts_application"
    __table_args__ = (
        UniqueConstraint("authority", "reference", name="uq_planning_alerts_application_authority_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authority: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    received_date: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(50))
    info_url: Mapped[str | None] = mapped_column(String(2000))
    lat: Mapped[float | None] = mapped_column(Float)  # explicit: SQLAlchemy 2.0 and 2.1 map float differently
    lon: Mapped[float | None] = mapped_column(Float)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class ApplicationRecord:
    """An application as read from a source, checked before it can be stored."""

    authority: str
    reference: str
    description: str
    received_date: date | None = None
    address: str | None = None
    postcode: str | None = None
    status: str = "received"
    info_url: str | None = None
    lat: float | None = None
    lon: float | None = None

    def __post_init__(self) -> None:
        if not self.authority.strip() or not self.reference.strip():
            raise ValueError("an application needs an authority and a reference")
        # The URL becomes a link on a public page: anything but http(s) could run script there.
        if self.info_url is not None and not self.info_url.startswith(("https://", "http://")):
            raise ValueError(f"application {self.reference}: info_url must be an http(s) URL, not {self.info_url!r}")
        if (self.lat is None) != (self.lon is None):
            raise ValueError(f"application {self.reference}: give both lat and lon, or neither")
        if self.lat is not None and self.lon is not None and not is_lat_lon(self.lat, self.lon):
            raise ValueError(f"application {self.reference}: ({self.lat}, {self.lon}) is not a WGS84 lat/lon")


@dataclass
class UpsertCounts:
    created: int = 0
    changed: int = 0
    unchanged: int = 0


def upsert_applications(records: Iterable[ApplicationRecord]) -> UpsertCounts:
    """Store ``records``, matching on (authority, reference); commits once at the end."""
    session = db_session()
    counts = UpsertCounts()
    now = datetime.now(UTC)
    for record in records:
        fields = asdict(record)
        key = (Application.authority == record.authority, Application.reference == record.reference)
        stored = session.scalar(select(Application).where(*key))
        if stored is None:
            session.add(Application(**fields, first_seen_at=now, last_changed_at=now))
            counts.created += 1
        elif any(getattr(stored, key) != value for key, value in fields.items()):
            for key, value in fields.items():
                setattr(stored, key, value)
            stored.last_changed_at = now
            counts.changed += 1
        else:
            counts.unchanged += 1
    session.commit()
    return counts


def newest(limit: int) -> Sequence[Application]:
    """The most recently received applications, newest first."""
    query = select(Application).order_by(Application.received_date.desc().nulls_last(), Application.id.desc())
    return db_session().scalars(query.limit(limit)).all()


def within_radius(lat: float, lon: float, radius_m: int, limit: int) -> list[Application]:
    """Located applications within ``radius_m`` metres of a point, newest first.

    A bounding box narrows the rows in SQL; the great-circle distance decides. Applications without
    coordinates (not yet geocoded) are never near anything.
    """
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-9)
    query = (
        select(Application)
        .where(Application.lat.between(lat - dlat, lat + dlat), Application.lon.between(lon - dlon, lon + dlon))
        .order_by(Application.received_date.desc().nulls_last(), Application.id.desc())
    )
    found = [a for a in db_session().scalars(query) if distance_m(lat, lon, a.lat, a.lon) <= radius_m]  # type: ignore[arg-type]
    return found[:limit]


def is_lat_lon(lat: float, lon: float) -> bool:
    """Whether the pair is a WGS84 latitude and longitude in degrees."""
    return -90 <= lat <= 90 and -180 <= lon <= 180


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres on the mean Earth sphere."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
