"""Open311 request lists come from each process's cache until something they show changes: every
kind of write shows in the next ``requests.json`` and ``requests.xml`` (and turns a 304 into a 200),
in this app and in another app on the same database (another gunicorn worker), and the default
window's moving start is honoured with no write at all."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from civicapps_street_reports import lifecycle, open311_cache, open311_data
from civicapps_street_reports.models import Photo, Report
from flask import Flask
from flask.testing import FlaskClient

from civicapps import Actor, db_session, utcnow
from civicapps.testing import AppFactory

from .conftest import PLUGIN
from .images import phone_jpeg
from .test_open311_server import API, create

STAFF = Actor("s1", "Sam Staff", "staff")
FORMATS = ("json", "xml")


def listed(client: FlaskClient, fmt: str, etag: str | None = None) -> tuple[int, dict[str, dict[str, Any]], str]:
    """(status, the requests by id, ETag) of ``requests.<fmt>``, conditional on ``etag`` if given."""
    answer = client.get(f"{API}/requests.{fmt}", headers={"If-None-Match": etag} if etag else {})
    if answer.status_code == 304:
        return 304, {}, answer.headers["ETag"]
    if fmt == "json":
        found = {r["service_request_id"]: r for r in json.loads(answer.data)}
    else:
        found = {
            node.findtext("service_request_id") or "": {child.tag: child.text for child in node}
            for node in ElementTree.fromstring(answer.data)
        }
    return answer.status_code, found, answer.headers["ETag"]


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[open311_data.RequestQuery]]:
    """The queries answered by reading the database (a cache miss), in order."""
    made: list[open311_data.RequestQuery] = []
    real = open311_cache.find_requests

    def counting(query: open311_data.RequestQuery) -> list[dict[str, Any]]:
        made.append(query)
        return real(query)

    monkeypatch.setattr(open311_cache, "find_requests", counting)
    yield made


def change(app: Flask, report_id: str, what: Callable[[Report], object]) -> None:
    with app.app_context():
        what(db_session().get(Report, int(report_id)))
        db_session().commit()


def test_an_unchanged_window_is_read_once_per_format(world: Flask, builds: list[Any]) -> None:
    client = world.test_client()
    create(client)
    for fmt in FORMATS:
        first, again = listed(client, fmt), listed(client, fmt)
        assert first == again and len(first[1]) == 1
    assert len(builds) == 2  # one per format; the repeats came from the cache
    client.get(f"{API}/requests.json?page_size=5")
    assert len(builds) == 3  # another query is another entry


def set_status(status: str) -> Callable[[Report], object]:
    return lambda report: lifecycle.staff_update(report, STAFF, status, "")


def staff_note(text: str) -> Callable[[Report], object]:
    return lambda report: lifecycle.staff_update(report, STAFF, report.status, text)


def hide(report: Report) -> None:
    lifecycle.set_hidden(report, STAFF, True, "Abusive")


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_kind_of_write_shows_in_the_next_answer_and_turns_a_304_into_a_200(
    world: Flask, builds: list[Any], fmt: str
) -> None:
    client = world.test_client()
    first = create(client).get_json()[0]["service_request_id"]
    status, found, etag = listed(client, fmt)
    assert list(found) == [first] and listed(client, fmt, etag)[0] == 304

    second = create(client, description="Broken glass").get_json()[0]["service_request_id"]  # a new report
    status, found, etag = listed(client, fmt, etag)
    assert status == 200 and set(found) == {first, second}
    assert listed(client, fmt, etag)[0] == 304

    checks: list[tuple[Callable[[Report], object], Callable[[dict[str, dict[str, Any]]], bool]]] = [
        (set_status("fixed"), lambda found: found[first]["status"] == "closed"),
        (staff_note("Cleared this morning."), lambda found: found[first]["status_notes"] == "Cleared this morning."),
        (hide, lambda found: set(found) == {second}),
    ]
    for write, shown in checks:
        change(world, first, write)
        status, found, new_etag = listed(client, fmt, etag)
        assert status == 200 and new_etag != etag and shown(found)
        etag = new_etag
        assert listed(client, fmt, etag)[0] == 304
    assert len(builds) == 5  # the first answer and one per write: the 304s in between were cached


def test_a_photo_added_and_redacted_and_the_abuse_lists_bulk_hide_show_in_the_next_answer(
    world: Flask, builds: list[Any]
) -> None:
    client = world.test_client()
    first = create(client).get_json()[0]["service_request_id"]
    assert listed(client, "json")[1][first]["media_url"] is None
    jpeg = phone_jpeg()

    def add_photo(report: Report) -> None:
        db_session().add(
            Photo(
                report_id=report.id,
                content_type="image/jpeg",
                data=jpeg,
                thumbnail=jpeg,
                width=400,
                height=300,
                sha256="0" * 64,
            )
        )

    change(world, first, add_photo)
    assert listed(client, "json")[1][first]["media_url"]
    change(world, first, lambda report: lifecycle.redact_photo(report.photos[0], STAFF, "A face"))
    assert listed(client, "json")[1][first]["media_url"] is None
    with world.app_context():
        assert lifecycle.add_abuser("jo@example.org") == 1  # a bulk UPDATE, not a flush of objects
        db_session().commit()
    assert listed(client, "json")[1] == {}
    assert len(builds) == 4


def test_a_write_through_another_app_on_the_same_database_reaches_this_one(
    world: Flask, civic_app_factory: AppFactory, app_config: dict[str, Any]
) -> None:
    """Two apps stand for two gunicorn workers: each its own engine and cache, one database."""
    url = world.extensions["civicapps"].db.engine.url.render_as_string(hide_password=False)
    other = civic_app_factory(plugins=[PLUGIN], config={**app_config, "database_url": url}, migrate=False)
    client, other_client = world.test_client(), other.test_client()
    first = create(client).get_json()[0]["service_request_id"]
    for fmt in FORMATS:
        assert list(listed(client, fmt)[1]) == [first] == list(listed(other_client, fmt)[1])
    change(other, first, set_status("fixed"))
    second = create(other_client, description="Broken glass").get_json()[0]["service_request_id"]
    for fmt in FORMATS:
        found = listed(client, fmt)[1]
        assert set(found) == {first, second} and found[first]["status"] == "closed"


def test_a_request_leaves_the_default_window_when_it_turns_90_days_old_with_no_write(
    world: Flask, builds: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = world.test_client()
    old = create(client).get_json()[0]["service_request_id"]
    new = create(client, description="Broken glass").get_json()[0]["service_request_id"]
    almost = utcnow() - timedelta(days=open311_data.DEFAULT_DAYS) + timedelta(hours=1)
    change(world, old, lambda report: setattr(report, "confirmed_at", almost))
    for fmt in FORMATS:
        assert set(listed(client, fmt)[1]) == {old, new}
    later = utcnow() + timedelta(hours=2)
    for module in (open311_cache, open311_data):
        monkeypatch.setattr(module, "utcnow", lambda: later)
    for fmt in FORMATS:
        assert set(listed(client, fmt)[1]) == {new}
        assert set(listed(client, fmt)[1]) == {new}
    assert len(builds) == 4  # read again once per format when the window moved past the old request


def test_the_counters_migration_keeps_the_map_version_and_downgrade_gives_it_back(app: Flask) -> None:
    from alembic import command
    from sqlalchemy import text

    from civicapps.migrations import _config, migration_sets

    engine = app.extensions["civicapps"].db.engine

    def migrate(step: Callable[..., None], revision: str) -> None:
        with engine.connect() as connection, connection.begin():
            step(_config(migration_sets(app)["street_reports"], connection), revision)

    migrate(command.downgrade, "street_reports_0004")
    with engine.begin() as connection:
        connection.execute(text("UPDATE street_reports_map_version SET version = 7 WHERE id = 1"))
    migrate(command.upgrade, "heads")
    with engine.connect() as connection:
        counters = dict(connection.execute(text("SELECT name, version FROM street_reports_change_counter")).all())
    assert counters == {"map": 7, "open311": 0}
    migrate(command.downgrade, "street_reports_0004")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, version FROM street_reports_map_version")).all() == [(1, 7)]
    migrate(command.upgrade, "heads")
