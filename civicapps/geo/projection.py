"""Coordinates between any CRS and WGS84 longitude/latitude, in bulk, and distances between points.

British National Grid (EPSG:27700) is the common case in UK council data. PROJ only reaches OS's
definitive OSTN15 transformation when the grid file is installed; without it pyproj silently falls
back to a Helmert transform that is 1-5 m out. convertbng embeds OSTN15, so BNG goes through it, both
ways (ETRS89, which OS and EPSG:4326 treat as WGS84); points outside the OSTN15 area and every other
CRS go through pyproj. Every conversion in civicapps and its plugins goes through :func:`to_wgs84`
or :func:`from_wgs84`, and every geodesic distance through :func:`distances_m`, so two parts never
disagree by a few metres about where something is. Everything is vectorised: a 100,000-row feed
converts in a fraction of a second, a million subscriptions in under half a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from convertbng.cutil import convert_bng, convert_lonlat
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError

from civicapps.errors import CivicappsError

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"


@lru_cache(maxsize=64)
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


@lru_cache(maxsize=32)
def _transformer_from_wgs84(crs: str) -> Transformer:
    return Transformer.from_crs(WGS84, crs, always_xy=True)


def to_wgs84(xs: npt.ArrayLike, ys: npt.ArrayLike, crs: str | int) -> list[tuple[float, float] | None]:
    """Longitude/latitude for each (x, y); ``None`` where the input is missing or lands off the globe.

    ``xs``/``ys`` (sequences or numpy arrays) are easting/northing (or longitude/latitude for
    geographic CRSs), in the axis order GIS files use; NaN marks a missing input. ``crs`` is an EPSG
    code (``27700``, ``"EPSG:27700"``). British National Grid goes through OS's OSTN15, exact to the
    millimetre; answers are rounded to 7 decimal places (1 cm).
    """
    crs = normalise_crs(crs)
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    if x.size == 0:
        return []
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


def from_wgs84(lons: npt.ArrayLike, lats: npt.ArrayLike, crs: str | int) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) arrays in ``crs`` for each longitude/latitude: :func:`to_wgs84` the other way round,
    through OSTN15 for British National Grid. NaN (or inf) where a point cannot be placed."""
    crs = normalise_crs(crs)
    lon = np.atleast_1d(np.asarray(lons, dtype=float))
    lat = np.atleast_1d(np.asarray(lats, dtype=float))
    if crs == WGS84:
        return lon.copy(), lat.copy()
    if crs == BNG:
        x, y = (np.asarray(a, dtype=float) for a in convert_bng(lon, lat))
        outside = np.isnan(x) & np.isfinite(lon) & np.isfinite(lat)
        if outside.any():  # beyond the OSTN15 area: Helmert is the best there is
            x[outside], y[outside] = _transformer_from_wgs84(crs).transform(lon[outside], lat[outside])
        return x, y
    x, y = _transformer_from_wgs84(crs).transform(lon, lat)
    return np.atleast_1d(np.asarray(x, dtype=float)), np.atleast_1d(np.asarray(y, dtype=float))


@lru_cache(maxsize=1)
def _geod() -> Geod:
    return Geod(ellps="WGS84")


def distances_m(lon: float, lat: float, points: Sequence[tuple[float, float]]) -> list[float]:
    """Geodesic distance in metres from (lon, lat) to each (lon, lat) point, on the WGS84 ellipsoid:
    exact anywhere, so the distance a resident is shown is the one that decided a match."""
    if not points:
        return []
    lons = np.asarray([p[0] for p in points], dtype=float)
    lats = np.asarray([p[1] for p in points], dtype=float)
    _, _, dist = _geod().inv(np.full_like(lons, lon), np.full_like(lats, lat), lons, lats)
    return [float(d) for d in np.atleast_1d(dist)]
