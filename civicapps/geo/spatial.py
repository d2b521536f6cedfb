"""Area matching: which subscriptions' circles or polygons contain each item's point.

Points are projected to a metric CRS (EPSG:27700 by default, through OSTN15 as every BNG conversion is:
within 0.05% of geodesic distance across the UK). Circles are bucketed by size in grids of square
cells, sorted by cell (:class:`Grid`): an item's candidates are a few runs of cells around it, found by
binary search, then an exact numpy distance test against each subscription's own radius. Building that
for a million circles is one sort (0.1 s), against about a second for a shapely STRtree, and as cells
follow each circle's size, queries test fewer candidates than a box at the largest radius. Polygons,
few and irregular, stay in an STRtree. A worker keeps each topic's index and, when the topic's version
(bumped on every confirm, unsubscribe or change) moves, reads only the subscriptions changed since. A
worker that has none yet starts from the snapshot of the last rebuild stored in the database
(:mod:`civicapps.notify.snapshot`) the same way.
"""
from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from flask import Flask
from sqlalchemy import Connection, Select, case, select

from civicapps.db import get_database
from civicapps.geo.projection import from_wgs84
from civicapps.i18n import gettext
from civicapps.notify import snapshot
from civicapps.notify.models import ACTIVE, FREQUENCIES, Subscription, TopicState

_lock = threading.Lock()


@dataclass(frozen=True)
class Grid:
    """Circles bucketed by size, then in square cells, sorted by (size class, column, row).

    A circle of radius r goes in class L = ceil(log2 r), whose cells are 2**L >= r metres wide, so every
    point within its radius lies in the 3 x 3 cells around its own. Per class, the cells of a column are
    consecutive in the sort order: an item's candidates are three runs of keys per class, each found
    by two binary searches. Small circles thus get small cells, and a town full of 100 m circles is
    not searched 2 km wide because somebody else chose 2 km.
    """

    x0: float
    y0: float
    levels: np.ndarray  # the size classes present
    keys: np.ndarray  # sorted keys: level << 58 | column << 29 | row
    order: np.ndarray  # positions in the indexed arrays, in key order

    LIMIT = 1 << 29  # columns and rows per class (at 1 m cells, 536 km; at 2 km, the whole planet)

    @classmethod
    def build(cls, x: np.ndarray, y: np.ndarray, radius: np.ndarray) -> Grid:
        """Index the circles. A centre that is not finite (a projection may give inf far outside its
        area of use), or absurdly far from the rest, cannot be cut into cells and matches nothing."""
        level = np.ceil(np.log2(np.maximum(radius, 1.0))).astype(np.int64)
        inside = np.isfinite(x) & np.isfinite(y)
        x0, y0 = (float(x[inside].min()), float(y[inside].min())) if inside.any() else (0.0, 0.0)
        with np.errstate(invalid="ignore"):
            column = np.floor((x - x0) / 2.0**level)
            row = np.floor((y - y0) / 2.0**level)
        inside &= (column < cls.LIMIT) & (row < cls.LIMIT)
        where = np.flatnonzero(inside)
        keys = cls._key(level[where], column[where], row[where])
        order = np.argsort(keys, kind="stable")
        return cls(x0, y0, np.unique(level[where]), keys[order], where[order])

    @staticmethod
    def _key(level: np.ndarray | int, column: np.ndarray, row: np.ndarray) -> np.ndarray:
        return (np.int64(level) << 58) | (column.astype(np.int64) << 29) | row.astype(np.int64)

    def near(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point index, indexed position) for every circle that may contain each point: all that do,
        and some that do not, which the caller's exact distance test drops."""
        point = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        points, found = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
        for level in self.levels.tolist():
            size = 2.0**level
            columns = np.floor((x[point] - self.x0) / size)[:, None] + np.array([-1.0, 0.0, 1.0])
            row = np.floor((y[point] - self.y0) / size)[:, None]
            # Runs wholly outside the grid find nothing; the others are clipped to it.
            useful = (columns >= 0) & (columns < self.LIMIT) & (row + 1 >= 0) & (row - 1 < self.LIMIT)
            column = np.clip(columns, 0, self.LIMIT - 1)
            low = np.broadcast_to(np.clip(row - 1, 0, self.LIMIT - 1), column.shape)
            high = np.broadcast_to(np.clip(row + 1, 0, self.LIMIT - 1), column.shape)
            start = np.searchsorted(self.keys, self._key(level, column, low).ravel(), "left")
            end = np.searchsorted(self.keys, self._key(level, column, high).ravel(), "right")
            counts = np.where(useful.ravel(), end - start, 0)
            first = np.repeat(start - (np.cumsum(counts) - counts), counts)
            points.append(np.repeat(np.repeat(point, 3), counts))
            found.append(self.order[first + np.arange(int(counts.sum()))])
        return np.concatenate(points), np.concatenate(found)


