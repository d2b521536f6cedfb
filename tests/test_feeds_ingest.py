"""Ingest: idempotent upsert on (authority, reference), versions on real change, nothing written for
unchanged rows, an event after commit, and whole-feed failures that leave stored data untouched."""

import csv
import io

import pytest
from feeds_support import (  # noqa: F401 - the planning_app fixture
    IOM_RAW,
    IOM_WEEKLY,
    count,
    iom_feed,
    planning_app_fixture,
    planning_feed,
    records,
)
from sqlalchemy import event, select

from civicapps import hookimpl
from civicapps.db import get_database
from civicapps.feeds import pull_feed
from civicapps.feeds.models import FeedState, RecordVersion
from civicapps.geo.postcodes import find_postcode


def state(app, name):
    with get_database(app).sessionmaker() as session:
        return session.get(FeedState, name)


def versions(app):
    with get_database(app).sessionmaker() as session:
        return session.scalars(select(RecordVersion).order_by(RecordVersion.id)).all()


def test_weekly_isle_of_man_file_upserts_repeats_and_reports_rows_without_postcode(planning_app, civic_feed_server):
    url = civic_feed_server.add("/iom-weekly.csv", IOM_WEEKLY.read_bytes())
    app = planning_app(feeds={"iom": iom_feed(url)})
    result = pull_feed(app, "iom")
    rows = list(csv.DictReader(io.StringIO(IOM_WEEKLY.read_text())))
    distinct = {r["PA Ref"] for r in rows}
    assert (result.read, result.skipped) == (len(rows), 0) == (2498, 0)
    assert count(app) == len(distinct) == 2313, "repeated references are upserted, not duplicated"
    assert (result.new, result.changed, result.unchanged, result.repeated) == (2313, 0, 0, 185)
    again = pull_feed(app, "iom", force=True)
    assert (again.new, again.changed, again.unchanged, again.repeated) == (0, 0, 2313, 185), (
        "re-listings are not changes"
    )
    assert versions(app) == []
    without = sum(1 for r in rows if find_postcode(r["Details"]) is None)
    assert without == 187 and result.reasons["warning - postcode: no postcode to place the row with"] == without
    placeable = sum(1 for r in rows if find_postcode(r["Details"]) in ("IM2 2QY", "IM1 2LW", "IM2 2EF"))
    assert result.warnings == len(rows) - placeable, "every row that could not be placed is reported"
    assert any(reason.startswith("warning - postcode: unknown postcode") for reason in result.reasons)
    assert all(i.severity == "warning" and i.field == "postcode" for i in result.issues)
    kept = records(app)
    placed = kept[("Isle of Man Government", "24/91042/B")]
    assert (placed.postcode, placed.latitude, placed.longitude) == ("IM2 2QY", 54.16731, -4.49732)
    assert str(placed.received) == "2024-10-31" and placed.local_authority == "Braddan"
    lost = [k for k in kept.values() if k.postcode is None]
    assert lost and all(k.latitude is None for k in lost), "rows without a postcode are kept, unplaced"
    assert state(app, "iom").rows_warned == result.warnings


def test_raw_file_with_literal_backslash_n_and_d_mon_yyyy_dates(planning_app, civic_feed_server):
    url = civic_feed_server.add("/raw.csv", IOM_RAW.read_bytes())
    mapping = {
        "reference": "Application Number",
        "description": {"column": "Details", "replace": {"\\n": " "}, "squash": True},
        "postcode": {"column": "Details", "replace": {"\\n": " "}, "extract": "postcode"},
        "received": {"column": "Date", "format": "%d %b %Y"},
    }
    app = planning_app(feeds={"raw": {**iom_feed(url), "mapping": mapping}})
    result = pull_feed(app, "raw")
    assert (result.read, result.new, result.skipped) == (22, 22, 0)
    first = records(app)[("Isle of Man Government", "23/00285/B")]
    assert first.postcode == "IM7 2EW" and str(first.received) == "2023-03-16"
    assert "\\n" not in first.description and first.description.endswith("St Judes Isle Of Man IM7 2EW")
    assert [(i.field, i.reason) for i in result.issues if i.position == 5] == [
        ("postcode", "no postcode to place the row with")
    ]


def _csv(rows):
    return "ref,desc,postcode\n" + "".join(f"{r},{d},{p}\n" for r, d, p in rows)


FEED = {
    "dataset": "planning.application",
    "format": "csv",
    "authority": "Test",
    "mapping": {"reference": "ref", "description": "desc", "postcode": {"column": "postcode", "extract": "postcode"}},
    "location": {"postcode": {"field": "postcode"}},
}


