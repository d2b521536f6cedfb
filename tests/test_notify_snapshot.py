"""Stored area indexes: a fresh worker starts from the topic's snapshot in the database and matches
exactly what a full rebuild matches, whatever happened since; stale or foreign snapshots are ignored;
subscriptions deleted outright never become outbox rows."""
import json
import logging

import numpy as np
import pytest
from sqlalchemy import delete, func, insert, select, text, update

from civicapps.db import db_session, get_database
from civicapps.geo import spatial
from civicapps.geo.spatial import AreaIndex, index_for, load_index
from civicapps.notify import snapshot
from civicapps.notify.matching import match_records
from civicapps.notify.models import OutboxRow, Subscription, TopicIndex
from civicapps.notify.subscriptions import bump_topic, confirm, end, set_frequency
from tests.conftest import DOUGLAS

TOPIC = "sightings.near"
RNG = np.random.default_rng(27700)
CORNERS = [[-4.50, 54.14], [-4.46, 54.14], [-4.46, 54.16], [-4.50, 54.16], [-4.50, 54.14]]
SQUARE = json.dumps({"type": "Polygon", "coordinates": [CORNERS]})
ITEMS_LON = np.concatenate([DOUGLAS[1] + RNG.uniform(-0.03, 0.03, 300), [-4.48]])
ITEMS_LAT = np.concatenate([DOUGLAS[0] + RNG.uniform(-0.03, 0.03, 300), [54.15]])


def add(session, count, *, status="active", changed=0, polygons=0, target="https://example.org/"):
    """``count`` circle subscriptions around Douglas and ``polygons`` square ones; their ids."""
    base = {"topic": TOPIC, "channel": "webhook", "target": target, "confirm_attempts": 0, "status": status}
    rows = [
        {
            **base,
            "target_hash": f"c{n}",
            "lon": DOUGLAS[1] + RNG.uniform(-0.03, 0.03),
            "lat": DOUGLAS[0] + RNG.uniform(-0.03, 0.03),
            "radius_m": float(RNG.choice([100.0, 250.0, 500.0, 1000.0])),
            "frequency": str(RNG.choice(["instant", "daily", "weekly"])),
            "changed": changed,
        }
        for n in range(count)
    ]
    rows += [
        {**base, "target_hash": f"p{n}", "polygon": SQUARE, "frequency": "weekly", "changed": changed}
        for n in range(polygons)
    ]
    return session.scalars(insert(Subscription).returning(Subscription.id), rows).all()


def triples(matched):
    return sorted(zip(*(part.tolist() for part in matched), strict=True))


def full_rebuild(session, crs="EPSG:27700"):
    """What a worker rebuilding from every subscription matches now."""
    return triples(load_index(session.connection(), TOPIC, crs)[0].match(ITEMS_LON, ITEMS_LAT))


def fresh_worker(app, session, crs="EPSG:27700"):
    """A worker process's first match: nothing in memory."""
    app.extensions.pop("civicapps_area_index", None)
    session.commit()  # a new transaction, as each match job has
    live = index_for(app, session.connection(), TOPIC, crs)
    return live, triples(live.match(ITEMS_LON, ITEMS_LAT))


def stored(session):
    """The stored snapshots, as a new transaction sees them (they are saved in one of their own)."""
    session.commit()
    return session.execute(select(TopicIndex.topic, TopicIndex.crs, TopicIndex.version)).all()


@pytest.fixture
def counted(monkeypatch):
    """Snapshots for topics of any size, and a record of every full read and every save."""
    monkeypatch.setattr(snapshot, "MIN_ENTRIES", 100)
    calls = {"full reads": 0, "saves": []}
    real_load, real_save = spatial.load_index, snapshot.save

    def load_index_counted(connection, topic, crs, since=None):
        calls["full reads"] += since is None
        return real_load(connection, topic, crs, since=since)

    def save_counted(engine, topic, crs, version, arrays):
        done = real_save(engine, topic, crs, version, arrays)
        calls["saves"].append((version, done))
        return done

    monkeypatch.setattr(spatial, "load_index", load_index_counted)
    monkeypatch.setattr(snapshot, "save", save_counted)
    return calls


@pytest.fixture
def topic(world):
    """400 circle and 2 polygon subscriptions, active, and the topic's version moved past 0."""
    with world.app.app_context():
        session = db_session()
        add(session, 400, polygons=2)
        session.execute(update(Subscription).where(Subscription.id == 4).values(lon=-4.48, lat=54.15, radius_m=500.0))
        bump_topic(session, TOPIC)
        session.commit()
    return world