@dataclass
class AreaIndex:
    """The active area subscriptions of one topic, projected and indexed."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    radius: np.ndarray
    frequency: np.ndarray  # index into FREQUENCIES
    grid: Grid  # the circles, in cells as wide as their size class
    polygon_ids: np.ndarray
    polygon_frequency: np.ndarray
    polygon_tree: shapely.STRtree
    crs: str

    @classmethod
    def build(
        cls,
        ids: Sequence[int],
        lon: Sequence[float],
        lat: Sequence[float],
        radius: Sequence[float],
        frequency: Sequence[int],
        polygons: Sequence[tuple[int, str, str]],
        crs: str,
    ) -> AreaIndex:
        """Circles as parallel arrays (``frequency`` as an index into FREQUENCIES); polygons as
        (id, GeoJSON, frequency name)."""
        x, y = from_wgs84(lon, lat, crs)
        radius = np.asarray(radius, dtype=float)
        shapes = [shapely.from_geojson(text) for _, text, _ in polygons]
        projected = shapely.transform(shapes, lambda xy: np.column_stack(from_wgs84(xy[:, 0], xy[:, 1], crs)))
        return cls(
            ids=np.asarray(ids, dtype=np.int64),
            x=x,
            y=y,
            radius=radius,
            frequency=np.asarray(frequency, dtype=np.int8),
            grid=Grid.build(x, y, radius),
            polygon_ids=np.asarray([p[0] for p in polygons], dtype=np.int64),
            polygon_frequency=np.asarray([FREQUENCIES.index(p[2]) for p in polygons], dtype=np.int8),
            polygon_tree=shapely.STRtree(projected),
            crs=crs,
        )

    def __len__(self) -> int:
        return len(self.ids) + len(self.polygon_ids)

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything the index holds, as plain arrays (:mod:`civicapps.notify.snapshot` stores them):
        the projected circles, the built grid, and the projected polygons as WKB (exact coordinates)."""
        wkb = shapely.to_wkb(self.polygon_tree.geometries).tolist()
        return {
            "ids": self.ids,
            "x": self.x,
            "y": self.y,
            "radius": self.radius,
            "frequency": self.frequency,
            "grid_origin": np.array([self.grid.x0, self.grid.y0]),
            "grid_levels": self.grid.levels,
            "grid_keys": self.grid.keys,
            "grid_order": self.grid.order,
            "polygon_ids": self.polygon_ids,
            "polygon_frequency": self.polygon_frequency,
            "polygon_wkb": np.frombuffer(b"".join(wkb), dtype=np.uint8),
            "polygon_ends": np.cumsum([len(one) for one in wkb], dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], crs: str) -> AreaIndex:
        """The index :meth:`arrays` describes, in ``crs``, without projecting or sorting anything again."""
        wkb, ends = arrays["polygon_wkb"].tobytes(), arrays["polygon_ends"].tolist()
        shapes = [wkb[start:end] for start, end in zip([0, *ends][:-1], ends, strict=True)]
        x0, y0 = arrays["grid_origin"].tolist()
        return cls(
            ids=arrays["ids"],
            x=arrays["x"],
            y=arrays["y"],
            radius=arrays["radius"],
            frequency=arrays["frequency"],
            grid=Grid(x0, y0, arrays["grid_levels"], arrays["grid_keys"], arrays["grid_order"]),
            polygon_ids=arrays["polygon_ids"],
            polygon_frequency=arrays["polygon_frequency"],
            polygon_tree=shapely.STRtree(shapely.from_wkb(shapes)),
            crs=crs,
        )

    def match(self, lon: Sequence[float], lat: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(item index, subscription id, frequency code) for every item inside a subscription's area."""
        ix, iy = from_wgs84(lon, lat, self.crs)
        found_items, found_ids, found_freq = [], [], []
        if len(self.ids):
            item, sub = self.grid.near(ix, iy)
            near = (self.x[sub] - ix[item]) ** 2 + (self.y[sub] - iy[item]) ** 2 <= self.radius[sub] ** 2
            found_items.append(item[near])
            found_ids.append(self.ids[sub[near]])
            found_freq.append(self.frequency[sub[near]])
        if len(self.polygon_ids):
            item, sub = self.polygon_tree.query(shapely.points(ix, iy), predicate="intersects")
            found_items.append(item)
            found_ids.append(self.polygon_ids[sub])
            found_freq.append(self.polygon_frequency[sub])
        if not found_items:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int8)
        return np.concatenate(found_items), np.concatenate(found_ids), np.concatenate(found_freq)


