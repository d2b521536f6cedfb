"""Every reader ingests a real-shaped sample served over HTTP on 127.0.0.1, and the second pull of
an unchanged feed is answered with a single 304. Plus the messy-CSV cases councils actually send."""

import hashlib
import json

import pytest
from feeds_support import count, planning_app_fixture, records  # noqa: F401 - the planning_app fixture

from civicapps.feeds import pull_feed
from civicapps.feeds.errors import ReaderError
from civicapps.feeds.readers.csv_reader import CsvReader
from civicapps.feeds.readers.feed_reader import FeedReader
from civicapps.feeds.readers.json_reader import JsonReader

BASE = {"reference": "ref", "description": "desc"}
ROWS = [
    {"ref": "A/1", "desc": "Loft conversion", "lat": 54.15, "lon": -4.48, "e": 530624.974, "n": 178388.464},
    {"ref": "A/2", "desc": "New porch", "lat": 54.16, "lon": -4.49, "e": 438710.920, "n": 114792.250},
    {"ref": "A/3", "desc": "Two-storey extension", "lat": 54.17, "lon": -4.50, "e": 389544.190, "n": 261912.153},
    {"ref": "A/4", "desc": "Change of use to café", "lat": 54.18, "lon": -4.51, "e": 422242.186, "n": 433818.701},
    {"ref": "A/5", "desc": "Demolition of garage", "lat": 54.19, "lon": -4.52, "e": 357455.843, "n": 383290.436},
]


def paged(page_body, content_type="application/json"):
    """A paged API endpoint: page_body(offset, limit) -> bytes; ETag per page, 304 when unchanged."""

    def handler(request):
        data = page_body(request.query)
        tag = '"' + hashlib.sha1(data).hexdigest() + '"'
        if request.headers.get("If-None-Match") == tag:
            return 304, content_type, b""
        return 200, content_type, data, tag

    return handler


def _page(query, offset_key, limit_key):
    offset, limit = int(query[offset_key][0]), int(query[limit_key][0])
    return ROWS[offset : offset + limit], offset + limit < len(ROWS)


def csv_sample(server):
    text = "Weekly list of planning applications\r\n\r\nref;desc;e;n\r\n" + "".join(
        f"{r['ref']};{r['desc']};{r['e']};{r['n']}\r\n" for r in ROWS
    )
    url = server.add("/list.csv", text.encode("cp1252"))
    return {"url": url, "format": "csv", "mapping": BASE, "location": {"x": "e", "y": "n", "crs": "EPSG:27700"}}


def json_sample(server):
    body = json.dumps({"success": True, "result": {"records": [{"app": r} for r in ROWS]}})
    url = server.add("/apps.json", body, content_type="application/json")
    return {
        "url": url,
        "format": "json",
        "options": {"records": "result.records"},
        "mapping": {"reference": "app.ref", "description": "app.desc"},
        "location": {"latitude": "app.lat", "longitude": "app.lon"},
    }


def geojson_sample(server):
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]}, "properties": r}
        for r in ROWS
    ]
    url = server.add(
        "/apps.geojson",
        json.dumps({"type": "FeatureCollection", "features": features}),
        content_type="application/geo+json",
    )
    return {"url": url, "format": "geojson", "mapping": BASE}


def rss_sample(server):
    items = "".join(
        f"<item><title>{r['desc']}</title><guid>{r['ref']}</guid><link>https://planning.example/{r['ref']}</link>"
        f"<pubDate>Mon, 06 Nov 2023 10:00:00 GMT</pubDate><georss:point>{r['lat']} {r['lon']}</georss:point></item>"
        for r in ROWS
    )
    body = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:georss="http://www.georss.org/georss"><channel><title>Applications</title>{items}</channel></rss>'
    url = server.add("/apps.rss", body, content_type="application/rss+xml")
    return {
        "url": url,
        "format": "rss",
        "mapping": {"reference": "id", "description": "title", "url": "link", "received": "published"},
    }


def arcgis_sample(server):
    def page(query):
        rows, more = _page(query, "resultOffset", "resultRecordCount")
        assert query["f"] == ["json"] and query["outFields"] == ["*"]
        features = [
            {"attributes": {"REFVAL": r["ref"], "PROPOSAL": r["desc"]}, "geometry": {"x": r["e"], "y": r["n"]}}
            for r in rows
        ]
        return json.dumps(
            {
                "spatialReference": {"wkid": 27700, "latestWkid": 27700},
                "features": features,
                "exceededTransferLimit": more,
            }
        ).encode()

    server.add("/arcgis/rest/services/Planning/FeatureServer/0/query", handler=paged(page))
    return {
        "url": server.url("/arcgis/rest/services/Planning/FeatureServer/0"),
        "format": "arcgis",
        "options": {"page_size": 2, "out_sr": 27700},
        "mapping": {"reference": "REFVAL", "description": "PROPOSAL"},
    }


def ckan_sample(server):
    def page(query):
        rows, _ = _page(query, "offset", "limit")
        assert query["resource_id"] == ["8f1c-planning"]
        return json.dumps({"success": True, "result": {"records": rows, "total": len(ROWS), "fields": []}}).encode()

    server.add("/api/3/action/datastore_search", handler=paged(page))
    return {
        "url": server.url(""),
        "format": "ckan",
        "options": {"resource_id": "8f1c-planning", "page_size": 2},
        "mapping": BASE,
        "location": {"latitude": "lat", "longitude": "lon"},
    }


