"""Fixtures shared by the notification tests: a small plugin with its own dataset, topics over it,
a real HTTP sink on 127.0.0.1 (apprise posts to it for real), and a resident driving the web pages."""
import re
from pathlib import Path

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, insert, select, update

from civicapps import Item, Topic, hookimpl
from civicapps.db import get_database
from civicapps.events import RecordsIngested, announce_records_ingested
from civicapps.notify.settings import SAFE_SCHEMES

ROOT = Path(__file__).resolve().parent.parent
DOUGLAS = (54.1509, -4.4800)  # lat, lon of a point in Douglas, Isle of Man
SIGHTINGS = Table(
    "sightings_sighting",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("title", String(200)),
    Column("lat", Float),
    Column("lon", Float),
    Column("ref", String(20)),
    Column("status", String(20)),
)


class Sightings:
    """A plugin whose dataset ``sightings.sighting`` has two topics: near a place, and one sighting's changes."""

    @hookimpl
    def register_topics(self, app):
        return [
            Topic("near", "Sightings near you", "sightings.sighting", self.load, description="New sightings in your area"),
            Topic("changes", "Changes to a sighting", "sightings.sighting", self.load, matcher="key", events=("changed",)),
        ]

    @staticmethod
    def load(app, ids):
        with get_database(app).engine.connect() as connection:
            rows = connection.execute(select(SIGHTINGS).where(SIGHTINGS.c.id.in_(list(ids)))).all()
        return [
            Item(r.id, r.title, f"https://sightings.example/{r.ref}", f"Status: {r.status}", lon=r.lon, lat=r.lat, key=r.ref, version=r.status)
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

    def subscribe(self, target, *, topic="sightings.near", channel="webhook", lat=DOUGLAS[0], lon=DOUGLAS[1], radius=500, frequency="instant", key=""):
        data = {"topic": topic, "channel": channel, "target": target, "lat": lat, "lon": lon, "radius_m": radius, "frequency": frequency, "key": key}
        data["csrf_token"] = self.form_token(f"/alerts/subscribe?topic={topic}")
        return self.client.post("/alerts/subscribe", data=data)

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
            new_id = connection.execute(insert(SIGHTINGS).values(title=title, lat=lat, lon=lon, ref=ref or title.lower().replace(" ", "-"), status=status)).inserted_primary_key[0]
        return new_id

    def change(self, sighting_id, status):
        with get_database(self.app).engine.begin() as connection:
            connection.execute(update(SIGHTINGS).where(SIGHTINGS.c.id == sighting_id).values(status=status))

    def ingest(self, new=(), changed=()):
        announce_records_ingested(self.app, RecordsIngested("sightings.sighting", "test-feed", tuple(new), tuple(changed)))

    def link(self, message, name):
        """The first URL in a message's text following ``name`` (e.g. "Stop these alerts")."""
        text = message["body"]["message"]
        return re.search(rf"{name}:?\s*(https?://\S+)", text).group(1)


def notify_config(sink, **settings):
    notify = {"allowed_schemes": [*SAFE_SCHEMES, "json"], "egress_allow": [f"127.0.0.1:{sink.port}"], "send_timeout_seconds": 5}
    notify.update(settings)
    return {"queue_url": "immediate:", "plugins": {"notify": notify}}


@pytest.fixture
def world_factory(civic_app_factory, civic_notification_sink):
    def make(config=None, **settings):
        merged = notify_config(civic_notification_sink, **settings)
        merged.update(config or {})
        app = civic_app_factory(plugins=[("sightings", Sightings())], config=merged)
        SIGHTINGS.metadata.create_all(get_database(app).engine)
        return World(app, civic_notification_sink)

    return make


@pytest.fixture
def world(world_factory):
    return world_factory()