#: Rebuild a topic's index from scratch once this share of it has changed since it was built.
REBUILD_SHARE = 0.05
FREQUENCY_CODE = case({name: code for code, name in enumerate(FREQUENCIES)}, value=Subscription.frequency, else_=0)


@dataclass
class LiveIndex:
    """A topic's index as built at ``base_version``, plus the subscriptions changed since.

    Confirming or ending one subscription must not cost a rebuild of a million-entry index, so
    matching hides the stale entries of changed subscriptions and adds their current state from a
    small second index; past ``REBUILD_SHARE`` of changes the whole index is rebuilt.
    """

    base_version: int
    version: int
    base: AreaIndex
    recent: AreaIndex
    hidden: np.ndarray  # ids changed since base_version

    @classmethod
    def unchanged(cls, version: int, base: AreaIndex) -> LiveIndex:
        """``base`` as the whole index at ``version``."""
        empty = AreaIndex.build([], [], [], [], [], [], base.crs)
        return cls(version, version, base, empty, np.empty(0, np.int64))

    def match(self, lon: Sequence[float], lat: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        items, ids, frequency = self.base.match(lon, lat)
        if len(self.hidden):
            keep = ~np.isin(ids, self.hidden)
            items, ids, frequency = items[keep], ids[keep], frequency[keep]
        more = self.recent.match(lon, lat)
        return np.concatenate([items, more[0]]), np.concatenate([ids, more[1]]), np.concatenate([frequency, more[2]])


def topic_version(connection: Connection, topic: str) -> int:
    return connection.scalar(select(TopicState.version).where(TopicState.topic == topic)) or 0


def read_numbers(connection: Connection, query: Select) -> np.ndarray:
    """A numeric query's rows as one float array, straight from the driver's cursor into numpy: for a
    million rows, SQLAlchemy's row objects, or even a list of the driver's tuples, cost more than
    reading the rows."""
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
        values = np.fromiter(itertools.chain.from_iterable(cursor), dtype=np.float64)
    finally:
        cursor.close()
    return values.reshape(-1, len(query.selected_columns))


def load_index(connection: Connection, topic: str, crs: str, since: int | None = None) -> tuple[AreaIndex, np.ndarray]:
    """Index a topic's active area subscriptions (only those changed after version ``since``, if given).

    Returns the index and the ids of every subscription read, active or not.
    """
    wanted = [Subscription.topic == topic]
    columns: list[Any] = [Subscription.id, Subscription.lon, Subscription.lat, Subscription.radius_m, FREQUENCY_CODE]
    if since is not None:  # changed subscriptions, ended ones too: their old entries must be hidden
        wanted.append(Subscription.changed > since)
        columns.append((Subscription.status == ACTIVE).label("active"))
    else:
        wanted.append(Subscription.status == ACTIVE)
    rows = read_numbers(connection, select(*columns).where(*wanted, Subscription.radius_m.is_not(None)))
    polygons = connection.execute(
        select(Subscription.id, Subscription.polygon, Subscription.frequency, Subscription.status).where(
            *wanted, Subscription.polygon.is_not(None)
        )
    ).all()
    live = rows if since is None else rows[rows[:, 5] == 1]
    index = AreaIndex.build(
        live[:, 0], live[:, 1], live[:, 2], live[:, 3], live[:, 4], [p[:3] for p in polygons if p.status == ACTIVE], crs
    )
    return index, np.concatenate([rows[:, 0], [p.id for p in polygons]]).astype(np.int64)


def index_for(app: Flask, connection: Connection, topic: str, crs: str) -> LiveIndex:
    """The topic's index for this worker, brought up to the topic's current version.

    From the worker's memory if it has one; else from the snapshot in the database (a fresh worker);
    else, or past ``REBUILD_SHARE`` of changes since either was built, from every active subscription,
    and that rebuild is stored as the topic's new snapshot. Call it before ``connection``'s transaction
    writes anything: on SQLite, storing the snapshot in a transaction of its own would wait for it.
    """
    cache: dict[str, LiveIndex] = app.extensions.setdefault("civicapps_area_index", {})
    version = topic_version(connection, topic)
    with _lock:
        live = cache.get(topic)
    if live is None or live.base.crs != crs:
        live = _stored(connection, topic, crs, version)
    if live is not None:
        live = _followed(connection, topic, live, version)
    if live is None:
        base, _ = load_index(connection, topic, crs)
        live = LiveIndex.unchanged(version, base)
        if len(base) >= snapshot.MIN_ENTRIES:
            snapshot.save(get_database(app).engine, topic, crs, version, base.arrays())
    with _lock:
        cache[topic] = live
    return live


def _stored(connection: Connection, topic: str, crs: str, version: int) -> LiveIndex | None:
    """The topic's snapshot as a LiveIndex at its own version, if there is a usable one."""
    found = snapshot.load(connection, topic, crs, newest=version)
    if found is None:
        return None
    base_version, arrays = found
    return LiveIndex.unchanged(base_version, AreaIndex.from_arrays(arrays, crs))


def _followed(connection: Connection, topic: str, live: LiveIndex, version: int) -> LiveIndex | None:
    """``live`` brought to ``version`` by reading the subscriptions changed since its base was built;
    None if so many changed that rebuilding is due."""
    if live.version == version:
        return live
    recent, hidden = load_index(connection, topic, live.base.crs, since=live.base_version)
    if len(hidden) > REBUILD_SHARE * max(len(live.base), 1000):
        return None
    return LiveIndex(live.base_version, version, live.base, recent, hidden)


def parse_area(geojson: str, max_points: int) -> str:
    """Check a GeoJSON Polygon/MultiPolygon in WGS84 and return it compact; ValueError says what is wrong."""
    try:
        data = json.loads(geojson) if isinstance(geojson, str) else geojson
        geometry = data.get("geometry", data) if isinstance(data, dict) else None
        shape = shapely.from_geojson(json.dumps(geometry))
    except (ValueError, TypeError, shapely.errors.GEOSException):
        raise ValueError(gettext("The area must be a GeoJSON Polygon")) from None
    if shape.geom_type not in ("Polygon", "MultiPolygon") or shape.is_empty:
        raise ValueError(gettext("The area must be a GeoJSON Polygon"))
    if shapely.get_num_coordinates(shape) > max_points:
        raise ValueError(
            gettext("The area has too many points; draw it with at most %(max_points)s", max_points=max_points)
        )
    minx, miny, maxx, maxy = shape.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise ValueError(gettext("The area's coordinates must be longitude and latitude"))
    if not shape.is_valid:
        raise ValueError(gettext("The area's edges cross each other; draw it again"))
    return shapely.to_geojson(shape)
