"""Mapping source columns to canonical fields, validation that names feed, line, field and reason,
and feed configuration checked at startup."""

import datetime as dt

import pytest
from feeds_support import planning_app_fixture, planning_feed, records  # noqa: F401 - the planning_app fixture

from civicapps import StartupError
from civicapps.errors import CivicappsError
from civicapps.feeds import pull_feed
from civicapps.feeds.datasets import Invalid, _to_date
from civicapps.feeds.mapping import compile_spec
from civicapps.feeds.registry import parse_duration


def value(spec, fields, values=None):
    return compile_spec(spec, "test").get(fields, values or {})


def test_transforms():
    details = "  Erection of a shed  12 Mill Road\\nPeel\\nIsle Of Man\\nim5 1aa\\n "
    assert value("Ref", {"Ref": "  24/1/B "}) == "24/1/B"
    assert (
        value({"column": "D", "replace": {"\\n": " "}, "squash": True}, {"D": details})
        == "Erection of a shed 12 Mill Road Peel Isle Of Man im5 1aa"
    )
    assert value({"column": "D", "replace": {"\\n": " "}, "extract": "postcode"}, {"D": details}) == "IM5 1AA"
    assert (
        value({"columns": ["a", "b", "c"], "join": ", "}, {"a": "1 High St", "b": " ", "c": "Douglas"})
        == "1 High St, Douglas"
    )
    assert value({"column": "D", "regex": r"^(?P<value>.*?)\s+\d+ Mill"}, {"D": details}) == "Erection of a shed"
    assert value({"column": "D", "regex": r"no match here"}, {"D": details}) == ""
    assert value({"column": "LA", "case": "title"}, {"LA": "ISLE OF MANS"}) == "Isle Of Mans"
    assert value({"column": "missing", "default": "unknown"}, {}) == "unknown"
    assert value({"value": "Isle of Man Government"}, {}) == "Isle of Man Government"
    assert value({"field": "postcode"}, {}, {"postcode": "IM1 1AA"}) == "IM1 1AA"


def test_object_keeps_several_columns_as_one_json_object():
    spec = {"object": {"street": "Street", "works": {"column": "Works", "squash": True}, "none": "Blank"}}
    text = value(spec, {"Street": " Mill Road ", "Works": "Gas  main", "Blank": "  "})
    assert text == '{"none": null, "street": "Mill Road", "works": "Gas main"}'
    with pytest.raises(CivicappsError, match=r"test.object.works: unknown key"):
        compile_spec({"object": {"works": {"colum": "Works"}}}, "test")
    with pytest.raises(CivicappsError, match="object must be a table"):
        compile_spec({"object": "Street"}, "test")


def test_labels_put_published_codes_into_words():
    """Issue #13 item 6: residents saw "Type B" and "PCO"; each preset's labels give the words."""
    types = {"FUL": "Full planning permission", "B": "Full planning application"}
    assert value({"column": "T", "labels": types}, {"T": " ful "}) == "Full planning permission"
    by_suffix = {"column": "R", "regex": r"/([A-Z]+)$", "labels": types}
    assert value(by_suffix, {"R": "24/91225/B"}) == "Full planning application"
    assert value({"column": "T", "labels": types}, {"T": "XYZ"}) == "XYZ", "an unlisted code passes through"
    assert value({"column": "T", "labels": types, "default": "not given"}, {"T": ""}) == "not given"
    with pytest.raises(CivicappsError, match="labels must be a table"):
        compile_spec({"column": "T", "labels": ["FUL"]}, "test")


@pytest.mark.parametrize(
    "text, formats, expected",
    [
        ("16 Mar 2023", (), dt.date(2023, 3, 16)),
        ("8 May 2024", ("%d %b %Y",), dt.date(2024, 5, 8)),
        ("2024-11-08", (), dt.date(2024, 11, 8)),
        ("08/05/2024", (), dt.date(2024, 5, 8)),
        ("2024-05-08T10:30:00Z", (), dt.date(2024, 5, 8)),
        ("8 September 2024", (), dt.date(2024, 9, 8)),
    ],
)
def test_uk_date_spellings(text, formats, expected):
    assert _to_date(text, formats) == expected


