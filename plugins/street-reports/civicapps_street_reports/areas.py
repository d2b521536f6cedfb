"""Bodies' boundaries: importing them from GeoJSON, and finding which bodies cover a point.

A report goes to every body whose area contains its point (two-tier councils, or a council and a
national roads agency, both take a category at the same spot). Lookups use a shapely STRtree over
every area, built once and rebuilt only when the areas change, so routing a report costs
microseconds however many boundaries are loaded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select

from civicapps import CivicappsError, db_session, gettext, to_wgs84, utcnow
from civicapps_street_reports.models import Area, Body, Category

WGS84 = CRS.from_epsg(4326)


@dataclass
class ImportResult:
    """What an import did, and each feature it could not use (by position) with the reason."""

    added: int = 0
    replaced: int = 0
    bodies_created: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _source_crs(document: dict[str, Any]) -> CRS | None:
    """The legacy GeoJSON ``crs`` member (ogr2ogr writes one for shapefiles in British National Grid)."""
    name = ((document.get("crs") or {}).get("properties") or {}).get("name")
    if not name:
        return None
    try:
        crs = CRS.from_user_input(name)
    except Exception as exc:  # pyproj raises its own CRSError, and others for garbage
        raise CivicappsError(f"The file's crs {name!r} is not a coordinate system pyproj knows ({exc}).") from None
    return None if crs == WGS84 else crs


def _features(document: Any) -> list[Any]:
    if not isinstance(document, dict):
        raise CivicappsError("The file is not a GeoJSON object.")
    if document.get("type") == "FeatureCollection" and isinstance(document.get("features"), list):
        return document["features"]
    if document.get("type") == "Feature":
        return [document]
    raise CivicappsError("Expected a GeoJSON FeatureCollection (or one Feature) of boundary polygons.")


def read_areas(
    path: Path,
    *,
    body: str | None,
    body_property: str,
    name_property: str,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Store each polygon feature of a GeoJSON file as an area of its body (created if new).

    An area with the same body and name is replaced, so re-importing an updated boundary file is
    safe. Features that cannot be used are listed in ``problems`` and the rest are still imported.
    """
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CivicappsError(f"Could not read {path} as JSON: {exc}") from None
    features = _features(document)
    crs = _source_crs(document)
    reproject = _reprojector(crs) if crs is not None else None
    session = db_session()
    result = ImportResult()
    bodies = {b.name: b for b in session.scalars(select(Body))}
    for number, feature in enumerate(features, start=1):
        where = f"{path.name}, feature {number}"
        properties = (feature or {}).get("properties") or {} if isinstance(feature, dict) else {}
        body_name = (body or str(properties.get(body_property) or "")).strip()
        area_name = str(properties.get(name_property) or "").strip() or body_name
        if not body_name:
            result.problems.append(f"{where}: no body named (give --body, or a '{body_property}' property)")
            continue
        try:
            geometry = _polygonal(feature.get("geometry"), reproject)
        except ValueError as exc:
            result.problems.append(f"{where} ({area_name}): {exc}")
            continue
        owner = bodies.get(body_name)
        if owner is None:
            owner = bodies[body_name] = Body(name=body_name)
            session.add(owner)
            session.flush()
            result.bodies_created.append(body_name)
        existing = session.scalar(select(Area).where(Area.body_id == owner.id, Area.name == area_name))
        if existing is None:
            existing = Area(body_id=owner.id, name=area_name)
            session.add(existing)
            result.added += 1
        else:
            result.replaced += 1
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        existing.geometry = json.dumps(mapping(geometry))
        existing.min_lon, existing.min_lat, existing.max_lon, existing.max_lat = min_lon, min_lat, max_lon, max_lat
        existing.source = path.name
        existing.imported_at = utcnow()
        if progress is not None:
            progress(number)
    session.commit()
    return result


def _reprojector(crs: CRS) -> Callable[[np.ndarray], np.ndarray]:
    """Coordinates in ``crs`` to WGS84 through the host's conversion (OSTN15 for British National Grid);
    a point that cannot be placed becomes NaN, which :func:`_polygonal` refuses."""

    def reproject(coordinates: np.ndarray) -> np.ndarray:
        points = to_wgs84(coordinates[:, 0], coordinates[:, 1], crs.srs)
        return np.array([point or (np.nan, np.nan) for point in points], dtype=float).reshape(-1, 2)

    return reproject