def test_a_fresh_worker_on_another_app_starts_from_the_snapshot(topic, world_factory, counted):
    with topic.app.app_context():
        session = db_session()
        built = index_for(topic.app, session.connection(), TOPIC, "EPSG:27700")
        expected = full_rebuild(session)
        assert stored(session) == [(TOPIC, "EPSG:27700", 1)] and counted["saves"] == [(1, True)]
        assert any(s > 400 for _, s, _ in expected), "the polygons match the last item"
    url = get_database(topic.app).url.render_as_string(hide_password=False)
    other = world_factory({"database_url": url}).app  # a new process's app on the same database
    reads = counted["full reads"]
    with other.app_context():
        session = db_session()
        live, found = fresh_worker(other, session)
        assert counted["full reads"] == reads, "nothing read but the snapshot"
        assert live.base_version == live.version == 1 and live.base is not built.base
        assert found == expected
        assert np.array_equal(live.base.grid.keys, built.base.grid.keys) and len(live.base.polygon_ids) == 2
        assert len(counted["saves"]) == 1, "loading writes nothing"


def test_a_fresh_worker_follows_the_changes_since_the_snapshot(topic, counted):
    with topic.app.app_context():
        session = db_session()
        index_for(topic.app, session.connection(), TOPIC, "EPSG:27700")
        # Since the snapshot: 3 unsubscribe (one a polygon), 2 move their circle, 1 switches to weekly
        # digests, 4 are confirmed (pending until now), and one polygon is added.
        for subscription in session.scalars(select(Subscription).where(Subscription.id.in_([1, 2, 3, 402]))):
            end(subscription)
        set_frequency(topic.app, session.get(Subscription, 4), "weekly")
        pending = add(session, 4, status="pending")
        session.commit()
        for subscription in session.scalars(select(Subscription).where(Subscription.id.in_(pending))):
            confirm(subscription)
        version = bump_topic(session, TOPIC)  # as a change of area would
        moved = update(Subscription).where(Subscription.id.in_([5, 6]))
        session.execute(moved.values(radius_m=3000.0, changed=version))
        add(session, 0, polygons=1, changed=version)
        session.commit()

        live, found = fresh_worker(topic.app, session)
        assert live.base_version == 1 and live.version == version and len(live.hidden) == 12
        assert counted["full reads"] == 1 and len(counted["saves"]) == 1, "the changes were read on their own"
        assert found == full_rebuild(session)
        ids = {s for _, s, _ in found}
        assert {1, 2, 3, 402}.isdisjoint(ids) and set(pending) <= set(live.recent.ids.tolist())
        assert (len(ITEMS_LON) - 1, 4, 2) in found, "weekly now"

        # Past REBUILD_SHARE of changes, a fresh worker rebuilds and stores the new version instead.
        version = bump_topic(session, TOPIC)
        session.execute(update(Subscription).where(Subscription.id <= 100).values(radius_m=50.0, changed=version))
        session.commit()
        live, found = fresh_worker(topic.app, session)
        assert live.base_version == version and counted["full reads"] == 2
        assert stored(session) == [(TOPIC, "EPSG:27700", version)] and counted["saves"][-1] == (version, True)
        assert found == full_rebuild(session)


def test_a_snapshot_ahead_of_the_topic_is_ignored_and_replaced(topic, counted):
    """A snapshot tagged with a version the topic has not reached belongs to another history (say,
    a restored database); used, it would match these ids wrongly."""
    with topic.app.app_context():
        session = db_session()
        alien = AreaIndex.build([1, 2], [DOUGLAS[1]] * 2, [DOUGLAS[0]] * 2, [5000.0] * 2, [0, 0], [], "EPSG:27700")
        session.execute(
            insert(TopicIndex).values(topic=TOPIC, crs="EPSG:27700", version=9, data=snapshot.encode(alien.arrays()))
        )
        session.commit()
        live, found = fresh_worker(topic.app, session)
        assert live.base_version == 1 and counted["full reads"] == 1
        assert found == full_rebuild(session)
        assert stored(session) == [(TOPIC, "EPSG:27700", 1)] and counted["saves"] == [(1, True)]


def test_another_crs_is_built_for_it_and_replaces_the_snapshot(topic, counted):
    with topic.app.app_context():
        session = db_session()
        index_for(topic.app, session.connection(), TOPIC, "EPSG:27700")
        live, found = fresh_worker(topic.app, session, "EPSG:32630")
        assert live.base.crs == "EPSG:32630" and counted["full reads"] == 2
        assert found == full_rebuild(session, "EPSG:32630")
        assert stored(session) == [(TOPIC, "EPSG:32630", 1)]
        # A worker whose memory holds another CRS's index rebuilds too (and loads none of another CRS).
        live = index_for(topic.app, session.connection(), TOPIC, "EPSG:27700")
        assert live.base.crs == "EPSG:27700" and counted["full reads"] == 3
        assert stored(session) == [(TOPIC, "EPSG:27700", 1)]


def test_the_snapshot_is_written_once_per_rebuild(topic, counted, monkeypatch):
    with topic.app.app_context():
        session = db_session()

        def match():
            return index_for(topic.app, session.connection(), TOPIC, "EPSG:27700").match(ITEMS_LON, ITEMS_LAT)

        match()
        match()
        end(session.get(Subscription, 7))
        match()
        topic.app.extensions.pop("civicapps_area_index")
        match()
        assert counted["saves"] == [(1, True)] and counted["full reads"] == 1
        monkeypatch.setattr(spatial, "REBUILD_SHARE", 0.0)
        end(session.get(Subscription, 8))
        match()
        match()
        assert counted["saves"] == [(1, True), (3, True)] and stored(session) == [(TOPIC, "EPSG:27700", 3)]