def test_second_pull_of_changed_file_versions_only_real_changes(planning_app, civic_feed_server):
    url = civic_feed_server.add("/l.csv", _csv([("1", "Shed", "SW1A 1AA"), ("2", "Porch", "EX16 5BL")]))
    seen = []
    listener = ("listener", type("L", (), {"on_records_ingested": hookimpl(lambda self, event: seen.append(event))})())
    app = planning_app(feeds={"l": {**FEED, "url": url}}, plugins=[listener])
    pull_feed(app, "l")
    before = records(app)
    civic_feed_server.add(
        "/l.csv", _csv([("1", "Shed", "SW1A 1AA"), ("2", "Porch and canopy", "EX16 5BL"), ("3", "Loft", "sw1a1aa")])
    )
    result = pull_feed(app, "l")
    after = records(app)
    assert (result.new, result.changed, result.unchanged) == (1, 1, 1)
    assert after[("Test", "1")].first_seen_at == before[("Test", "1")].first_seen_at
    assert after[("Test", "2")].first_seen_at == before[("Test", "2")].first_seen_at, "first_seen_at is set once"
    assert after[("Test", "2")].version == 2 and after[("Test", "1")].version == 1
    [old] = versions(app)
    assert (old.record_id, old.version, old.data["description"]) == (after[("Test", "2")].id, 1, "Porch")
    assert after[("Test", "3")].postcode == "SW1A 1AA" and after[("Test", "3")].latitude == 51.501009
    assert [(e.dataset, e.feed, len(e.new), e.changed) for e in seen] == [
        ("planning.application", "l", 2, ()),
        ("planning.application", "l", 1, (after[("Test", "2")].id,)),
    ]


def test_unchanged_rows_cost_no_writes(planning_app, civic_feed_server):
    url = civic_feed_server.add("/u.csv", _csv([(str(i), f"Application {i}", "") for i in range(50)]), etag=False)
    app = planning_app(feeds={"u": {**FEED, "url": url}})
    pull_feed(app, "u")
    statements = []
    engine = get_database(app).engine
    listen = lambda conn, cursor, sql, *a: statements.append(sql.split()[0].upper())  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        result = pull_feed(app, "u", force=True)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert (result.unchanged, result.new, result.changed) == (50, 0, 0)
    writes_to_records = [s for s in statements if s in ("INSERT", "UPDATE", "DELETE")]
    assert len(writes_to_records) <= 2, f"only the feed-state bookkeeping writes: {statements}"


def test_same_bytes_without_validators_skip_parsing(planning_app, civic_feed_server):
    url = civic_feed_server.add("/nv.csv", _csv([("1", "Shed", "")]), etag=False)
    app = planning_app(feeds={"nv": {**FEED, "url": url}})
    assert pull_feed(app, "nv").outcome == "ingested"
    assert pull_feed(app, "nv").outcome == "not_modified"


def test_edited_mapping_re_reads_an_unchanged_feed(planning_app, civic_feed_server):
    url = civic_feed_server.add("/m.csv", _csv([("1", "Shed", "")]))
    app = planning_app(feeds={"m": {**FEED, "url": url}})
    pull_feed(app, "m")
    changed = planning_app(
        feeds={
            "m": {
                **FEED,
                "url": url,
                "mapping": {**FEED["mapping"], "description": {"column": "desc", "case": "upper"}},
            }
        },
        database_url=str(get_database(app).url.render_as_string(hide_password=False)),
    )
    result = pull_feed(changed, "m")
    assert result.outcome == "ingested" and result.changed == 1


GOOD = _csv([("1", "Shed", ""), ("2", "Porch", "")])


@pytest.mark.parametrize(
    "route, message",
    [
        ({"body": b"ref,desc,postcode\n1,Shed,\n2,Porc", "etag": False}, "the file is truncated"),
        ({"body": b'ref,desc,postcode\n1,Shed,\n2,"Porch', "etag": False}, "ends inside a quoted field"),
        (
            {"body": "ref,desc,postcode\n1,“Shed”,\n".encode("cp1252"), "etag": False},
            "not utf-8 text: byte 0x93 on line 2",
        ),
        (
            {
                "body": b"<!DOCTYPE html><html><head><title>Site maintenance</title></head>"
                b"<body>Back soon</body></html>",
                "content_type": "text/html",
            },
            "HTML page ('Site maintenance') instead of CSV",
        ),
        ({"body": b"x", "fail_times": 99}, "HTTP 500 Internal Server Error"),
        ({"body": b"x", "delay": 1.5}, "timeout"),
        ({"body": b"ref,desc,postcode\n1,,\n2,,\n"}, "every one of the 2 rows was skipped"),
    ],
    ids=[
        "truncated-row",
        "truncated-quote",
        "wrong-encoding",
        "html-error-page",
        "http-500",
        "timeout",
        "every-row-bad",
    ],
)
def test_failed_feed_leaves_stored_records_untouched(planning_app, civic_feed_server, route, message):
    url = civic_feed_server.add("/f.csv", GOOD)
    options = {"encoding": "utf-8"} if "utf-8 text" in message else {}
    app = planning_app(
        feeds={"f": {**FEED, "url": url, "options": options}},
        plugin_settings={"feeds": {"retries": 0, "timeout_seconds": 0.5}},
    )
    assert pull_feed(app, "f").new == 2
    before = {k: (r.description, r.version, r.last_changed_at) for k, r in records(app).items()}
    civic_feed_server.add("/f.csv", **route)
    result = pull_feed(app, "f")
    assert result.outcome == "failed" and message in result.error
    assert {k: (r.description, r.version, r.last_changed_at) for k, r in records(app).items()} == before
    saved = state(app, "f")
    assert message in saved.last_error and saved.failing_since is not None and saved.last_success_at is not None


