"""Paged open-data APIs: ArcGIS REST FeatureServer, CKAN DataStore and Socrata SODA.

Each asks for one page at a time (offset + page size) until the server says there is no more, with
a hard page limit so a server that never says so cannot loop us forever. Only the first page is a
conditional request: ArcGIS and Socrata derive their ETags from the dataset's version, so a 304 there
means nothing changed; CKAN sends none, so a CKAN feed is re-read (and then costs no writes).
APIs report errors inside a 200 response; those become a :class:`ReaderError` with the API's message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from civicapps.feeds.errors import ReaderError
from civicapps.feeds.readers import RawRecord, Reader, Source, flatten, object_records
from civicapps.feeds.readers.json_reader import at_path, geojson_record, load_json

MAX_PAGES = 10_000


class PagedReader(Reader):
    """Shared paging loop; subclasses build each page's request and read its answer."""

    single_document = False
    default_page_size = 1000

    def page_size(self, options: Mapping[str, Any]) -> int:
        size = options.get("page_size") or self.default_page_size
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ReaderError(f"options.page_size must be a whole number above 0, not {size!r}.")
        return size

    def read(self, source: Source) -> Iterator[RawRecord]:
        size = self.page_size(source.options)
        position = 0
        for page in range(MAX_PAGES):
            url, params = self.request(source.url, source.options, page * size, size)
            records, more = self.parse_page(source.fetch(url, params), source.options)
            for record in records:
                position += 1
                record.position = position
                yield record
            if not more or not records:
                return
        raise ReaderError(f"Stopped after {MAX_PAGES} pages: the API never said it had no more records.")

    def request(self, url: str, options: Mapping[str, Any], offset: int, size: int) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def parse_page(self, data: bytes, options: Mapping[str, Any]) -> tuple[list[RawRecord], bool]:
        """Records of one page and whether another page should be asked for."""
        raise NotImplementedError


class ArcGisReader(PagedReader):
    format = "arcgis"
    options = {
        "where": "SQL filter (default 1=1)",
        "out_fields": "fields to return (default *)",
        "page_size": "records per request (default 1000; keep at or under the layer's maxRecordCount)",
        "out_sr": "spatial reference to ask for (default 4326, so no reprojection is needed)",
    }

    def request(self, url: str, options: Mapping[str, Any], offset: int, size: int) -> tuple[str, dict[str, Any]]:
        params = {
            "where": options.get("where", "1=1"),
            "outFields": options.get("out_fields", "*"),
            "outSR": options.get("out_sr", 4326),
            "returnGeometry": "true",
            "orderByFields": options.get("order_by", ""),
            "resultOffset": offset,
            "resultRecordCount": size,
            "f": "json",
        }
        return url.rstrip("/") + "/query", {k: v for k, v in params.items() if v != ""}

    def parse_page(self, data: bytes, options: Mapping[str, Any]) -> tuple[list[RawRecord], bool]:
        document = _object(load_json(data, "ArcGIS answer"), "ArcGIS answer")
        _api_error(document.get("error"), "ArcGIS")
        features = document.get("features")
        if not isinstance(features, list):
            raise ReaderError(
                'The ArcGIS answer has no "features" list; is the URL a FeatureServer layer (…/FeatureServer/0)?'
            )
        reference = document.get("spatialReference") or {}
        wkid = (reference.get("latestWkid") or reference.get("wkid")) if isinstance(reference, dict) else None
        crs = None if wkid in (None, 4326) else f"EPSG:{3857 if wkid == 102100 else wkid}"
        records = [_arcgis_record(i, f, crs) for i, f in enumerate(features, start=1)]
        return records, bool(document.get("exceededTransferLimit"))


def _arcgis_record(position: int, feature: Any, crs: str | None) -> RawRecord:
    if not isinstance(feature, dict):
        return RawRecord(position, {}, problem="is not an ArcGIS feature object")
    attributes = feature.get("attributes")
    fields = flatten(attributes) if isinstance(attributes, dict) else {}
    return RawRecord(position, fields, _esri_geometry(feature.get("geometry")), crs)


