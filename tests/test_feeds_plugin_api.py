"""The feeds API a plugin gets from ``civicapps``: pull a feed now (a configured one, or its own), its
own ``pull`` command, each feed's health, a record's past versions, and the helpers a reader uses."""

import dataclasses
import json
import types
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from feeds_support import Application, count, planning_app_fixture, planning_feed  # noqa: F401 - planning_app
from flask import Flask
from sqlalchemy import select

from civicapps import (
    CivicappsError,
    Dataset,
    Feed,
    FeedHealth,
    Model,
    PullResult,
    RawRecord,
    Reader,
    ReaderError,
    Source,
    db_session,
    feed_health,
    hookimpl,
    load_json,
    object_records,
    past_versions,
    pull_feed,
    pull_feeds_command,
)
from civicapps.clock import utcnow
from civicapps.db import get_database
from civicapps.feeds.models import FeedState
from civicapps.testing import CivicRunner, FeedServer

DATASET = "planning.application"
MakeApp = Callable[..., Flask]


def two_rows(civic_feed_server: FeedServer, path: str = "/rows.csv", body: str = "ref,desc\n1,Shed\n2,Porch\n") -> str:
    return civic_feed_server.add(path, body)


def test_pull_feed_takes_a_feed_the_app_was_not_configured_with(planning_app: MakeApp, civic_feed_server: FeedServer):
    app = planning_app()
    sample = Feed(name="sample", **planning_feed(two_rows(civic_feed_server), enabled=False))
    result = pull_feed(app, sample)
    assert isinstance(result, PullResult) and (result.outcome, result.new) == ("ingested", 2)
    assert count(app) == 2
    [health] = feed_health(app)
    assert health.name == "sample" and health.feed == sample, "it joined the app's feeds"
    assert pull_feed(app, sample).outcome == "not_modified", "the same feed again is the same feed"
    assert pull_feed(app, "sample", force=True).outcome == "ingested", "and is known by name now"
    with pytest.raises(CivicappsError, match="Another feed is already named 'sample'"):
        pull_feed(app, sample.model_copy(update={"url": "https://council.example/other.csv"}))
    with pytest.raises(CivicappsError, match="Feed 'odd': unknown dataset 'nope.things'"):
        pull_feed(app, Feed(name="odd", dataset="nope.things", url="https://council.example/x.csv", format="csv"))
    with pytest.raises(CivicappsError, match="No feed named 'missing'; feeds: sample"):
        pull_feed(app, "missing")


def test_feed_health_says_how_each_feed_is_doing(planning_app: MakeApp, civic_feed_server: FeedServer):
    feeds = {
        "good": planning_feed(two_rows(civic_feed_server), interval="1h"),
        "broken": planning_feed(civic_feed_server.url("/gone.csv"), failing_after="1d"),
        "off": planning_feed(two_rows(civic_feed_server), enabled=False),
    }
    app = planning_app(feeds=feeds)
    before = utcnow()
    fresh = {h.name: h for h in feed_health(app)}
    assert list(fresh) == ["good", "broken", "off"], "in configuration order"
    assert fresh["good"].last_attempt_at is None and fresh["good"].rows_read == 0
    assert before <= fresh["good"].next_pull_at <= utcnow(), "never pulled: due now"
    assert fresh["off"].next_pull_at is None and fresh["off"].feed.enabled is False

    pull_feed(app, "good")
    assert pull_feed(app, "broken").outcome == "failed"
    found = {h.name: h for h in feed_health(app, dataset=DATASET)}
    good, broken = found["good"], found["broken"]
    assert good.last_success_at.tzinfo is not None and good.last_error is None and not good.stale
    assert (good.rows_read, good.rows_new, good.rows_changed, good.rows_skipped) == (2, 2, 0, 0)
    assert good.next_pull_at == good.last_attempt_at + timedelta(hours=1)
    assert broken.last_success_at is None and "404" in broken.last_error and broken.failing_since is not None
    assert not broken.stale, "failing, but not yet for longer than its failing_after"

    with get_database(app).sessionmaker() as session:
        session.get(FeedState, "broken").failing_since = utcnow() - timedelta(days=2)
        session.add(FeedState(name="retired", last_attempt_at=utcnow(), last_success_at=utcnow()))
        session.commit()
    found = {h.name: h for h in feed_health(app)}
    assert found["broken"].stale
    assert found["retired"].feed is None and found["retired"].next_pull_at is None, "pulled once, configured no more"
    assert "retired" not in {h.name for h in feed_health(app, dataset=DATASET)}, "its dataset is not known"
    assert feed_health(app, dataset="other.things") == []
    with pytest.raises(dataclasses.FrozenInstanceError):
        found["good"].stale = True  # type: ignore[misc]
    assert isinstance(found["good"], FeedHealth)


def puller(name: str, dataset: str, **options: Any) -> tuple[str, types.ModuleType]:
    """A plugin named ``name`` whose only command is ``pull_feeds_command(dataset, **options)``."""
    module = types.ModuleType(name)
    module.register_commands = hookimpl(lambda: [pull_feeds_command(dataset, **options)])
    return (name, module)


