"""JSON documents whose records sit somewhere inside (``records = "result.records"``), and GeoJSON."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from civicapps.errors import CivicappsError
from civicapps.feeds.errors import ReaderError
from civicapps.feeds.readers import RawRecord, Reader, flatten, object_records, text_of
from civicapps.geo.projection import normalise_crs


def load_json(data: bytes, what: str, encoding: str | None = None) -> Any:
    """Parse a JSON document, turning every way it can be broken into a ReaderError."""
    text = text_of(data, what, encoding)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        ending = " (the document is truncated)" if exc.pos >= len(text.rstrip()) else ""
        raise ReaderError(
            f"The {what} is not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}{ending}."
        ) from None
    except RecursionError:
        raise ReaderError(f"The {what} is nested too deeply to read.") from None


def at_path(document: Any, path: str | None, what: str) -> Any:
    """The value at a dotted path such as ``result.records`` or ``data.0.items`` (empty: the document)."""
    value = document
    for part in (path or "").split("."):
        if not part or part == "$":
            continue
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        else:
            raise ReaderError(f"The {what} has nothing at {path!r} (stopped at {part!r}); check options.records.")
    return value


def records_of(value: Any, what: str, path: str | None) -> list[Any]:
    if isinstance(value, dict) and not path:
        # Common wrappers, so most APIs need no options at all.
        for key in ("records", "results", "items", "data", "features"):
            if isinstance(value.get(key), list):
                return value[key]
    if not isinstance(value, list):
        raise ReaderError(
            f"The {what} holds {type(value).__name__} at {path or 'its top level'}, not a list of records; "
            "set options.records."
        )
    return value


class JsonReader(Reader):
    format = "json"
    options = {
        "records": "dotted path to the list of records, e.g. result.records "
        "(default: the top-level list or a records/results/items/data list)",
        "encoding": "text encoding; default UTF-8, falling back to Windows-1252",
    }

    def parse(self, data: bytes, options: Mapping[str, Any]) -> Iterator[RawRecord]:
        document = load_json(data, "JSON", options.get("encoding"))
        items = records_of(at_path(document, options.get("records"), "JSON"), "JSON", options.get("records"))
        yield from object_records(items)


class GeoJsonReader(Reader):
    format = "geojson"
    options = {
        "crs": "coordinate system of the geometries when not WGS84 (old-style GeoJSON), e.g. EPSG:27700",
        "encoding": "text encoding; default UTF-8",
    }

    def parse(self, data: bytes, options: Mapping[str, Any]) -> Iterator[RawRecord]:
        document = load_json(data, "GeoJSON", options.get("encoding"))
        if isinstance(document, dict) and document.get("type") == "Feature":
            document = {"type": "FeatureCollection", "features": [document]}
        if not isinstance(document, dict) or not isinstance(document.get("features"), list):
            raise ReaderError('The GeoJSON is not a FeatureCollection (no "features" list).')
        crs = _crs(options.get("crs") or _named_crs(document))
        for position, feature in enumerate(document["features"], start=1):
            yield geojson_record(position, feature, crs)


def geojson_record(position: int, feature: Any, crs: str | None) -> RawRecord:
    """One GeoJSON Feature (also used by the ArcGIS and Socrata readers)."""
    if not isinstance(feature, dict):
        return RawRecord(position, {}, problem="is not a GeoJSON Feature object")
    properties = feature.get("properties")
    fields = flatten(properties) if isinstance(properties, dict) else {}
    if "id" in feature and "id" not in fields:
        fields["id"] = feature["id"]
    geometry = feature.get("geometry")
    return RawRecord(position, fields, geometry if isinstance(geometry, dict) else None, crs)


def _named_crs(document: dict[str, Any]) -> str | None:
    crs = document.get("crs")
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        name = str(crs["properties"].get("name", ""))
        if "CRS84" in name.upper():
            return None
        return name.rsplit(":", 1)[-1] or None
    return None


def _crs(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        crs = normalise_crs(value)
    except CivicappsError as exc:
        raise ReaderError(str(exc)) from None
    return None if crs == "EPSG:4326" else crs
