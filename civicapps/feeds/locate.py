"""Placing rows on the map: from coordinates in any CRS, a WKT or GeoJSON geometry, or geocoded.

Configured per feed under ``location`` (see docs/feeds.md). Methods are tried in this order and the
first that gives a point wins: ``latitude``/``longitude``; ``x``/``y`` with ``crs``; ``wkt``;
``geojson``; the reader's own geometry (GeoJSON, GeoRSS, ArcGIS); then ``postcode`` and ``address``
through the ``geocode`` hook. Work is done per batch so projections are one vectorised call and
postcodes go to postcodes.io a hundred at a time.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from flask import Flask
from shapely.geometry import shape

from civicapps.errors import CivicappsError
from civicapps.feeds.mapping import Compiled, compile_spec
from civicapps.feeds.readers import RawRecord
from civicapps.geo.geocoding import geocode_many
from civicapps.geo.projection import WGS84, normalise_crs, to_wgs84

LOCATION_KEYS = {
    "latitude",
    "longitude",
    "x",
    "y",
    "crs",
    "wkt",
    "geojson",
    "postcode",
    "address",
    "required",
    "use_geometry",
}


@dataclass(frozen=True)
class LocationPlan:
    latitude: Compiled | None = None
    longitude: Compiled | None = None
    x: Compiled | None = None
    y: Compiled | None = None
    wkt: Compiled | None = None
    geojson: Compiled | None = None
    postcode: Compiled | None = None
    address: Compiled | None = None
    crs: str = WGS84
    required: bool = False
    use_geometry: bool = True

    @property
    def configured(self) -> bool:
        return any((self.latitude, self.x, self.wkt, self.geojson, self.postcode, self.address))


def compile_location(config: Mapping[str, Any]) -> LocationPlan:
    unknown = set(config) - LOCATION_KEYS
    if unknown:
        raise CivicappsError(
            f"location: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(LOCATION_KEYS))}."
        )
    for a, b in (("latitude", "longitude"), ("x", "y")):
        if (a in config) != (b in config):
            raise CivicappsError(f"location: {a} and {b} go together.")
    compiled = {
        k: compile_spec(v, f"location.{k}") for k, v in config.items() if k not in ("crs", "required", "use_geometry")
    }
    return LocationPlan(
        **compiled,
        crs=normalise_crs(config.get("crs", 27700 if "x" in config else 4326)),
        required=bool(config.get("required", False)),
        use_geometry=bool(config.get("use_geometry", True)),
    )


@dataclass
class Placed:
    """Where one row landed, or why it did not."""

    point: tuple[float, float] | None = None  # (lon, lat)
    field: str | None = None
    reason: str | None = None


def locate(
    app: Flask, plan: LocationPlan, rows: Sequence[tuple[RawRecord, Mapping[str, Any]]], *, persist: bool = True
) -> list[Placed]:
    """One :class:`Placed` per (raw record, mapped values) pair."""
    placed = [Placed() for _ in rows]
    pending: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    queries: dict[int, tuple[str, str]] = {}
    for index, (raw, values) in enumerate(rows):
        try:
            found = _coordinates(plan, raw, values)
        except _NoPoint as exc:
            placed[index] = Placed(None, exc.field, exc.reason)
            continue
        if found is not None:
            crs, x, y = found
            pending[crs].append((index, x, y))
            continue
        for name in ("postcode", "address"):
            spec = getattr(plan, name)
            text = spec.get(raw.fields, values) if spec else None
            if text:
                queries[index] = (name, str(text))
                break
        else:
            if plan.configured:
                wanted = "postcode" if plan.postcode else "address" if plan.address else "coordinates"
                placed[index] = Placed(None, wanted, f"no {wanted} to place the row with")
    for crs, items in pending.items():
        points = to_wgs84([x for _, x, _ in items], [y for _, _, y in items], crs)
        for (index, _, _), point in zip(items, points, strict=True):
            placed[index] = Placed(point) if point else Placed(None, "coordinates", f"coordinates are outside {crs}")
    if queries:
        answers = geocode_many(app, [q for _, q in queries.values()], persist=persist)
        for index, (name, query) in queries.items():
            location, reason = answers[query]
            placed[index] = Placed((location.longitude, location.latitude)) if location else Placed(None, name, reason)
    return placed


class _NoPoint(Exception):
    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason


def _coordinates(plan: LocationPlan, raw: RawRecord, values: Mapping[str, Any]) -> tuple[str, float, float] | None:
    """(crs, x, y) from the first coordinate method with a value; None to fall through to geocoding."""
    for name_x, name_y, crs in (("longitude", "latitude", WGS84), ("x", "y", plan.crs)):
        spec_x, spec_y = getattr(plan, name_x), getattr(plan, name_y)
        if spec_x is None:
            continue
        vx, vy = spec_x.get(raw.fields, values), spec_y.get(raw.fields, values)
        if vx in (None, "") and vy in (None, ""):
            continue
        return crs, _number(vx, name_x), _number(vy, name_y)
    for name in ("wkt", "geojson"):
        spec = getattr(plan, name)
        value = spec.get(raw.fields, values) if spec else None
        if value not in (None, ""):
            return (plan.crs, *_centroid(value, name))
    if plan.use_geometry and raw.geometry:
        return (raw.crs or WGS84, *_centroid(raw.geometry, "geometry"))
    return None


def _number(value: Any, field: str) -> float:
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        raise _NoPoint(field, f"{str(value)[:40]!r} is not a coordinate") from None
    if not math.isfinite(number):
        raise _NoPoint(field, f"{value!r} is not a coordinate")
    return number


def _centroid(value: Any, field: str) -> tuple[float, float]:
    """A representative point of any geometry: itself for points, the centroid otherwise."""
    try:
        if isinstance(value, str):
            geometry = shapely.from_wkt(value) if field == "wkt" else shape(json.loads(value))
        else:
            geometry = shape(value)
        if geometry.is_empty:
            raise ValueError("empty geometry")
        point = geometry if geometry.geom_type == "Point" else geometry.centroid
        return float(point.x), float(point.y)
    except (
        shapely.errors.ShapelyError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        IndexError,
        RecursionError,
    ) as exc:
        raise _NoPoint(field, f"the {field} geometry cannot be read ({type(exc).__name__})") from None