def test_a_plugins_pull_command_pulls_its_feeds_and_reports_each(planning_app: MakeApp, civic_feed_server: FeedServer):
    feeds = {
        "good": planning_feed(two_rows(civic_feed_server)),
        "broken": planning_feed(civic_feed_server.url("/gone.csv")),
        "off": planning_feed(two_rows(civic_feed_server), enabled=False),
    }
    report = lambda result: [f"{result.feed} {result.outcome}", f"  {result.new} new"]  # noqa: E731
    plugins = [puller("mine", DATASET, report=report, help="Pull my feeds."), puller("theirs", "theirs.things")]
    runner = CivicRunner(planning_app(feeds=feeds, plugins=plugins))

    pulled = runner.invoke(["mine", "pull"])
    assert pulled.exit_code == 1, "a failed pull fails the command"
    assert pulled.stdout.splitlines() == ["good ingested", "  2 new", "broken failed", "  0 new"], "not the off feed"
    assert "Pulling good..." in pulled.stderr
    again = runner.invoke(["mine", "pull", "off", "--force", "--no-progress"])
    assert (again.exit_code, again.stdout) == (0, "off ingested\n  0 new\n"), "named: pulled even when off"
    assert "Pull my feeds." in runner.invoke(["mine", "pull", "--help"]).output

    other = runner.invoke(["theirs", "pull", "good"])
    assert other.exit_code == 1 and "No feed of theirs.things named good; known: none." in other.output
    assert runner.invoke(["theirs", "pull"]).exit_code == 0, "no feeds of its dataset: nothing to do"


def test_a_pull_command_reports_a_summary_by_default(planning_app: MakeApp, civic_feed_server: FeedServer):
    plugins = [puller("mine", DATASET)]
    runner = CivicRunner(planning_app(feeds={"good": planning_feed(two_rows(civic_feed_server))}, plugins=plugins))
    pulled = runner.invoke(["mine", "pull"])
    assert pulled.exit_code == 0 and pulled.stdout.startswith("good: read 2, ingested 2 (2 new")


def test_past_versions_are_earlier_states_newest_first(planning_app: MakeApp, civic_feed_server: FeedServer):
    url = two_rows(civic_feed_server)
    app = planning_app(feeds={"f": planning_feed(url)})
    pull_feed(app, "f")
    for description in ("Bigger shed", "Biggest shed"):
        civic_feed_server.add("/rows.csv", f"ref,desc\n1,{description}\n2,Porch\n")
        assert pull_feed(app, "f").changed == 1
    with app.app_context():
        ids = dict(db_session().execute(select(Application.reference, Application.id)).all())
        history = past_versions(DATASET, [ids["1"], ids["2"], 999])
        assert history[ids["2"]] == [] and history[999] == [], "never changed, or no such record"
        newer, older = history[ids["1"]]
        assert (newer.version, newer.data["description"]) == (2, "Bigger shed")
        assert (older.version, older.data["description"]) == (1, "Shed")
        assert newer.valid_from == older.replaced_at and newer.valid_from.tzinfo is not None
        assert newer.source_feed == "f" and newer.record_id == ids["1"]
        assert past_versions("other.things", [ids["1"]]) == {ids["1"]: []}, "versions are per dataset"
        assert past_versions(DATASET, []) == {}


def test_reader_helpers_turn_json_into_records_and_bad_json_into_reader_errors():
    records = object_records(load_json(b'[{"ref": "A", "site": {"ward": "Micklegate"}}, 7]', "test answer"))
    assert (records[0].position, records[0].fields["site.ward"]) == (1, "Micklegate")
    assert (records[1].position, records[1].problem) == (2, "is a JSON int, not an object")
    with pytest.raises(ReaderError, match="The test answer is not valid JSON .* truncated"):
        load_json(b'[{"ref": "A"', "test answer")


class PagedReader(Reader):
    """A plugin's reader for a JSON API answering a page at a time, with the next page's URL in ``next``."""

    format = "paged_json"
    single_document = False

    def read(self, source: Source) -> Iterator[RawRecord]:
        url, position = source.url, 0
        while url:
            page = load_json(source.fetch(url), "paged answer")
            for record in object_records(page["items"]):
                position += 1
                record.position = position
                yield record
            url = page.get("next")


def test_a_plugin_reader_fetches_pages_through_its_source(planning_app: MakeApp, civic_feed_server: FeedServer):
    second = civic_feed_server.add("/p2.json", '{"items": [{"ref": "2", "desc": "Porch"}]}')
    first = civic_feed_server.add("/p1.json", json.dumps({"items": [{"ref": "1", "desc": "Shed"}], "next": second}))
    module = types.ModuleType("pager")
    module.register_readers = hookimpl(lambda: [PagedReader()])
    feed = planning_feed(first, format="paged_json")
    app = planning_app(feeds={"paged": feed}, plugins=[("pager", module)])
    result = pull_feed(app, "paged")
    assert (result.outcome, result.read, result.requests) == ("ingested", 2, 2)
    assert pull_feed(app, "paged").outcome == "not_modified", "the source's first fetch is conditional"


def test_a_datasets_own_check_skips_a_row_by_line_and_keeps_the_rest(civic_app_factory, civic_feed_server: FeedServer):
    def no_sheds(values: dict[str, Any]) -> str | None:
        return f"{values['reference']}: sheds are not applications" if "Shed" in values["description"] else None

    plugin = types.ModuleType("planning")
    plugin.register_datasets = hookimpl(lambda: [Dataset("application", Application, "Planning", check=no_sheds)])
    app = civic_app_factory(plugins=[("planning", plugin)])
    Model.metadata.create_all(get_database(app).engine, tables=[Application.__table__])
    with app.app_context():
        result = pull_feed(app, Feed(name="checked", **planning_feed(two_rows(civic_feed_server), enabled=False)))
    assert (result.outcome, result.new, result.skipped) == ("ingested", 1, 1)
    assert [str(issue) for issue in result.issues] == ["checked: record 2: 1: sheds are not applications"]
    assert count(app) == 1
