"""What the public map shows: at most a screenful of pins, the rest counted into grid clusters.

A map answer costs what the screen holds, not what the database holds. When a view's box holds at
most :data:`MAX_PINS` reports they come back as pins; when it holds more, the database counts them
into a square grid of :data:`CELL_PIXELS`-pixel cells for the map's zoom (a ``GROUP BY`` of the
quantised longitude and latitude, answered from the map's covering index) and each cell comes back
as one point at its reports' mean position with their ``count`` and extent (``bbox``), or as the pin
itself when it holds one report. Zooming in on a cluster asks again with smaller cells.

Why a fixed grid and not supercluster's greedy merge within a radius: a grid is one ``GROUP BY`` in
SQLite or PostgreSQL with nothing loaded into Python, its cells do not move when the map pans, and
an answer depends only on the zoom, the tile-aligned box and the filters, so it can be cached and
shared by every visitor (the way vector-tile servers cache per zoom and tile). FixMyStreet shows
every pin of its ``around`` box and limits only the list beside it (``on_map_list_limit``) and the
pins' age (six months by default): fine for a street, not for a town of 200,000 reports.

Answers are cached per process per (map version, zoom, tile-aligned box, filters); the version
(:mod:`.changes`) moves on every change to a shown report, in whichever process made it, so a
new report is on the next map load. Each answer has an ETag and Last-Modified for 304s.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, cast, func, literal_column, select
from sqlalchemy.orm import Session

from civicapps import utcnow
from civicapps_street_reports import answer_cache, changes, states
from civicapps_street_reports.georeport import w3c
from civicapps_street_reports.models import Report

#: reports in a view shown one by one; more are counted into clusters
MAX_PINS = 300
#: the side of a grid cell on the screen: four cells across a 256-pixel tile
CELL_PIXELS = 64
TILE_PIXELS = 256
MAX_ZOOM = 20
#: map answers kept per process (each a few kB to at most a screenful of pins)
CACHE_SIZE = 1024
#: the ages a resident can filter by, in days (a fixed set keeps the cache's keys few)
AGES = (7, 30, 90, 365)
STATUS_FILTERS = {
    "open": states.OPEN_STATES,
    "fixed": ("fixed",),
    "closed": states.CLOSED_STATES,
    "all": states.PUBLIC_STATES,
}

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Filters:
    """The filters the map and the list share: a status group, one category, a maximum age in days."""

    status: str = "open"
    category: str | None = None
    age: int | None = None

    def since(self) -> datetime | None:
        """The oldest creation time shown: whole days back from today's midnight (UTC), so that an
        answer stays the same (and cacheable) all day."""
        if self.age is None:
            return None
        today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
        return today - timedelta(days=self.age)

    def apply(self, query: Select[Any], *, newest_first: bool = False) -> Select[Any]:
        """``query`` narrowed to public reports matching these filters.

        ``newest_first`` (the list): the state test is written so that no planner can use it to
        pick the map's index, whose rows for several states would all be read and sorted; SQLite and
        PostgreSQL then walk a creation-time index newest first and stop at the page's end.
        """
        status = Report.status + "" if newest_first else Report.status
        query = query.where(
            status.in_(STATUS_FILTERS[self.status]), Report.hidden.is_(False), Report.private.is_(False)
        )
        if self.category:
            query = query.where(Report.category == self.category)
        since = self.since()
        if since is not None:
            query = query.where(Report.created_at >= since)
        return query


def parse_filters(args: Any) -> Filters:
    """Filters from a request's query string; ValueError with a message a person can act on."""
    status = args.get("status") or "open"
    if status not in STATUS_FILTERS:
        raise ValueError(f"status must be one of {', '.join(STATUS_FILTERS)}")
    age_text = args.get("age") or ""
    if age_text and age_text not in {str(days) for days in AGES}:
        raise ValueError(f"age must be one of {', '.join(map(str, AGES))} (days)")
    return Filters(status=status, category=args.get("category") or None, age=int(age_text) if age_text else None)


@dataclass(frozen=True)
class Answer:
    """A map answer ready to send: the GeoJSON bytes, its ETag and when the map last changed."""

    body: bytes
    etag: str
    last_modified: datetime | None


def zoom_for(box: Box) -> int:
    """The zoom at which ``box`` is about four tiles (a screen) wide: for clients that do not say."""
    span = max(box[2] - box[0], 1e-9)
    return max(0, min(MAX_ZOOM, int(math.log2(4 * 360 / span))))


def snap(box: Box, zoom: int) -> Box:
    """``box`` widened to whole tiles of ``zoom`` (in degrees), so nearby views share an answer."""
    tile = 360 / 2**zoom
    return (
        max(-180.0, math.floor(box[0] / tile) * tile),
        max(-90.0, math.floor(box[1] / tile) * tile),
        min(180.0, math.ceil(box[2] / tile) * tile),
        min(90.0, math.ceil(box[3] / tile) * tile),
    )


