"""Import the ONS Postcode Directory (ONSPD/NSPL) or OS Code-Point Open into ``geo_postcode``.

Column names change between releases (``pcds``/``pcd7``, ``oseast1m``/``east1m``, ``osgrdind``...)
and Code-Point Open has no header row at all, so columns are found by a table of known aliases.
Postcodes without a grid reference (ONSPD quality 9 with its placeholder 99.999999 latitude, or
Code-Point quality 90) are stored without coordinates: they are known, just not placeable.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from civicapps.db import get_database
from civicapps.errors import CivicappsError
from civicapps.geo.models import Postcode
from civicapps.geo.postcodes import normalise_postcode
from civicapps.geo.projection import BNG, to_wgs84
from civicapps.upsert import upsert

ALIASES: dict[str, tuple[str, ...]] = {
    "postcode": ("pcds", "pcd", "pcd2", "pcd7", "pcd8", "postcode", "pc"),
    "latitude": ("lat", "latitude"),
    "longitude": ("long", "longitude", "lon", "lng"),
    "easting": ("oseast1m", "east1m", "eastings", "easting", "ea", "x"),
    "northing": ("osnrth1m", "north1m", "northings", "northing", "no", "y"),
    "quality": ("osgrdind", "pq", "positional_quality_indicator", "quality"),
    "terminated": ("doterm", "date_of_termination"),
}
#: Code-Point Open CSVs have no header; its documented column order.
CODEPOINT_COLUMNS = ["pc", "pq", "ea", "no", "cy", "rh", "lh", "cc", "dc", "wc"]
NO_GRID_QUALITY = {9, 90}
BATCH = 5000


@dataclass
class ImportReport:
    """What ``civicapps postcodes import`` did."""

    kind: str
    imported: int = 0
    without_coordinates: int = 0
    terminated: int = 0
    skipped: int = 0
    skipped_examples: list[str] = field(default_factory=list)


def import_postcodes(app: Flask, path: Path, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Upsert every postcode in ``path``; safe to re-run with a newer release of the same file."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise CivicappsError(f"Cannot read {path}: {exc.strerror}.") from None
    with handle, io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline="") as text:
        rows = csv.reader(text)
        first = next(rows, None)
        if first is None:
            raise CivicappsError(f"{path} is empty.")
        if normalise_postcode(first[0]):
            header, kind, pending = CODEPOINT_COLUMNS, "Code-Point Open", [first]
        else:
            header, kind, pending = [h.strip().lower() for h in first], "ONS Postcode Directory", []
        columns = _columns(header, path)
        report = ImportReport(kind)
        with get_database(app).sessionmaker() as session:
            for batch in _batches(pending, rows, columns, report):
                upsert(session, Postcode.__table__, batch, ["postcode"])
                if progress:
                    progress(len(batch))
            session.commit()
    return report


def _columns(header: list[str], path: Path) -> dict[str, int]:
    found = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if alias in header:
                found[name] = header.index(alias)
                break
    if "postcode" not in found or not (
        {"latitude", "longitude"} <= found.keys() or {"easting", "northing"} <= found.keys()
    ):
        raise CivicappsError(
            f"{path} does not look like ONSPD or Code-Point Open: need a postcode column (pcds, pcd, pcd7...) and "
            f"lat/long or easting/northing columns (oseast1m/osnrth1m, east1m/north1m); found: {', '.join(header[:12])}"
        )
    return found


def _batches(
    pending: list[list[str]], rows: Iterator[list[str]], columns: dict[str, int], report: ImportReport
) -> Iterator[list[dict]]:
    batch: list[dict] = []
    grid: list[tuple[float, float]] = []
    source = "codepoint" if report.kind.startswith("Code") else "onspd"
    for row in itertools.chain(pending, rows):
        record = _record(row, columns, source, report)
        if record is None:
            continue
        record_grid = record.pop("_grid")
        batch.append(record)
        grid.append(record_grid)
        if len(batch) >= BATCH:
            yield _locate(batch, grid, report)
            batch, grid = [], []
    if batch:
        yield _locate(batch, grid, report)


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _record(row: list[str], columns: dict[str, int], source: str, report: ImportReport) -> dict | None:
    raw = _cell(row, columns, "postcode")
    postcode = normalise_postcode(raw)
    if postcode is None:
        report.skipped += 1
        if len(report.skipped_examples) < 5:
            report.skipped_examples.append(raw or "(blank)")
        return None
    quality = _number(_cell(row, columns, "quality"))
    lat, lon = _number(_cell(row, columns, "latitude")), _number(_cell(row, columns, "longitude"))
    east, north = _number(_cell(row, columns, "easting")), _number(_cell(row, columns, "northing"))
    placeable = quality not in NO_GRID_QUALITY
    if lat is not None and lon is not None and (abs(lat) > 90 or abs(lon) > 180):
        placeable = False  # ONSPD's 99.999999 placeholder
    if not east or not north:  # Code-Point uses 0,0 for "no grid reference"
        east = north = None
    terminated = _cell(row, columns, "terminated") or None
    report.terminated += terminated is not None
    return {
        "postcode": postcode,
        "latitude": lat if placeable else None,
        "longitude": lon if placeable else None,
        "quality": int(quality) if quality is not None else None,
        "terminated": terminated,
        "source": source,
        "_grid": (east, north) if placeable and (lat is None or lon is None) and east is not None else (None, None),
    }


def _locate(batch: list[dict], grid: list[tuple[float | None, float | None]], report: ImportReport) -> list[dict]:
    """Fill latitude/longitude from easting/northing (Code-Point has no lat/long) in one vectorised call."""
    needs = [i for i, (e, _n) in enumerate(grid) if e is not None]
    if needs:
        points = to_wgs84([grid[i][0] for i in needs], [grid[i][1] for i in needs], BNG)
        for i, point in zip(needs, points, strict=True):
            if point is not None:
                batch[i]["longitude"], batch[i]["latitude"] = point
    report.imported += len(batch)
    report.without_coordinates += sum(1 for r in batch if r["latitude"] is None)
    return batch