def test_xml_bomb_is_refused_without_expanding(planning_app, civic_feed_server):
    good = (
        '<?xml version="1.0"?><rss version="2.0">'
        "<channel><item><title>Shed</title><guid>1</guid></item></channel></rss>"
    )
    levels = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{levels}]>' + good.split("?>", 1)[1].replace(
        "Shed", "&lol9;"
    )
    url = civic_feed_server.add("/bomb.rss", good, content_type="application/rss+xml")
    feed = {**FEED, "url": url, "format": "rss", "mapping": {"reference": "id", "description": "title"}, "location": {}}
    app = planning_app(feeds={"b": feed})
    assert pull_feed(app, "b").new == 1
    civic_feed_server.add("/bomb.rss", bomb, content_type="application/rss+xml")
    result = pull_feed(app, "b")
    assert result.outcome == "failed" and "declares XML entities" in result.error and "XML bomb" in result.error
    assert [r.description for r in records(app).values()] == ["Shed"]


def test_bug_in_a_plugin_reader_is_contained(planning_app, civic_feed_server):
    from civicapps import Reader

    class Broken(Reader):
        format = "broken"

        def parse(self, data, options):
            raise KeyError("oops")
            yield

    plugin = ("brokenfmt", type("P", (), {"register_readers": hookimpl(lambda self: [Broken()])})())
    url = civic_feed_server.add("/x", "x")
    app = planning_app(feeds={"x": {**FEED, "url": url, "format": "broken"}}, plugins=[plugin])
    result = pull_feed(app, "x")
    assert result.outcome == "failed" and result.error.startswith("internal error (KeyError")


def test_record_listed_twice_ends_in_its_last_listing_with_one_version(planning_app, civic_feed_server):
    url = civic_feed_server.add("/twice.csv", _csv([("1", "Shed", "")]))
    app = planning_app(feeds={"t": {**FEED, "url": url}})
    pull_feed(app, "t")
    civic_feed_server.add("/twice.csv", _csv([("1", "Porch", ""), ("2", "Loft", ""), ("1", "Garage", "")]))
    result = pull_feed(app, "t")
    assert (result.new, result.changed, result.unchanged, result.repeated) == (1, 1, 0, 1)
    record = records(app)[("Test", "1")]
    assert (record.description, record.version, record.source_position) == ("Garage", 2, 4)
    assert [(v.version, v.data["description"]) for v in versions(app)] == [(1, "Shed")]


def test_ingest_takes_the_write_lock_before_it_reads_what_is_stored(planning_app, tmp_path):
    """A pull's transaction that has read cannot write on SQLite once another process has committed
    ("database is locked" at once): the first batch takes the lock, ending that read, and goes in."""
    from civicapps.clock import utcnow
    from civicapps.feeds.ingest import Ingest
    from civicapps.feeds.pipeline import Row
    from civicapps.feeds.registry import feeds_registry

    csv_path = tmp_path / "apps.csv"
    csv_path.write_text("ref,desc\n1,Shed\n")
    app = planning_app(feeds={"apps": planning_feed(str(csv_path))})
    database = get_database(app)
    dataset = feeds_registry(app).plans["apps"].dataset
    with database.sessionmaker() as session:
        assert session.scalar(select(FeedState.name)) is None  # the pull's transaction has read ...
        with database.engine.begin() as other:  # ... and then a web request commits
            other.execute(FeedState.__table__.insert().values(name="elsewhere"))
        ingest = Ingest(session, dataset, "apps", utcnow())
        ingest.write([Row(2, {"authority": "T", "reference": "1", "description": "Shed"})])
        session.commit()
    assert count(app) == 1 and len(ingest.new) == 1
