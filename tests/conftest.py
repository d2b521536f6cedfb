"""Set-up only this project's tests share: a clean environment, the Sightings notification world, Redis.

The fixtures a plugin author needs too (apps, sinks, feed servers, browsers, waiting for the outbox)
live in the civicapps.testing package.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, insert, select, update

from civicapps import Item, Topic, hookimpl
from civicapps.auth import create_user
from civicapps.db import get_database
from civicapps.events import RecordsIngested, announce_records_ingested
from civicapps.jobs import queue_for
from civicapps.settings import ENV_PREFIX
from civicapps.testing import wait_for_outbox
from civicapps.web.absolute_urls import DEV_BASE_URL

# Where tests find the servers tests/run.sh starts; everything else CIVICAPPS_* is configuration.
TEST_SERVER_ENV = {"CIVICAPPS_TEST_DATABASE_URL", "CIVICAPPS_TEST_REDIS_URL"}


@pytest.fixture(autouse=True)
def _no_civicapps_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's CIVICAPPS_* settings out of the tests (commands never write any themselves)."""
    for name in _configuration_names():
        monkeypatch.delenv(name)


def _configuration_names() -> list[str]:
    return [name for name in os.environ if name.startswith(ENV_PREFIX) and name not in TEST_SERVER_ENV]


# --- Notification tests: a small plugin with its own dataset, topics over it, a real HTTP sink on
# 127.0.0.1 (apprise posts to it for real), and a resident driving the web pages.

ROOT = Path(__file__).resolve().parent.parent
DOUGLAS = (54.1509, -4.4800)  # lat, lon of a point in Douglas, Isle of Man
SIGHTINGS = Table(
    "sightings_sighting",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("title", String(200)),
    Column("lat", Float),
    Column("lon", Float),
    Column("ref", String(100)),
    Column("status", String(20)),
)


class Sightings:
    """A plugin whose dataset ``sightings.sighting`` has two topics: near a place, and one sighting's changes."""

    @hookimpl
    def register_topics(self, app):
        return [
            Topic(
                "near", "Sightings near you", "sightings.sighting", self.load, description="New sightings in your area"
            ),
            Topic(
                "changes", "Changes to a sighting", "sightings.sighting", self.load, matcher="key", events=("changed",)
            ),
        ]

    @staticmethod
    def load(app, ids):
        with get_database(app).engine.connect() as connection:
            rows = connection.execute(select(SIGHTINGS).where(SIGHTINGS.c.id.in_(list(ids)))).all()
        base = app.extensions["civicapps"].settings.base_url or DEV_BASE_URL  # messages link only into it
        return [
            Item(
                r.id,
                r.title,
                f"{base}/sightings/{r.ref}",
                f"Status: {r.status}",
                lon=r.lon,
                lat=r.lat,
                key=r.ref,
                version=r.status,
            )
            for r in rows
        ]


class Resident:
    """Someone using the alert pages with a browser-like test client (CSRF tokens and all)."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def form_token(self, path):
        page = self.client.get(path)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)

    def subscribe(
        self,
        target,
        *,
        topic="sightings.near",
        channel="webhook",
        lat=DOUGLAS[0],
        lon=DOUGLAS[1],
        radius=500,
        frequency="instant",
        key="",
    ):
        data = {
            "topic": topic,
            "channel": channel,
            "target": target,
            "lat": lat,
            "lon": lon,
            "radius_m": radius,
            "frequency": frequency,
            "key": key,
        }
        data["csrf_token"] = self.form_token(f"/alerts/subscribe?topic={topic}" + (f"&key={key}" if key else ""))
        return self.client.post("/alerts/subscribe", data=data)

    def sign_in_as_staff(self, email="clerk@council.example"):
        """Become a signed-in member of staff (the account is made on the way)."""
        with self.app.app_context():
            create_user(email, "Clerk", "a-long-staff-password")
        token = self.form_token("/-/login")
        self.client.post("/-/login", data={"email": email, "password": "a-long-staff-password", "csrf_token": token})

    def press_button(self, url):
        """Open a link from a message and press the page's one button."""
        path = url.split("://", 1)[1].partition("/")[2]
        page = self.client.get("/" + path)
        assert page.status_code == 200, page.text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        return self.client.post("/" + path, data={"csrf_token": token})


