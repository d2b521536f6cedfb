"""Property tests: random bytes and random rows thrown at every reader. Only ReaderError may escape,
and well-formed random CSV and JSON come back exactly as written."""

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicapps.feeds.datasets import COERCERS, Invalid
from civicapps.feeds.errors import ReaderError
from civicapps.feeds.readers.api_readers import ArcGisReader, CkanReader, SocrataReader
from civicapps.feeds.readers.csv_reader import CsvReader
from civicapps.feeds.readers.feed_reader import FeedReader
from civicapps.feeds.readers.json_reader import GeoJsonReader, JsonReader

DOCUMENT_READERS = [CsvReader(), JsonReader(), GeoJsonReader(), FeedReader()]
PAGED_READERS = [ArcGisReader(), CkanReader(), SocrataReader()]
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def only_reader_errors(run):
    try:
        return run()
    except ReaderError:
        return None


@pytest.mark.parametrize("reader", DOCUMENT_READERS, ids=lambda r: r.format)
@FAST
@given(data=st.binary(max_size=2000))
def test_random_bytes(reader, data):
    only_reader_errors(lambda: list(reader.parse(data, {})))


@pytest.mark.parametrize("reader", PAGED_READERS, ids=lambda r: r.format)
@FAST
@given(data=st.binary(max_size=2000) | json_values.map(lambda v: json.dumps(v).encode()))
def test_random_pages(reader, data):
    only_reader_errors(lambda: reader.parse_page(data, {"page_size": 10}))


@pytest.mark.parametrize("reader", [JsonReader(), GeoJsonReader()], ids=lambda r: r.format)
@FAST
@given(document=json_values)
def test_random_json_documents(reader, document):
    only_reader_errors(lambda: list(reader.parse(json.dumps(document).encode(), {})))


cell = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r"), max_size=15)


@FAST
@given(
    header=st.lists(st.text(alphabet="abcdefghij_", min_size=1, max_size=6), min_size=1, max_size=5, unique=True),
    rows=st.lists(st.lists(cell, min_size=5, max_size=5), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
def test_random_csv_rows_round_trip(header, rows, delimiter):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    rows = [row[: len(header)] for row in rows if any(c.strip() for c in row[: len(header)])]
    writer.writerows(rows)
    parsed = list(CsvReader().parse(buffer.getvalue().encode(), {"delimiter": delimiter, "header_row": 1}))
    assert [list(r.fields.values()) for r in parsed] == rows


@FAST
@given(rows=st.lists(st.lists(cell, max_size=6), max_size=10))
def test_random_csv_rows_any_shape(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    only_reader_errors(lambda: list(CsvReader().parse(buffer.getvalue().encode("utf-8"), {})))


@FAST
@given(records=st.lists(st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=5), max_size=8))
def test_random_json_records_are_all_read(records):
    assert len(list(JsonReader().parse(json.dumps(records).encode(), {}))) == len(records)


@FAST
@given(titles=st.lists(st.text(max_size=30), max_size=5))
def test_random_rss_items(titles):
    escape = lambda t: t.replace("&", "&amp;").replace("<", "&lt;")  # noqa: E731
    items = "".join(f"<item><title>{escape(t)}</title><guid>{i}</guid></item>" for i, t in enumerate(titles))
    doc = f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode(
        "utf-8", "replace"
    )
    only_reader_errors(lambda: list(FeedReader().parse(doc, {})))


@FAST
@given(value=st.text(max_size=30) | json_values, kind=st.sampled_from(sorted(COERCERS, key=lambda t: t.__name__)))
def test_field_coercion_refuses_with_invalid_only(value, kind):
    try:
        COERCERS[kind](value, ())
    except Invalid:
        pass