def answer(session: Session, filters: Filters, box: Box | None, zoom: int | None, url_prefix: str) -> Answer:
    """The map's GeoJSON for ``box`` (whole tiles around it) at ``zoom``, from the cache when the map
    has not changed since it was made. Without a box: every matching report's extent."""
    cache = answer_cache.for_view("map", CACHE_SIZE)
    key = (changes.MAP.token(session), filters, filters.since(), box, zoom, url_prefix)
    found = cache.get(key)
    if found is not None:
        return found
    version, changed_at = changes.MAP.current(session)
    if box is None:
        box = _extent(session, filters)
    if zoom is None:
        zoom = zoom_for(box)
    snapped = snap(box, zoom)
    document = _features(session, filters, snapped, zoom, url_prefix)
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    etag = hashlib.blake2b(repr((version, changed_at, body)).encode(), digest_size=12).hexdigest()
    made = Answer(body=body, etag=etag, last_modified=changed_at)
    cache.put(key, made)
    return made


def _extent(session: Session, filters: Filters) -> Box:
    row = session.execute(
        filters.apply(select(func.min(Report.lon), func.min(Report.lat), func.max(Report.lon), func.max(Report.lat)))
    ).one()
    return (row[0], row[1], row[2], row[3]) if row[0] is not None else (-180.0, -90.0, 180.0, 90.0)


def _in_box(query: Select[Any], filters: Filters, box: Box) -> Select[Any]:
    return filters.apply(query).where(Report.lon.between(box[0], box[2]), Report.lat.between(box[1], box[3]))


def _cell(session: Session, column: Any, origin: float, size: float) -> ColumnElement[Any]:
    """The grid cell number of ``column``: floor((column - origin) / size), the numbers written into
    the SQL as literals so the SELECT and GROUP BY expressions are the same text on PostgreSQL."""
    scaled = (column - literal_column(repr(float(origin)))) / literal_column(repr(float(size)))
    if session.get_bind().dialect.name == "sqlite":
        return cast(scaled, Integer)  # truncation is floor: the value is never negative
    return func.floor(scaled)


def _features(session: Session, filters: Filters, box: Box, zoom: int, url_prefix: str) -> dict[str, Any]:
    total = session.scalar(_in_box(select(func.count()), filters, box)) or 0
    if total <= MAX_PINS:
        ids = None
        clusters: list[dict[str, Any]] = []
    else:
        lon_size = 360 / 2**zoom * CELL_PIXELS / TILE_PIXELS
        # square on the screen at the box's latitude (in steps of 5 degrees, so the grid is stable)
        band = round((box[1] + box[3]) / 2 / 5) * 5
        lat_size = lon_size * max(math.cos(math.radians(band)), 0.1)
        cx, cy = _cell(session, Report.lon, -180, lon_size), _cell(session, Report.lat, -90, lat_size)
        groups = session.execute(
            _in_box(
                select(
                    cx,
                    cy,
                    func.count(),
                    func.avg(Report.lon),
                    func.avg(Report.lat),
                    func.min(Report.lon),
                    func.min(Report.lat),
                    func.max(Report.lon),
                    func.max(Report.lat),
                    func.max(Report.id),
                ),
                filters,
                box,
            ).group_by(cx, cy)
        ).all()
        ids = [row[9] for row in groups if row[2] == 1]
        clusters = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(row[3], 5), round(row[4], 5)]},
                "properties": {
                    "cluster": True,
                    "count": row[2],
                    "bbox": [round(row[5], 5), round(row[6], 5), round(row[7], 5), round(row[8], 5)],
                },
            }
            for row in groups
            if row[2] > 1
        ]
    pins = _pins(session, filters, box, ids, url_prefix) if ids is None or ids else []
    return {
        "type": "FeatureCollection",
        "bbox": [round(value, 9) for value in box],  # what the answer covers: the view in whole tiles
        "zoom": zoom,
        "total": total,
        "clustered": bool(clusters),
        "features": [*clusters, *pins],
    }


def _pins(session: Session, filters: Filters, box: Box, ids: list[int] | None, url_prefix: str) -> list[dict[str, Any]]:
    """Pins for every report in the box (``ids`` None) or for these reports."""
    query = _in_box(
        select(Report.id, Report.title, Report.category, Report.status, Report.lat, Report.lon, Report.created_at),
        filters,
        box,
    )
    if ids is not None:
        query = query.where(Report.id.in_(ids))
    rows = session.execute(query.order_by(Report.created_at.desc(), Report.id.desc()))
    return [
        {
            "type": "Feature",
            "id": id_,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "title": title,
                "category": category,
                "status": status,
                "status_label": states.label(status),
                "created_at": w3c(created),
                "url": f"{url_prefix}reports/{id_}",
            },
        }
        for id_, title, category, status, lat, lon, created in rows
    ]