class World:
    """An app with the Sightings plugin, its table, a sink, and helpers to add and ingest sightings."""

    def __init__(self, app, sink):
        self.app = app
        self.sink = sink
        self.resident = Resident(app)

    def add(self, title, lat=DOUGLAS[0], lon=DOUGLAS[1], ref=None, status="reported"):
        with get_database(self.app).engine.begin() as connection:
            new_id = connection.execute(
                insert(SIGHTINGS).values(
                    title=title, lat=lat, lon=lon, ref=ref or title.lower().replace(" ", "-"), status=status
                )
            ).inserted_primary_key[0]
        return new_id

    def change(self, sighting_id, status):
        with get_database(self.app).engine.begin() as connection:
            connection.execute(update(SIGHTINGS).where(SIGHTINGS.c.id == sighting_id).values(status=status))

    def ingest(self, new=(), changed=()):
        announce_records_ingested(
            self.app, RecordsIngested("sightings.sighting", "test-feed", tuple(new), tuple(changed))
        )

    def settle(self, timeout=10.0):
        """Wait until the queue is empty and nothing is waiting to be matched or sent right now."""
        wait_for_outbox(self.app, timeout)

    def link(self, message, name):
        """The first URL in a message's text following ``name`` (e.g. "Stop these alerts")."""
        text = message["body"]["message"]
        return re.search(rf"{name}:?\s*(https?://\S+)", text).group(1)


def notify_config(sink, **settings):
    return {"queue_url": "immediate:", "plugins": {"notify": sink.notify_settings(**settings)}}


@pytest.fixture
def world_factory(civic_app_factory, civic_notification_sink):
    stops = []

    def make(config=None, *, worker=False, **settings):
        """An app with the Sightings plugin; ``worker=True`` runs a background worker thread on its queue."""
        merged = notify_config(civic_notification_sink, **settings)
        merged.update(config or {})
        app = civic_app_factory(plugins=[("sightings", Sightings())], config=merged)
        SIGHTINGS.metadata.create_all(get_database(app).engine)
        if worker:
            stops.append(queue_for(app).start_thread())
        return World(app, civic_notification_sink)

    yield make
    for stop in stops:
        stop.set()


@pytest.fixture
def world(world_factory):
    return world_factory()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory):
    """A real Redis on 127.0.0.1: CIVICAPPS_TEST_REDIS_URL if set, else a redis-server started here."""
    pytest.importorskip("redis", reason="the redis package is needed for Huey on Redis (pip install 'civicapps[test]')")
    if os.environ.get("CIVICAPPS_TEST_REDIS_URL"):
        yield _own_database(os.environ["CIVICAPPS_TEST_REDIS_URL"])
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            "redis-server is not installed (apt-get install redis-server) and CIVICAPPS_TEST_REDIS_URL is not set"
        )
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def _own_database(url: str) -> str:
    """The shared server's URL with a database number of this pytest-xdist worker's own.

    Tests empty their Redis database (``redis_url``); two workers sharing one would empty each
    other's queues mid-test. Worker gwN takes database N (Redis has 16 by default).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    return re.sub(r"(/\d+)?$", f"/{int(worker[2:]) % 16}", url, count=1)


@pytest.fixture
def redis_url(redis_server_url):
    """The Redis server, emptied for this test."""
    import redis

    redis.Redis.from_url(redis_server_url).flushdb()
    return redis_server_url


@pytest.fixture(params=["immediate", "sqlite", "redis"])
def queue_url(request, tmp_path):
    """Each queue the same flow must work on: in the caller, Huey on SQLite, Huey on Redis."""
    if request.param == "redis":
        return request.getfixturevalue("redis_url")
    return "immediate:" if request.param == "immediate" else f"sqlite:///{tmp_path / 'queue.db'}"
