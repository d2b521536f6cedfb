"""Finding the spot without a map: a postcode or street search, then a list of nearby streets.

FixMyStreet's map is unusable with a screen reader (its issue #6139); residents here can type a
postcode or a street name and pick from the streets and places nearby, each with its distance. The
streets come from a gazetteer the council imports (any GeoJSON of named points or lines: OS Open
Roads, OpenStreetMap extracts, its own street register).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import format_decimal
from shapely.geometry import Point, mapping, shape
from shapely.ops import nearest_points
from sqlalchemy import select

from civicapps import (
    CivicappsError,
    db_session,
    distances_m,
    find_streets,
    geocode,
    gettext,
    lazy_gettext,
    streets_near,
)
from civicapps_street_reports.models import Place

METRES_PER_DEGREE = 111_320.0
COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")
#: The compass points as residents read them (the codes above stay English: they are data).
COMPASS_WORDS = {
    "north": lazy_gettext("%(metres)s m north"),
    "north-east": lazy_gettext("%(metres)s m north-east"),
    "east": lazy_gettext("%(metres)s m east"),
    "south-east": lazy_gettext("%(metres)s m south-east"),
    "south": lazy_gettext("%(metres)s m south"),
    "south-west": lazy_gettext("%(metres)s m south-west"),
    "west": lazy_gettext("%(metres)s m west"),
    "north-west": lazy_gettext("%(metres)s m north-west"),
}


@dataclass(frozen=True)
class Spot:
    """A point a resident can choose: a street's nearest point, a place, or the searched postcode."""

    label: str
    lat: float
    lon: float
    distance_m: float | None = None
    direction: str | None = None

    @property
    def description(self) -> str:
        if self.distance_m is None:
            return self.label
        if self.distance_m < 15:
            return gettext("%(place)s (right there)", place=self.label)
        metres = format_decimal(round(self.distance_m))
        away = COMPASS_WORDS[self.direction or "north"] % {"metres": metres}
        return gettext("%(place)s (%(away)s)", place=self.label, away=away)


def direction(from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> str:
    east = (to_lon - from_lon) * math.cos(math.radians(from_lat))
    north = to_lat - from_lat
    bearing = (math.degrees(math.atan2(east, north)) + 360) % 360
    return COMPASS[int((bearing + 22.5) // 45) % 8]


def degrees_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a box holding the circle: an index-friendly prefilter."""
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def search(query: str, radius_m: float) -> tuple[Spot | None, list[Spot]]:
    """The place a resident typed (postcode, address or street name) and the streets near it."""
    query = " ".join(query.split())[:200]
    if not query:
        return None, []
    location = geocode(current_app, query)  # plugins' gazetteers first, the core's postcode lookup last
    if location is not None:
        centre = Spot(
            gettext("The middle of %(place)s", place=query.upper() if len(query) <= 8 else query),
            location.latitude,
            location.longitude,
        )
        return centre, nearby_or_nearest(location.latitude, location.longitude, radius_m)
    named = db_session().scalars(select(Place).where(Place.name.ilike(f"%{query}%")).order_by(Place.name).limit(20))
    spots = []
    for place in named:
        point = shape(json.loads(place.geometry)).representative_point()
        spots.append(Spot(place.name, point.y, point.x))
    if not spots:  # the host's own street list (``civicapps.import_streets``), when the council imported none here
        spots = [Spot(street.label, street.latitude, street.longitude) for street in find_streets(current_app, query)]
    return None, spots


def nearby_or_nearest(lat: float, lon: float, radius_m: float, limit: int = 15) -> list[Spot]:
    """The streets within ``radius_m`` or, when none is that close, the few nearest within three
    times that: a resident choosing a place still gets streets to pick from (each with its distance)
    where the street list is sparse, rather than none."""
    return nearby(lat, lon, radius_m, limit) or nearby(lat, lon, radius_m * 3, limit=5)


def nearby(lat: float, lon: float, radius_m: float, limit: int = 15) -> list[Spot]:
    """The named streets and places within ``radius_m``, nearest first, each at its closest point.

    The plugin's own gazetteer (streets as lines) comes first; the host's street list
    (``civicapps.streets_near``, one point a street, e.g. the demo's York streets) adds the streets
    the gazetteer lacks.
    """
    min_lon, min_lat, max_lon, max_lat = degrees_box(lat, lon, radius_m)
    query = select(Place).where(
        Place.min_lon <= max_lon, Place.max_lon >= min_lon, Place.min_lat <= max_lat, Place.max_lat >= min_lat
    )
    origin = Point(lon, lat)
    places = list(db_session().scalars(query))
    closest = [nearest_points(shape(json.loads(place.geometry)), origin)[0] for place in places]
    best: dict[str, Spot] = {}
    for place, point, metres in zip(places, closest, distances_m(lon, lat, [(p.x, p.y) for p in closest]), strict=True):
        if metres > radius_m or (place.name in best and best[place.name].distance_m <= metres):  # type: ignore[operator]  # spots in best have distances
            continue
        best[place.name] = Spot(place.name, point.y, point.x, metres, direction(lat, lon, point.y, point.x))
    for street in streets_near(current_app, lat, lon, radius_m, limit):
        if street.name not in best and street.distance_m is not None:
            heading = direction(lat, lon, street.latitude, street.longitude)
            best[street.name] = Spot(street.label, street.latitude, street.longitude, street.distance_m, heading)
    return sorted(best.values(), key=lambda s: (s.distance_m, s.label))[:limit]


def import_places(
    path: Path, name_property: str, progress: Callable[[int], None] | None = None
) -> tuple[int, list[str]]:
    """Replace the gazetteer with the named features of a GeoJSON file; returns (stored, problems)."""
    try:
        document = json.loads(path.read_bytes())
        features = document["features"]
        assert isinstance(features, list)
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        raise CivicappsError(f"{path} is not a GeoJSON FeatureCollection.") from None
    session = db_session()
    session.query(Place).delete()
    stored, problems = 0, []
    for number, feature in enumerate(features, start=1):
        name = str(((feature or {}).get("properties") or {}).get(name_property) or "").strip()
        try:
            geometry = shape((feature or {}).get("geometry"))
        except Exception as exc:  # shapely raises several kinds for malformed geometries
            problems.append(f"{path.name}, feature {number}: unusable geometry ({exc})")
            continue
        if not name or geometry.is_empty:
            problems.append(f"{path.name}, feature {number}: no '{name_property}' or an empty geometry")
            continue
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        session.add(
            Place(
                name=name[:200],
                geometry=json.dumps(mapping(geometry)),
                min_lon=min_lon,
                min_lat=min_lat,
                max_lon=max_lon,
                max_lat=max_lat,
            )
        )
        stored += 1
        if progress is not None:
            progress(number)
    session.commit()
    return stored, problems


def describe_point(lat: float, lon: float, radius_m: float = 150) -> str:
    """'Near Strand Street' for messages and pages, or the coordinates when no street is near."""
    found: list[Any] = nearby(lat, lon, radius_m, limit=1)
    return gettext("Near %(street)s", street=found[0].label) if found else f"{lat:.5f}, {lon:.5f}"
