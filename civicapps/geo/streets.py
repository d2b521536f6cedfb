"""The street list: import OS Open Names (or a name/latitude/longitude CSV); find streets by name or near a point.

A resident who knows their street but not their postcode, or who has no JavaScript map, needs a
list of matching places to pick from (FixMyStreet's no-JS flow). The list lives in ``geo_street``
so every plugin finds places the same way, offline: :func:`find_streets` is public API.

OS Open Names CSVs have no header; their documented column order is :data:`OPEN_NAMES_COLUMNS`.
Only ``Named Road`` and ``Section Of Named Road`` rows are kept (one point per street per town, in
British National Grid).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import inspect, or_, select

from civicapps.db import get_database
from civicapps.errors import CivicappsError
from civicapps.geo.models import Street
from civicapps.geo.projection import BNG, distances_m, to_wgs84
from civicapps.upsert import upsert

#: OS Open Names CSV columns (the product's Doc/OS_Open_Names_Header.csv).
OPEN_NAMES_COLUMNS = (
    "ID NAMES_URI NAME1 NAME1_LANG NAME2 NAME2_LANG TYPE LOCAL_TYPE GEOMETRY_X GEOMETRY_Y "
    "MOST_DETAIL_VIEW_RES LEAST_DETAIL_VIEW_RES MBR_XMIN MBR_YMIN MBR_XMAX MBR_YMAX POSTCODE_DISTRICT "
    "POSTCODE_DISTRICT_URI POPULATED_PLACE POPULATED_PLACE_URI POPULATED_PLACE_TYPE DISTRICT_BOROUGH"
).split()
_COL = {name: i for i, name in enumerate(OPEN_NAMES_COLUMNS)}
_SPACES = re.compile(r"\s+")
MAX_QUERY = 100
CHUNK = 1000  # streets stored per statement
MAX_RADIUS_M = 50_000.0
METRES_PER_DEGREE = 111_320.0
ROAD_TYPES = {"Named Road", "Section Of Named Road"}


@dataclass(frozen=True)
class Place:
    """A street (or place): what to show a resident and where it is (WGS84).

    ``distance_m`` is set only by :func:`streets_near` (metres from the point asked about), so a
    page can say how far each choice is.
    """

    name: str
    locality: str
    latitude: float
    longitude: float
    distance_m: float | None = None

    @property
    def label(self) -> str:
        """``"Clarence Street, York"``, or just the name when the locality is unknown."""
        return f"{self.name}, {self.locality}" if self.locality else self.name


def street_key(text: str) -> str:
    """The searchable spelling of a name: lower case, single spaces, no full stops ("St. Mary's")."""
    return _SPACES.sub(" ", (text or "").replace(".", " ")).strip().lower()


def import_streets(
    app: Flask,
    path: Path,
    *,
    locality: str = "",
    source: str = "",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Upsert the streets in ``path`` (OS Open Names tile or ``name,latitude,longitude[,locality]``).

    ``locality`` names the town of rows that give none; ``source`` records where the file came from
    (default ``os-open-names`` or ``csv``), for the credits on /about. Safe to re-run: a street is
    identified by its name and locality. A bad row stops the import before anything is stored, with
    the file and line in the error. ``progress`` is called with each chunk's count of streets stored.
    Returns how many were stored.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CivicappsError(f"Cannot read {path}: {exc}.") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise CivicappsError(f"{path} is empty.")
    header = [h.strip().lower() for h in rows[0]]
    if {"name", "latitude", "longitude"} <= set(header):
        streets = list(_simple(rows[1:], header, path, locality, source or "csv"))
    elif len(rows[0]) >= len(OPEN_NAMES_COLUMNS):
        streets = _open_names(rows, path, locality, source or "os-open-names")
    else:
        raise CivicappsError(
            f"{path} is neither an OS Open Names CSV nor a CSV with name, latitude and longitude columns;"
            f" its first row is: {', '.join(rows[0][:8])}"
        )
    unique = list({(s["key"], s["locality"]): s for s in streets}.values())
    with get_database(app).sessionmaker() as session:
        for start in range(0, len(unique), CHUNK):  # one transaction; the bar moves a chunk at a time
            upsert(session, Street.__table__, unique[start : start + CHUNK], ["key", "locality"])
            if progress is not None:
                progress(len(unique[start : start + CHUNK]))
        session.commit()
    return len(unique)


def _simple(rows: list[list[str]], header: list[str], path: Path, locality: str, source: str) -> Iterator[dict]:
    at = {name: header.index(name) for name in ("name", "latitude", "longitude")}
    where = header.index("locality") if "locality" in header else None
    for line, row in enumerate(rows, start=2):
        try:
            lat, lon = float(row[at["latitude"]]), float(row[at["longitude"]])
        except (ValueError, IndexError):
            raise CivicappsError(f"{path} line {line}: latitude and longitude must be numbers.") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise CivicappsError(f"{path} line {line}: {lat}, {lon} is not a place on Earth.")
        name = row[at["name"]].strip()
        if name:
            town = row[where].strip() if where is not None and where < len(row) else locality
            yield _street(name, town, lat, lon, source)


def _open_names(rows: list[list[str]], path: Path, locality: str, source: str) -> list[dict]:
    roads, xs, ys = [], [], []
    for line, row in enumerate(rows, start=1):
        if len(row) > _COL["DISTRICT_BOROUGH"] and row[_COL["LOCAL_TYPE"]] in ROAD_TYPES:
            try:
                x, y = float(row[_COL["GEOMETRY_X"]]), float(row[_COL["GEOMETRY_Y"]])
            except ValueError:
                raise CivicappsError(
                    f"{path} line {line}: GEOMETRY_X and GEOMETRY_Y must be British National Grid metres,"
                    f" not {row[_COL['GEOMETRY_X']]!r}, {row[_COL['GEOMETRY_Y']]!r}."
                ) from None
            roads.append(row)
            xs.append(x)
            ys.append(y)
    if not roads:
        return []
    points = to_wgs84(xs, ys, BNG)
    streets = []
    for row, point in zip(roads, points, strict=True):
        if point is None:
            continue
        town = row[_COL["POPULATED_PLACE"]] or row[_COL["DISTRICT_BOROUGH"]] or locality
        streets.append(_street(row[_COL["NAME1"]], town, point[1], point[0], source))
    return streets


def _street(name: str, locality: str, lat: float, lon: float, source: str) -> dict:
    name = _SPACES.sub(" ", name).strip()[:200]
    return {
        "name": name,
        "locality": locality.strip(),
        "key": street_key(name),
        "latitude": lat,
        "longitude": lon,
        "source": source[:40],
    }


def find_streets(app: Flask, text: str, *, limit: int = 20) -> list[Place]:
    """Streets whose name starts with, or has a word starting with, ``text`` (case-insensitive).

    Names starting with the text come first, then alphabetical. An empty or over-long query, or a
    database without the street table yet, finds nothing rather than failing.
    """
    key = street_key(text)
    if not key or len(key) > MAX_QUERY:
        return []
    db = get_database(app)
    if Street.__tablename__ not in inspect(db.engine).get_table_names():
        return []
    pattern = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = (
        select(Street)
        .where(or_(Street.key.like(f"{pattern}%", escape="\\"), Street.key.like(f"% {pattern}%", escape="\\")))
        .order_by(Street.key.like(f"{pattern}%", escape="\\").desc(), Street.key, Street.locality)
        .limit(limit)
    )
    with db.sessionmaker() as session:
        return [Place(s.name, s.locality, s.latitude, s.longitude) for s in session.scalars(query)]


def streets_near(app: Flask, lat: float, lon: float, radius_m: float = 500, limit: int = 20) -> list[Place]:
    """Streets whose point lies within ``radius_m`` metres of (``lat``, ``lon``), nearest first.

    After a postcode or "use these coordinates" search a resident without a map picks the street
    from this list (FixMyStreet's no-JS flow). Each :class:`Place` carries ``distance_m``. A box
    around the circle narrows the query; the geodesic distance (the core's one distance function) then
    orders and filters.
    A radius above 50 km is cut to 50 km; a database without the street table finds nothing.
    """
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or radius_m <= 0 or limit <= 0:
        return []
    radius_m = min(float(radius_m), MAX_RADIUS_M)
    db = get_database(app)
    if Street.__tablename__ not in inspect(db.engine).get_table_names():
        return []
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    query = select(Street).where(
        Street.latitude.between(lat - dlat, lat + dlat), Street.longitude.between(lon - dlon, lon + dlon)
    )
    with db.sessionmaker() as session:
        streets = list(session.scalars(query))
    metres = distances_m(lon, lat, [(s.longitude, s.latitude) for s in streets])
    found = [Place(s.name, s.locality, s.latitude, s.longitude, d) for s, d in zip(streets, metres, strict=True)]
    near = [p for p in found if p.distance_m <= radius_m]
    return sorted(near, key=lambda p: (p.distance_m, p.name, p.locality))[:limit]
