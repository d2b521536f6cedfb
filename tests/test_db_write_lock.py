"""Several processes writing to one database: no "database is locked", no lost rows.

On SQLite a transaction that reads and then writes fails at once with "database is locked" if another
process committed in between (gunicorn workers plus `civicapps worker` did, 61 times in a minute).
Write requests take the write lock as they begin; jobs and commands ask with ``db_session(write=True)``.
Each process here does read-then-write units of work (count the rows, insert one more) as fast as it can.
"""
from __future__ import annotations

import multiprocessing
import types
from typing import Any

import pytest
from flask import Blueprint, current_app
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select, text

from civicapps import create_app, db_session, hookimpl
from civicapps.db import get_database

PROCESSES = 4
EACH = 40

metadata = MetaData()
TALLY = Table("tally_entry", metadata, Column("id", Integer, primary_key=True), Column("seen", Integer, nullable=False))


def _read_then_write() -> None:
    session = db_session()
    seen = session.scalar(select(func.count()).select_from(TALLY))
    session.execute(insert(TALLY).values(seen=seen))
    session.commit()


def _blueprint(app: Any) -> Blueprint:
    bp = Blueprint("tally", __name__)

    @bp.post("/entries")
    def add() -> tuple[str, int]:
        _read_then_write()
        return "added", 201

    @bp.post("/entries-then-more")
    def add_then_more() -> tuple[str, int]:
        """Like a report confirmed, then a job run at once in the same thread (queue_url "immediate:")."""
        _read_then_write()
        db_session().scalar(select(func.count()).select_from(TALLY))  # a read after the commit
        app = current_app._get_current_object()
        with app.app_context():  # the job's own session and connection
            db_session(write=True)
            _read_then_write()
        return "added", 201

    return bp


tally_plugin = types.ModuleType("tally_plugin")
tally_plugin.register_blueprint = hookimpl(_blueprint)  # type: ignore[attr-defined]


def _app(config: dict[str, Any]) -> Any:
    app = create_app(config, plugins=[("tally", tally_plugin)], load_entrypoints=False)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _post_many(config: dict[str, Any]) -> list[int]:
    """One process's share of requests, like one gunicorn worker: the status of each."""
    app = _app(config)
    client = app.test_client()
    statuses = [client.post("/tally/entries").status_code for _ in range(EACH)]
    get_database(app).dispose()
    return statuses


def _job_many(config: dict[str, Any]) -> list[str]:
    """One process's share of job-like units of work: the error of each that failed."""
    app = _app(config)
    errors = []
    with app.app_context():
        for _ in range(EACH):
            try:
                db_session(write=True)
                _read_then_write()
            except Exception as exc:  # noqa: BLE001 - counted, and shown by the assertion
                db_session().rollback()
                errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    get_database(app).dispose()
    return errors


@pytest.fixture
def shared_config(civic_app_factory: Any) -> dict[str, Any]:
    app = civic_app_factory(plugins=[("tally", tally_plugin)])
    database = get_database(app)
    metadata.create_all(database.engine)
    return {
        "database_url": database.url.render_as_string(hide_password=False),
        "instance_path": app.instance_path,
        "secret_key": "test-secret-key",
    }


def _in_processes(target: Any, config: dict[str, Any]) -> list[Any]:
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
        return pool.map(target, [config] * PROCESSES)


def _assert_all_rows(config: dict[str, Any]) -> None:
    app = _app(config)
    with app.app_context():
        seen = list(db_session().scalars(select(TALLY.c.seen).order_by(TALLY.c.id)))
    sqlite = get_database(app).url.get_backend_name() == "sqlite"
    get_database(app).dispose()
    assert len(seen) == PROCESSES * EACH
    if sqlite:  # the lock serialises whole units of work: each saw every row committed before it
        assert seen == list(range(PROCESSES * EACH))


def test_concurrent_write_requests_never_fail_and_lose_nothing(shared_config: dict[str, Any]) -> None:
    statuses = [status for share in _in_processes(_post_many, shared_config) for status in share]
    assert statuses.count(500) == 0
    assert statuses == [201] * PROCESSES * EACH
    _assert_all_rows(shared_config)


def test_concurrent_jobs_writing_with_the_lock_never_fail(shared_config: dict[str, Any]) -> None:
    errors = [error for share in _in_processes(_job_many, shared_config) for error in share]
    assert errors == []
    _assert_all_rows(shared_config)


def test_every_sqlite_connection_uses_wal_and_waits_for_the_lock(civic_app_factory: Any) -> None:
    app = civic_app_factory()
    database = get_database(app)
    if database.url.get_backend_name() != "sqlite":
        pytest.skip("SQLite pragmas")
    for engine in (database.engine, database.write_engine):
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    with app.test_request_context("/", method="POST"):
        session = db_session()
        session.execute(text("SELECT 1"))
        assert session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_a_get_request_does_not_take_the_write_lock(civic_app_factory: Any) -> None:
    """Readers never queue behind writers: a GET reads while another connection holds the lock."""
    app = civic_app_factory()
    database = get_database(app)
    metadata.create_all(database.engine)
    with database.write_engine.connect() as writer:
        writer.execute(insert(TALLY).values(seen=0))  # holds the write lock until rolled back
        with app.test_request_context("/", method="GET"):
            assert db_session().scalar(select(func.count()).select_from(TALLY)) == 0
        writer.rollback()


def test_work_after_a_write_requests_commit_can_write_on_its_own_connection(shared_config: dict[str, Any]) -> None:
    """Only a write request's first unit of work holds the lock, so work it runs after committing in the
    same thread (a job run at once, an event listener) does not wait for the request's own lock."""
    client = _app(shared_config).test_client()
    assert client.post("/tally/entries-then-more").status_code == 201
    with _app(shared_config).app_context():
        assert list(db_session().scalars(select(TALLY.c.seen).order_by(TALLY.c.id))) == [0, 1]