def test_small_topics_are_not_stored(topic):
    with topic.app.app_context():
        session = db_session()
        index_for(topic.app, session.connection(), TOPIC, "EPSG:27700")
        assert snapshot.MIN_ENTRIES > 402 and stored(session) == []


def test_racing_saves_keep_the_newer_version(topic):
    with topic.app.app_context():
        session = db_session()
        engine = get_database(topic.app).engine
        arrays = AreaIndex.build([1], [DOUGLAS[1]], [DOUGLAS[0]], [100.0], [0], [], "EPSG:27700").arrays()
        for _ in range(5):
            bump_topic(session, TOPIC)
        session.commit()  # the topic is at version 6
        assert snapshot.save(engine, TOPIC, "EPSG:27700", 5, arrays)
        assert not snapshot.save(engine, TOPIC, "EPSG:27700", 4, arrays), "an older rebuild loses"
        assert snapshot.save(engine, TOPIC, "EPSG:27700", 6, arrays)
        session.execute(update(TopicIndex).values(version=50))
        session.commit()
        assert snapshot.save(engine, TOPIC, "EPSG:27700", 6, arrays), "one ahead of the topic is replaced"
        assert stored(session) == [(TOPIC, "EPSG:27700", 6)]
        found = snapshot.load(session.connection(), TOPIC, "EPSG:27700", newest=6)
        assert found is not None and found[0] == 6 and np.array_equal(found[1]["grid_keys"], arrays["grid_keys"])


def test_failing_to_save_never_fails_the_match(topic, counted, caplog, monkeypatch):
    def out_of_memory(arrays):
        raise MemoryError("no room for the snapshot of https://example.org/")

    monkeypatch.setattr(snapshot, "encode", out_of_memory)
    with topic.app.app_context():
        session = db_session()
        with caplog.at_level(logging.WARNING, "civicapps.notify"):
            live = index_for(topic.app, session.connection(), TOPIC, "EPSG:27700")
        assert triples(live.match(ITEMS_LON, ITEMS_LAT)) == full_rebuild(session)
        assert counted["saves"] == [(1, False)]
        assert "Could not store the index of topic sightings.near" in caplog.text
        assert "example.org" not in caplog.text and "webhook" not in caplog.text


def test_an_unreadable_snapshot_is_rebuilt(topic, counted):
    with topic.app.app_context():
        session = db_session()
        session.execute(insert(TopicIndex).values(topic=TOPIC, crs="EPSG:27700", version=1, data=b"not an npz"))
        session.commit()
        live, found = fresh_worker(topic.app, session)
        assert found == full_rebuild(session) and counted["full reads"] == 1
        assert counted["saves"] == [(1, True)], "replaced, though of the same version"
        assert fresh_worker(topic.app, session)[1] == found and counted["full reads"] == 1


def test_subscriptions_deleted_outright_get_no_outbox_rows(topic, counted):
    """Deleted without a version bump (by hand, or a plugin), a subscription stays in the snapshot and
    in workers' memory: matching must skip it, not fail on the outbox's foreign key or write to it."""
    with topic.app.app_context():
        session = db_session()
        target = topic.sink.url("/hook")
        session.execute(delete(Subscription))
        circles = add(session, 150, target=target)
        polygons = add(session, 0, polygons=2, target=target)
        bump_topic(session, TOPIC)
        session.commit()
        sighting = topic.add("Basking shark", lat=54.15, lon=-4.48)
        live = index_for(topic.app, session.connection(), TOPIC, "EPSG:27700")
        matched = set(live.match([-4.48], [54.15])[1].tolist())
        session.commit()
        gone = [s for s in circles if s in matched][:2] + [polygons[0]]
        assert len(gone) == 3
        session.execute(delete(Subscription).where(Subscription.id.in_(gone)))
        session.commit()
        for fresh in (False, True):  # the worker's memory, then a fresh worker's snapshot
            if fresh:
                topic.app.extensions.pop("civicapps_area_index")
            session.execute(delete(OutboxRow))
            session.commit()
            written = match_records(topic.app, "sightings.sighting", [sighting], [])
            rows = set(session.scalars(select(OutboxRow.subscription_id)))
            assert rows == matched - set(gone) and sum(written.values()) == len(rows)
        assert counted["full reads"] == 1
        orphans = select(func.count()).select_from(OutboxRow).where(OutboxRow.subscription_id.in_(gone))
        assert session.scalar(orphans) == 0


def test_postgresql_stores_snapshots_uncompressed(world):
    """pglz would compress a quarter of a snapshot away at six times the cost of writing it."""
    with world.app.app_context():
        session = db_session()
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("a PostgreSQL storage setting")
        storage = session.scalar(
            text(
                "SELECT attstorage FROM pg_attribute WHERE attrelid = 'notify_topic_index'::regclass"
                " AND attname = 'data'"
            )
        )
        assert storage == "e"
