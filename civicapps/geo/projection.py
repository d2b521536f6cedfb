"""Coordinates from any CRS to WGS84 longitude/latitude, in bulk.

British National Grid (EPSG:27700) is the common case in UK council data. PROJ only reaches OS's
definitive OSTN15 transformation when the grid file is installed; without it pyproj silently falls
back to a Helmert transform that is 1-5 m out. convertbng embeds OSTN15, so BNG goes through it
(ETRS89, which OS and EPSG:4326 treat as WGS84); points outside the OSTN15 area and every other CRS
go through pyproj. Everything is vectorised: a 100,000-row feed converts in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from convertbng.cutil import convert_lonlat
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError

from civicapps.errors import CivicappsError

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"


def normalise_crs(crs: str | int) -> str:
    """``27700``, ``"epsg:27700"`` or ``"EPSG:27700"`` -> ``"EPSG:27700"``; raises CivicappsError if unknown."""
    text = str(crs).strip()
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        authority = CRS.from_user_input(text).to_authority()
    except CRSError:
        raise CivicappsError(
            f"Unknown coordinate reference system {crs!r}; use an EPSG code such as EPSG:27700."
        ) from None
    return f"{authority[0]}:{authority[1]}" if authority else text


@lru_cache(maxsize=32)
def _transformer(crs: str) -> Transformer:
    return Transformer.from_crs(crs, WGS84, always_xy=True)


def to_wgs84(xs: Sequence[float], ys: Sequence[float], crs: str) -> list[tuple[float, float] | None]:
    """Longitude/latitude for each (x, y); ``None`` where the input is missing or lands off the globe.

    ``xs``/``ys`` are easting/northing (or longitude/latitude for geographic CRSs), in the axis order
    GIS files use. NaN marks a missing input.
    """
    crs = normalise_crs(crs)
    if not xs:
        return []
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    if crs == WGS84:
        lon, lat = x, y
    elif crs == BNG:
        lon, lat = (np.asarray(a, dtype=float) for a in convert_lonlat(x, y))
        outside = np.isnan(lon) & ~np.isnan(x) & ~np.isnan(y)
        if outside.any():  # beyond the OSTN15 area: Helmert is the best there is
            lon[outside], lat[outside] = _transformer(crs).transform(x[outside], y[outside])
    else:
        lon, lat = _transformer(crs).transform(x, y)
    valid = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    lon, lat = np.round(lon, 7), np.round(lat, 7)  # 1 cm: more digits are noise, and would churn hashes
    return [(a, b) if ok else None for a, b, ok in zip(lon.tolist(), lat.tolist(), valid.tolist(), strict=True)]


@lru_cache(maxsize=1)
def _geod() -> Geod:
    return Geod(ellps="WGS84")


def distances_m(lon: float, lat: float, points: Sequence[tuple[float, float]]) -> list[float]:
    """Geodesic distance in metres from (lon, lat) to each point (WGS84 ellipsoid, exact anywhere)."""
    if not points:
        return []
    lons = np.asarray([p[0] for p in points], dtype=float)
    lats = np.asarray([p[1] for p in points], dtype=float)
    _, _, dist = _geod().inv(np.full_like(lons, lon), np.full_like(lats, lat), lons, lats)
    return [float(d) for d in np.atleast_1d(dist)]