def socrata_sample(server):
    def page(query):
        rows, _ = _page(query, "$offset", "$limit")
        assert query["$order"] == [":id"]
        return json.dumps(
            [{**r, "location": {"type": "Point", "coordinates": [r["lon"], r["lat"]]}} for r in rows]
        ).encode()

    server.add("/resource/fyu9-iy3v.json", handler=paged(page))
    return {
        "url": server.url("/resource/fyu9-iy3v.json"),
        "format": "socrata",
        "options": {"page_size": 2},
        "mapping": BASE,
        "location": {"geojson": "location"},
    }


SAMPLES = [csv_sample, json_sample, geojson_sample, rss_sample, arcgis_sample, ckan_sample, socrata_sample]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.__name__.removesuffix("_sample"))
def test_each_reader_ingests_over_http_and_an_unchanged_feed_is_one_304(planning_app, civic_feed_server, sample):
    feed = {"dataset": "planning.application", "authority": "Test Council", **sample(civic_feed_server)}
    app = planning_app(feeds={"sample": feed})
    first = pull_feed(app, "sample")
    assert first.outcome == "ingested", first.error
    assert (first.read, first.new, first.skipped, first.warnings) == (5, 5, 0, 0), first.issues
    stored = records(app)
    assert stored[("Test Council", "A/4")].description == "Change of use to café"
    assert all(r.latitude is not None and r.longitude is not None for r in stored.values())
    second = pull_feed(app, "sample")
    assert second.outcome == "not_modified" and second.requests == 1
    assert count(app) == 5


def test_rss_dates_and_links_map_to_typed_fields(planning_app, civic_feed_server):
    app = planning_app(
        feeds={"rss": {"dataset": "planning.application", "authority": "T", **rss_sample(civic_feed_server)}}
    )
    pull_feed(app, "rss")
    record = records(app)[("T", "A/1")]
    assert str(record.received) == "2023-11-06" and record.url == "https://planning.example/A/1"
    assert (round(record.latitude, 2), round(record.longitude, 2)) == (54.15, -4.48)


@pytest.mark.parametrize(
    "data, delimiter",
    [(b"ref,desc\n1,a\n", ","), (b"ref;desc\n1;a\n", ";"), (b"ref\tdesc\n1\ta\n", "\t"), (b"ref|desc\n1|a\n", "|")],
    ids=["comma", "semicolon", "tab", "pipe"],
)
def test_csv_finds_the_delimiter(data, delimiter):
    [record] = CsvReader().parse(data, {})
    assert record.fields == {"ref": "1", "desc": "a"}


def test_csv_encodings_bom_and_windows_1252():
    utf8_bom = "\ufeffref,desc\n1,Café\n".encode("utf-8")
    cp1252 = "ref,desc\n1,“Café” £5\n".encode("cp1252")
    utf16 = "ref,desc\n1,Café\n".encode("utf-16")
    for data in (utf8_bom, utf16):
        assert [r.fields for r in CsvReader().parse(data, {})] == [{"ref": "1", "desc": "Café"}]
    assert [r.fields for r in CsvReader().parse(cp1252, {})] == [{"ref": "1", "desc": "“Café” £5"}]


def test_csv_wrong_declared_encoding_is_a_clear_error():
    data = "ref,desc\n1,ok\n2,“quoted”\n".encode("cp1252")
    with pytest.raises(
        ReaderError, match=r"not utf-8 text: byte 0x93 on line 3 cannot be decoded; set options.encoding"
    ):
        list(CsvReader().parse(data, {"encoding": "utf-8"}))


def test_csv_header_found_below_title_lines_and_line_numbers_are_physical():
    data = (
        b"Planning applications, week 23\n"
        b"\n"
        b'"Ref","Description","Date"\n'
        b'"1","Two\nlines","1 Jun 2023"\n'
        b'"2","x","2 Jun 2023"\n'
    )
    rows = list(CsvReader().parse(data, {}))
    assert [r.position for r in rows] == [4, 6]
    assert rows[0].fields["Description"] == "Two\nlines"


def test_csv_header_row_option_and_headerless_files():
    assert next(CsvReader().parse(b"junk,junk\nref,desc\n1,a\n", {"header_row": 2})).fields == {"ref": "1", "desc": "a"}
    row = next(CsvReader().parse(b"AB1 0AA,10,394251,806376\n", {"columns": ["pc", "pq", "ea", "no"]}))
    assert row.fields == {"pc": "AB1 0AA", "pq": "10", "ea": "394251", "no": "806376"}


def test_csv_ragged_row_is_reported_not_fatal():
    rows = list(CsvReader().parse(b"ref,desc\n1,a\n2\n3,c\n", {}))
    assert [r.problem for r in rows] == [None, "has 1 cells where the header has 2", None]


def test_csv_duplicate_and_blank_headers_get_names():
    [row] = CsvReader().parse(b"Date,Date,\n1,2,3\n", {})
    assert list(row.fields) == ["Date", "Date_2", "column_3"]


def test_json_records_path_and_errors():
    doc = b'{"data": {"items": [{"a": {"b": 1}}, 7]}}'
    rows = list(JsonReader().parse(doc, {"records": "data.items"}))
    assert rows[0].fields["a.b"] == 1 and rows[1].problem == "is a JSON int, not an object"
    with pytest.raises(ReaderError, match="has nothing at 'data.nope'"):
        list(JsonReader().parse(doc, {"records": "data.nope"}))
    with pytest.raises(ReaderError, match="truncated"):
        list(JsonReader().parse(doc[:20], {}))


def test_atom_is_read_by_the_rss_reader():
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>urn:1</id><title>Shed</title><updated>2024-05-08T09:00:00Z</updated></entry></feed>'
    [row] = FeedReader().parse(atom, {})
    assert row.fields["id"] == "urn:1" and row.fields["updated"] == "2024-05-08T09:00:00+00:00"