def _esri_geometry(geometry: Any) -> dict[str, Any] | None:
    """Esri JSON geometry as GeoJSON: points, multipoints, polylines and polygons."""
    if not isinstance(geometry, dict):
        return None
    if "x" in geometry and "y" in geometry:
        return {"type": "Point", "coordinates": [geometry["x"], geometry["y"]]}
    for key, kind in (("rings", "Polygon"), ("paths", "MultiLineString"), ("points", "MultiPoint")):
        if isinstance(geometry.get(key), list):
            return {"type": kind, "coordinates": geometry[key]}
    return None


class CkanReader(PagedReader):
    format = "ckan"
    options = {
        "resource_id": "the DataStore resource id (required)",
        "page_size": "records per request (default 1000)",
        "filters": "JSON object of column filters, passed through",
    }

    def request(self, url: str, options: Mapping[str, Any], offset: int, size: int) -> tuple[str, dict[str, Any]]:
        if not options.get("resource_id"):
            raise ReaderError("A CKAN feed needs options.resource_id (the DataStore resource's id).")
        params: dict[str, Any] = {"resource_id": options["resource_id"], "limit": size, "offset": offset}
        if options.get("filters"):
            params["filters"] = options["filters"]
        base = url.rstrip("/")
        return (base if base.endswith("datastore_search") else base + "/api/3/action/datastore_search"), params

    def parse_page(self, data: bytes, options: Mapping[str, Any]) -> tuple[list[RawRecord], bool]:
        document = _object(load_json(data, "CKAN answer"), "CKAN answer")
        if document.get("success") is False:
            _api_error(document.get("error") or {"message": "success: false"}, "CKAN")
        result = at_path(document, "result", "CKAN answer")
        records = at_path(result, "records", "CKAN answer")
        if not isinstance(records, list):
            raise ReaderError("The CKAN answer's result.records is not a list.")
        total = result.get("total") if isinstance(result, dict) else None
        return object_records(records), len(records) >= self.page_size(options) and (
            not isinstance(total, int) or total > 0
        )


class SocrataReader(PagedReader):
    format = "socrata"
    options = {
        "page_size": "records per request (default 1000; SODA allows up to 50000)",
        "where": "SoQL $where filter",
        "order": "SoQL $order (default :id, which paging needs to be stable)",
    }

    def request(self, url: str, options: Mapping[str, Any], offset: int, size: int) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {"$limit": size, "$offset": offset, "$order": options.get("order", ":id")}
        if options.get("where"):
            params["$where"] = options["where"]
        return url, params

    def parse_page(self, data: bytes, options: Mapping[str, Any]) -> tuple[list[RawRecord], bool]:
        document = load_json(data, "Socrata answer")
        if isinstance(document, dict):
            if document.get("error") or "message" in document:
                _api_error({"message": document.get("message", "error")}, "Socrata")
            if document.get("type") == "FeatureCollection" and isinstance(document.get("features"), list):
                features = document["features"]
                records = [geojson_record(i, f, None) for i, f in enumerate(features, start=1)]
                return records, len(records) >= self.page_size(options)
            raise ReaderError("The Socrata answer is not a list of rows (is the URL …/resource/<id>.json?).")
        if not isinstance(document, list):
            raise ReaderError("The Socrata answer is not a list of rows.")
        return object_records(document), len(document) >= self.page_size(options)


def _object(document: Any, what: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise ReaderError(f"The {what} is a JSON {type(document).__name__}, not an object.")
    return document


def _api_error(error: Any, api: str) -> None:
    if error:
        message = error.get("message") if isinstance(error, dict) else error
        details = error.get("details") if isinstance(error, dict) else None
        extra = f" ({'; '.join(map(str, details))})" if isinstance(details, list) and details else ""
        raise ReaderError(f"The {api} API answered with an error: {message}{extra}.")
