"""Finding applications: near a point, inside a box or drawn area, by council, since a time; paged.

Every search is newest first (received date, then when we first saw it). A radius search narrows
the rows in SQL with a bounding box and keeps those whose geodesic distance (WGS84 ellipsoid) is
within the radius, so the distance residents see is the distance that decided the match.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import shapely
from sqlalchemy import Select, func, select

from civicapps import db_session, distances_m
from civicapps_planning_alerts.models import Application

METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Search:
    """What a resident, the API or the CLI asked for; every part is optional."""

    lat: float | None = None
    lon: float | None = None
    radius_m: float | None = None
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat
    area: shapely.Geometry | None = None  # a drawn polygon, WGS84
    authority: str | None = None
    since: datetime | None = None  # first seen at or after

    @property
    def around_point(self) -> bool:
        return self.lat is not None and self.lon is not None and self.radius_m is not None


@dataclass
class Found:
    application: Application
    distance_m: float | None = None


@dataclass
class Page:
    items: list[Found]
    total: int
    page: int
    per_page: int
    search: Search = field(default_factory=Search)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def box_around(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lon/lat box that surely contains the circle (a little generous: distances decide)."""
    dlat = radius_m / METRES_PER_DEGREE * 1.01
    dlon = dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-6)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def _query(search: Search) -> Select:
    query = select(Application)
    box = search.bbox
    if search.around_point:
        box = box_around(search.lat, search.lon, search.radius_m)  # type: ignore[arg-type]  # around_point: all three set
    elif search.area is not None:
        box = tuple(search.area.bounds)
    if box is not None:
        min_lon, min_lat, max_lon, max_lat = box
        query = query.where(
            Application.latitude.between(min_lat, max_lat), Application.longitude.between(min_lon, max_lon)
        )
    if search.authority:
        query = query.where(func.lower(Application.authority) == search.authority.lower())
    if search.since is not None:
        query = query.where(Application.first_seen_at >= search.since)
    return query.order_by(
        Application.date_received.desc().nulls_last(), Application.first_seen_at.desc(), Application.id.desc()
    )


def run(search: Search, page: int = 1, per_page: int = 50, *, nearest_first: bool = False) -> Page:
    """One page of what ``search`` finds, with distances when it is around a point (nearest first if asked)."""
    session = db_session()
    query = _query(search)
    start = (page - 1) * per_page
    if not search.around_point and search.area is None:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        items = [Found(a) for a in session.scalars(query.offset(start).limit(per_page))]
        return Page(items, total, page, per_page, search)
    candidates = list(session.scalars(query))
    if search.area is not None:
        inside = shapely.contains_xy(search.area, [a.longitude for a in candidates], [a.latitude for a in candidates])
        found = [Found(a) for a, keep in zip(candidates, inside, strict=True) if keep]
    else:
        found = within(candidates, search.lat, search.lon, search.radius_m)  # type: ignore[arg-type]  # around_point: all three set
        if nearest_first:
            found.sort(key=lambda f: f.distance_m)  # stable: equally near stay newest first
    return Page(found[start : start + per_page], len(found), page, per_page, search)


def within(applications: Sequence[Application], lat: float, lon: float, radius_m: float) -> list[Found]:
    """The located ``applications`` within ``radius_m`` of (lat, lon), in their given order, with distances."""
    located = [a for a in applications if a.latitude is not None and a.longitude is not None]
    distances = distances_m(lon, lat, [(a.longitude, a.latitude) for a in located])  # type: ignore[misc]  # located: both coordinates set
    return [Found(a, d) for a, d in zip(located, distances, strict=True) if d <= radius_m]


def application_types() -> list[str]:
    """Every application type seen so far, for the filter choices."""
    query = select(Application.application_type).where(Application.application_type.is_not(None)).distinct()
    return sorted(db_session().scalars(query))


def authorities() -> list[str]:
    return sorted(db_session().scalars(select(Application.authority).distinct()))
