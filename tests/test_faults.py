"""Faults a deployment meets: PostgreSQL restarting under requests, Redis gone while residents sign up.

Real servers throughout: a throwaway PostgreSQL cluster this module starts (as tests/run.sh does, on a
free 127.0.0.1 port) and stops or restarts mid-test, and a redis-server it stops.
"""
from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

import civicapps.db
from civicapps.db import db_session
from civicapps.notify.models import Subscription


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def count_subscriptions(app) -> int:
    with app.app_context():
        return db_session().scalar(select(func.count()).select_from(Subscription))


# --- Redis stopped --------------------------------------------------------------------------------


@pytest.fixture
def stopped_redis_url(tmp_path):
    """The URL of a Redis that ran on 127.0.0.1 and has been shut down (with a password in the URL)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    pytest.importorskip("redis")
    port = free_port()
    subprocess.run(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--daemonize", "yes", "--dir", str(tmp_path), "--logfile", str(tmp_path / "redis.log")],
        check=True,
    )
    cli = ["redis-cli", "-p", str(port)]
    for _ in range(100):
        if subprocess.run([*cli, "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
            break
        time.sleep(0.05)
    subprocess.run([*cli, "shutdown", "nosave"], capture_output=True)
    return f"redis://:queue-secret@127.0.0.1:{port}/9"


def test_sign_ups_succeed_while_redis_is_down_and_the_failed_wake_is_logged_without_secrets(
    world_factory, stopped_redis_url, caplog
):
    world = world_factory({"queue_url": stopped_redis_url})
    caplog.set_level(logging.WARNING)
    response = world.resident.client.post(
        "/alerts/api/subscriptions",
        json={"topic": "sightings.near", "channel": "webhook", "target": world.sink.url(),
              "lat": 54.15, "lon": -4.48, "radius_m": 500},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    assert count_subscriptions(world.app) == 1
    wakes = [r for r in caplog.records if "wait in the outbox" in r.getMessage()]
    assert len(wakes) == 1, [r.getMessage() for r in caplog.records]
    assert "queue-secret" not in caplog.text and "***" in wakes[0].getMessage()


# --- PostgreSQL restarting ------------------------------------------------------------------------


class Postgres:
    """A throwaway cluster on a free port (run as the postgres user when we are root)."""

    def __init__(self, folder: Path):
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not found:
            pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin, self.folder, self.port = found[-1].parent, folder, free_port()
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        folder.chmod(0o755)
        if self.as_pg:
            shutil.chown(folder, "postgres")
        self._pg("initdb", "-D", str(folder / "data"), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()

    def _pg(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_pg, str(self.bin / program), *args], cwd="/", check=True, capture_output=True)

    def start(self) -> None:
        self._pg("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"), "-w",
                 "-o", f"-k {self.folder} -h 127.0.0.1 -p {self.port} -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop")

    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture(scope="module")
def postgres():
    if not os.environ.get("CIVICAPPS_TEST_DATABASE_URL"):
        pytest.skip("PostgreSQL tests run in the PostgreSQL pass (CIVICAPPS_TEST_DATABASE_URL)")
    folder = Path(tempfile.mkdtemp(prefix="civicapps-faults-pg-"))  # pytest's own folder is root-only
    server = Postgres(folder)
    yield server
    server.stop("immediate")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_world(world_factory, postgres):
    world = world_factory({"database_url": postgres.url()})

    def read_page():  # a page that reads the database, as every plugin's pages do
        return f"<p>{count_subscriptions(world.app)} subscriptions</p>"

    world.app.add_url_rule("/probe-read", "probe_read", read_page)
    yield world
    world.app.extensions["civicapps"].db.dispose()
    with postgres_admin(postgres) as connection:  # the next test starts from an empty database
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


def postgres_admin(server: Postgres):
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    return create_engine(server.url(), poolclass=NullPool, isolation_level="AUTOCOMMIT").connect()


def api_sign_up(world):
    return world.resident.client.post(
        "/alerts/api/subscriptions",
        json={"topic": "sightings.near", "channel": "webhook", "target": world.sink.url(),
              "lat": 54.15, "lon": -4.48, "radius_m": 500},
    )


def restart_in_background(server: Postgres, down_seconds: float) -> threading.Thread:
    server.stop("fast")

    def start_later() -> None:
        time.sleep(down_seconds)
        server.start()

    thread = threading.Thread(target=start_later)
    thread.start()
    return thread


@pytest.mark.postgres
def test_requests_wait_out_a_postgresql_restart(pg_world, postgres):
    world = pg_world
    assert world.resident.client.get("/probe-read").status_code == 200  # a pooled connection
    starting = restart_in_background(postgres, 2.0)
    try:
        assert world.resident.client.get("/probe-read").status_code == 200
    finally:
        starting.join()
    starting = restart_in_background(postgres, 2.0)
    try:
        response = api_sign_up(world)
    finally:
        starting.join()
    assert response.status_code == 202, response.get_data(as_text=True)
    assert count_subscriptions(world.app) == 1


@pytest.mark.postgres
def test_a_database_that_stays_down_answers_503_with_retry_after(pg_world, postgres, monkeypatch):
    world = pg_world
    monkeypatch.setattr(civicapps.db, "CONNECT_RETRY_SECONDS", 0.5)
    world.resident.client.get("/probe-read")
    postgres.stop("fast")
    try:
        page = world.resident.client.get("/probe-read")
        api = api_sign_up(world)
    finally:
        postgres.start()
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "the service is restarting" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    assert api.status_code == 503 and api.headers["Retry-After"] == "5"
    assert api.json["status"] == 503


def add_dying_route(app, name: str, methods: list[str], *, commit: bool):
    """A view whose first run loses its connection (the server ends the backend) after writing."""
    runs: list[int] = []

    def view():
        runs.append(1)
        session = db_session()
        session.execute(text("CREATE TABLE IF NOT EXISTS fault_probe (n int)"))
        session.execute(text("INSERT INTO fault_probe VALUES (1)"))
        if commit:
            session.commit()
        if len(runs) == 1:
            session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        session.commit()
        return {"runs": len(runs)}

    app.add_url_rule(f"/{name}", name, view, methods=methods)
    return runs


@pytest.mark.postgres
def test_a_request_whose_connection_dies_before_committing_runs_once_more(pg_world):
    app = pg_world.app
    app.config["WTF_CSRF_ENABLED"] = False
    get_runs = add_dying_route(app, "probe-get", ["GET"], commit=False)
    post_runs = add_dying_route(app, "probe-post", ["POST"], commit=False)
    client = app.test_client()
    assert client.get("/probe-get").json == {"runs": 2}
    assert client.post("/probe-post").json == {"runs": 2}
    assert len(get_runs) == len(post_runs) == 2
    with app.app_context():  # the first run's insert died with its connection: one row per request
        assert db_session().scalar(text("SELECT count(*) FROM fault_probe")) == 2


@pytest.mark.postgres
def test_a_post_that_may_have_committed_is_never_run_twice(pg_world):
    app = pg_world.app
    app.config["WTF_CSRF_ENABLED"] = False
    runs = add_dying_route(app, "probe-committed", ["POST"], commit=True)
    response = app.test_client().post("/probe-committed")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert len(runs) == 1
    with app.app_context():
        assert db_session().scalar(text("SELECT count(*) FROM fault_probe")) == 1


@pytest.mark.postgres
def test_a_send_is_recorded_even_when_the_recorders_connection_was_cut(world_factory, tmp_path):
    """A PostgreSQL restart between a send and its record must not leave the message to go out twice."""
    from civicapps.db import get_database
    from civicapps.notify.models import OutboxRow
    from civicapps.notify.outbox import Recorder, claim
    from civicapps.notify.settings import notify_settings

    world = world_factory({"queue_url": f"sqlite:///{tmp_path / 'queue.db'}"})  # queued, not sent at once
    engine = get_database(world.app).engine
    if engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (CIVICAPPS_TEST_DATABASE_URL)")
    world.resident.subscribe(world.sink.url())
    with world.app.app_context():
        token, claimed = claim(db_session(), 10)
    recorder = Recorder(engine, notify_settings(world.app))
    cursor = recorder.connection.cursor()
    cursor.execute("SELECT pg_backend_pid()")
    [pid] = cursor.fetchone()
    cursor.close()
    recorder.connection.commit()
    with engine.connect() as connection:  # what a restart does to every open connection
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert recorder.finish(token, claimed, None) == 1
    recorder.close()
    with world.app.app_context():
        assert db_session().scalars(select(OutboxRow.status)).all() == ["sent"]


@pytest.mark.postgres
def test_a_connection_cut_after_the_work_is_done_does_not_spoil_the_answer(pg_world, postgres):
    app = pg_world.app

    def view():  # the restart ends this request's backend after its last statement, before teardown
        pid = db_session().scalar(text("SELECT pg_backend_pid()"))
        with postgres_admin(postgres) as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        time.sleep(0.2)
        return "done"

    app.add_url_rule("/probe-cut-late", "probe_cut_late", view)
    response = app.test_client().get("/probe-cut-late")
    assert response.status_code == 200 and response.get_data(as_text=True) == "done"
    assert app.test_client().get("/probe-read").status_code == 200