def _polygonal(geojson: Any, reproject: Callable[[np.ndarray], np.ndarray] | None) -> BaseGeometry:
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geojson.get("type") if isinstance(geojson, dict) else geojson
        raise ValueError(f"a boundary must be a Polygon or MultiPolygon, not {kind!r}")
    try:
        geometry = shape(geojson)
    except Exception as exc:  # shapely raises several kinds for malformed coordinates
        raise ValueError(f"the coordinates are malformed ({exc})") from None
    if reproject is not None:
        geometry = shapely.transform(geometry, reproject)
    if geometry.is_empty:
        raise ValueError("the polygon is empty")
    if not geometry.is_valid:
        repaired = shapely.make_valid(geometry)
        polygons = [g for g in getattr(repaired, "geoms", [repaired]) if g.geom_type in ("Polygon", "MultiPolygon")]
        if not polygons:
            raise ValueError(f"the polygon is invalid ({shapely.is_valid_reason(geometry)})")
        geometry = shapely.union_all(polygons)
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValueError(
            "coordinates are not longitude/latitude; give the file's crs (e.g. EPSG:27700) in its 'crs' member"
        )
    return geometry


class AreaIndex:
    """Every area's polygon in a shapely STRtree, with the body each belongs to."""

    def __init__(self, rows: list[tuple[int, int, str]]):
        self.area_ids = [area_id for area_id, _, _ in rows]
        self.body_ids = [body_id for _, body_id, _ in rows]
        self.geometries = [shape(json.loads(geometry)) for _, _, geometry in rows]
        for geometry in self.geometries:
            shapely.prepare(geometry)
        self.tree = shapely.STRtree(self.geometries)

    def bodies_at(self, lon: float, lat: float) -> list[int]:
        """Ids of the bodies with an area covering the point (boundary included), in id order."""
        hits = self.tree.query(Point(lon, lat), predicate="intersects")
        return sorted({self.body_ids[i] for i in hits})


_cache: dict[Any, tuple[Any, AreaIndex]] = {}
_lock = threading.Lock()


def area_index() -> AreaIndex:
    """The index for the current database, rebuilt when any area was added, replaced or removed."""
    session = db_session()
    signature = tuple(session.execute(select(func.count(Area.id), func.max(Area.id), func.max(Area.imported_at))).one())
    key = session.get_bind().engine.url.render_as_string()
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == signature:
            return cached[1]
    rows = [tuple(r) for r in session.execute(select(Area.id, Area.body_id, Area.geometry).order_by(Area.id))]
    index = AreaIndex(rows)  # type: ignore[arg-type]  # (int, int, str) as selected
    with _lock:
        _cache[key] = (signature, index)
    return index


class OutsideAllAreas(CivicappsError):
    """The point is outside every body's area: nobody here can deal with it."""


def bodies_at(lon: float, lat: float) -> list[Body]:
    """The bodies covering a point; raises :class:`OutsideAllAreas` with a message for the resident."""
    ids = area_index().bodies_at(lon, lat)
    if not ids:
        raise OutsideAllAreas(
            gettext(
                "That place is outside the areas this service covers, so we cannot send a report about it. "
                "Check the place, or report it to the council responsible for it."
            )
        )
    return list(db_session().scalars(select(Body).where(Body.id.in_(ids)).order_by(Body.name)))


def categories_at(lon: float, lat: float) -> dict[str, list[Category]]:
    """Category name -> the active categories of that name of every body covering the point.

    A name shared by two bodies at the point (an overlap) lists both: the report goes to both.
    """
    bodies = bodies_at(lon, lat)
    query = (
        select(Category)
        .where(Category.body_id.in_([b.id for b in bodies]), Category.active.is_(True))
        .order_by(Category.name, Category.body_id)
    )
    found: dict[str, list[Category]] = {}
    for category in db_session().scalars(query):
        found.setdefault(category.name, []).append(category)
    return found


def iter_area_features() -> Iterator[dict[str, Any]]:
    """Every area as a GeoJSON feature (for the areas layer of the map)."""
    query = select(Area, Body.name).join(Body).order_by(Body.name, Area.name)
    for area, body_name in db_session().execute(query):
        yield {
            "type": "Feature",
            "id": area.id,
            "geometry": json.loads(area.geometry),
            "properties": {"name": area.name, "body": body_name},
        }


def map_centre() -> tuple[float, float]:
    """Where maps open with no place chosen: the ``map_centre`` setting, else the middle of the areas
    bodies cover (so a council, or the demo, need not configure it), else the middle of Great Britain."""
    from civicapps_street_reports.settings import FALLBACK_CENTRE, current_settings

    configured = current_settings().map_centre
    if configured is not None:
        return configured
    bounds = (
        db_session()
        .execute(select(func.min(Area.min_lat), func.min(Area.min_lon), func.max(Area.max_lat), func.max(Area.max_lon)))
        .one()
    )
    if bounds[0] is None:
        return FALLBACK_CENTRE
    return ((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
