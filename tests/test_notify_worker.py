"""Real `civicapps worker` processes: SIGKILL in the middle of 1,000 deliveries loses nothing, repeats at
most the one message in flight per send thread, and another worker takes over the dead one's claimed
messages within the lease, on Huey over SQLite and over a real Redis; one scheduler at a time."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter

import pytest
from conftest import DOUGLAS, ROOT
from sqlalchemy import func, select, update

from civicapps.db import get_database
from civicapps.jobs.lease import JobLease, acquire
from civicapps.jobs.queue import SCHEDULER_LEASE
from civicapps.notify.matching import match_pending
from civicapps.notify.models import OutboxRow
from civicapps.notify.subscriptions import SubscriptionRequest, confirm, create


def worker_env(world, **extra):
    """Environment for a worker process on the same database, queue and settings as ``world.app``."""
    state = world.app.extensions["civicapps"]
    notify = state.config.raw["plugins"]["notify"]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(ROOT),  # this checkout's civicapps, however civicapps is installed
        "CIVICAPPS_DATABASE_URL": state.db.url.render_as_string(hide_password=False),
        "CIVICAPPS_INSTANCE_PATH": world.app.instance_path,
        "CIVICAPPS_SECRET_KEY": "test-secret-key",
        "CIVICAPPS_QUEUE_URL": state.settings.queue_url,
    }
    env.update({f"CIVICAPPS_PLUGINS__NOTIFY__{key.upper()}": json.dumps(value) for key, value in notify.items()})
    env.update(extra)
    return env


def start_worker(world, log, *args, threads=1):
    return subprocess.Popen(
        [sys.executable, "-m", "civicapps", "worker", "--threads", str(threads), *args],
        env=worker_env(world),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=world.app.instance_path,
    )


def active_webhook(world, target):
    """A confirmed webhook subscription around Douglas (its confirmation message is then never sent)."""
    with world.app.app_context():
        subscription = create(
            world.app,
            SubscriptionRequest("sightings.near", "webhook", target, lat=DOUGLAS[0], lon=DOUGLAS[1], radius_m=1000),
            None,
        )
        confirm(subscription)
        return subscription.id


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_sigkill_mid_delivery_loses_nothing_repeats_one_per_send_thread_and_is_taken_over_within_the_lease(
    world_factory, queue, tmp_path, request
):
    queue_url = request.getfixturevalue("redis_url") if queue == "redis" else f"sqlite:///{tmp_path / 'queue.db'}"
    lease = 6.0
    # A send that times out is retried a minute later, so a sink slowed down by a loaded machine could
    # see a second copy the test did not wait for: give each send room.
    world = world_factory(
        {"queue_url": queue_url}, sending_timeout_seconds=lease, send_timeout_seconds=2.0, batch_size=20
    )
    active_webhook(world, world.sink.url("/hook"))
    world.ingest(new=[world.add(f"Sighting {n:04d}") for n in range(1000)])
    with world.app.app_context():
        assert match_pending(world.app) == 1000  # matched here: the worker process has no Sightings plugin

    threads = 2  # two deliver jobs at once, each with its send thread: two messages may be in flight
    log = (tmp_path / "worker.log").open("w")
    # Neither worker runs the schedule, so no minute's sweep can hide what the heartbeat does.
    first = start_worker(world, log, "--no-periodic", threads=threads)
    world.sink.wait_for(300, timeout=60)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed = time.monotonic()
    killed_at = len(world.sink.messages)
    assert 0 < killed_at < 1000, f"the kill must land mid-delivery (sink had {killed_at})"
    with get_database(world.app).engine.connect() as connection:
        left = set(connection.scalars(select(OutboxRow.claim).where(OutboxRow.status == "sending")))
    assert left, "the dead worker left claimed messages behind"

    # The second worker's heartbeat finds the dead worker's lapsed claims and takes them over.
    second = start_worker(world, log, "--no-periodic")
    try:
        taken_over = None
        while time.monotonic() < killed + lease + 30:
            with get_database(world.app).engine.connect() as connection:
                if not connection.scalar(select(func.count()).where(OutboxRow.claim.in_(left))):
                    taken_over = time.monotonic() - killed
                    break
            time.sleep(0.2)
        deadline = time.monotonic() + 90
        while len({m["body"]["id"] for m in world.sink.messages}) < 1000 and time.monotonic() < deadline:
            time.sleep(0.1)
        world.settle()
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(timeout=30)
    assert taken_over is not None, f"the dead worker's claims were never taken over (log {log.name})"
    ids = Counter(message["body"]["id"] for message in world.sink.messages)
    titles = {message["body"]["title"] for message in world.sink.messages}
    assert len(ids) == 1000 and len(titles) == 1000, f"every message delivered ({len(ids)} of 1000; log {log.name})"
    repeats = sum(ids.values()) - len(ids)
    assert repeats <= threads, f"at most the one in-flight message per send thread went twice: {repeats} repeats"
    with world.app.app_context(), get_database(world.app).engine.connect() as connection:
        states = dict(connection.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all())
    assert states == {"sent": 1000, "cancelled": 1}, (
        "the confirmation of an already confirmed subscription is cancelled"
    )


def test_only_one_worker_holds_the_scheduler_lease(world_factory, tmp_path):
    world = world_factory({"queue_url": f"sqlite:///{tmp_path / 'queue.db'}"})
    engine = get_database(world.app).engine
    assert acquire(engine, SCHEDULER_LEASE, "elsewhere:1:a")
    assert not acquire(engine, SCHEDULER_LEASE, "elsewhere:2:b"), "an unexpired lease held by another worker"
    assert acquire(engine, SCHEDULER_LEASE, "elsewhere:1:a", seconds=-1), "the holder renews (here: lets it lapse)"
    assert acquire(engine, SCHEDULER_LEASE, "elsewhere:2:b"), "an expired lease is taken over"
    # A holder on this machine whose process is gone is replaced at once, lease or no lease.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    with engine.begin() as connection:
        connection.execute(update(JobLease).values(holder=f"{socket.gethostname()}:{dead}:x"))
    assert acquire(engine, SCHEDULER_LEASE, "elsewhere:3:c")
    with engine.connect() as connection:
        assert connection.scalar(select(JobLease.holder)) == "elsewhere:3:c"


def test_a_worker_process_records_why_a_send_failed_without_logging_the_target(world_factory, tmp_path):
    """The worker keeps apprise's messages out of its log (they name destinations), yet the reason a
    receiver gave still reaches the outbox for staff."""
    world = world_factory({"queue_url": f"sqlite:///{tmp_path / 'queue.db'}"})
    active_webhook(world, world.sink.url("/fail/secret-path"))
    world.ingest(new=[world.add("Sighting 1")])
    with world.app.app_context():
        assert match_pending(world.app) == 1
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = start_worker(world, log)
        try:
            deadline = time.monotonic() + 60
            with get_database(world.app).engine.connect() as connection:
                while time.monotonic() < deadline:
                    row = connection.execute(select(OutboxRow).where(OutboxRow.kind == "new")).one()
                    connection.rollback()
                    if row.attempts:
                        break
                    time.sleep(0.1)
        finally:
            worker.send_signal(signal.SIGINT)
            worker.wait(timeout=30)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "error=500" in row.last_error, row.last_error
    assert "secret-path" not in log_path.read_text()