def test_bad_date_names_what_was_expected():
    with pytest.raises(Invalid, match=r"'31/02/2024' is not a date such as 2024-05-08"):
        _to_date("31/02/2024", ())
    with pytest.raises(Invalid, match=r"'2024-05-08' is not %d %b %Y"):
        _to_date("2024-05-08", ("%d %b %Y",))


def test_bad_rows_are_reported_with_feed_line_field_and_reason_and_skipped(planning_app, civic_feed_server):
    body = (
        'ref,desc,date\n1,Shed,1 Jun 2023\n2,Porch,sometime\n3,,2 Jun 2023\n4,"' + "x" * 10 + '",3 Jun 2023\n5,Garage\n'
    )
    url = civic_feed_server.add("/v.csv", body)
    mapping = {"reference": "ref", "description": "desc", "received": "date"}
    app = planning_app(feeds={"v": planning_feed(url, mapping)})
    result = pull_feed(app, "v")
    assert (result.read, result.ingested, result.skipped) == (5, 2, 3)
    assert [str(i) for i in result.issues] == [
        "v: record 3, field 'received': 'sometime' is not a date such as 2024-05-08, 08/05/2024 or 8 May 2024",
        "v: record 4, field 'description': is required but empty (from desc)",
        "v: record 6: has 2 cells where the header has 3",
    ]
    assert set(records(app)) == {("T", "1"), ("T", "4")}
    too_long = planning_app(feeds={"v": planning_feed(url, {**mapping, "local_authority": {"value": "L" * 101}})})
    assert "over the limit of 100" in str(pull_feed(too_long, "v").issues[0])


@pytest.mark.parametrize(
    "feed, message",
    [
        ({"dataset": "nope.things"}, "Feed 'f': unknown dataset 'nope.things'; known datasets: planning.application."),
        (
            {"format": "xls"},
            "Feed 'f': unknown format 'xls'; known formats: arcgis, ckan, csv, geojson, json, rss, socrata.",
        ),
        (
            {"options": {"delimeter": ";"}},
            "Feed 'f': unknown option(s) delimeter for format 'csv'; known: columns, delimiter, encoding, header_row.",
        ),
        (
            {"mapping": {"reference": "r", "description": "d", "colour": "c"}},
            "mapping names 'colour', which dataset planning.application does not have",
        ),
        (
            {"mapping": {"reference": "r"}},
            "mapping does not fill required field(s) description of planning.application.",
        ),
        (
            {"authority": None},
            "mapping does not fill required field(s) authority of planning.application (or set authority).",
        ),
        (
            {"mapping": {"reference": {"column": "r", "regex": "("}, "description": "d"}},
            "mapping.reference: regex '(' is not valid",
        ),
        ({"location": {"x": "e"}}, "location: x and y go together."),
        ({"location": {"x": "e", "y": "n", "crs": "EPSG:999999"}}, "Unknown coordinate reference system 'EPSG:999999'"),
        ({"interval": "fortnightly"}, "'interval': 'fortnightly' is not a duration such as 30m, 6h, 1d or 1h30m"),
        ({"urll": "x"}, "unknown setting 'urll'"),
    ],
)
def test_feed_configuration_is_checked_at_startup(planning_app, feed, message):
    config = {
        "dataset": "planning.application",
        "format": "csv",
        "url": "/tmp/f.csv",
        "authority": "T",
        "mapping": {"reference": "r", "description": "d"},
        **feed,
    }
    with pytest.raises(StartupError) as caught:
        planning_app(feeds={"f": config})
    assert message in str(caught.value)


def test_durations():
    assert parse_duration("1h30m") == dt.timedelta(minutes=90)
    assert parse_duration("2d") == dt.timedelta(days=2)
    assert parse_duration(300) == dt.timedelta(minutes=5)
