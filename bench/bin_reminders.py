"""One evening's bin collection reminders for N subscribers: composed and queued, against the core's
matching of one item to N subscriptions.

Setup (not timed): N addresses served by one round collected tomorrow, and N confirmed webhook
subscriptions to ``bin_collections.reminders``, one per address (the key is its UPRN). Timed, each
on a fresh copy of that setup:

- reminders: ``announce_evening`` at 18:00 London time (finds tomorrow's addresses, announces one
  item per address) and the ``notify.match`` job (``match_pending``: the topic composes each
  reminder, "Put out: ...", key matching, one outbox row per subscription), i.e. everything up to
  the messages waiting for a worker to send;
- anchor: the core's dispatch benchmark's matching step, ``match_records`` of one area item that
  lies inside all N subscriptions (one snapshot, N outbox rows), on the same database engine.

    PYTHONPATH=.:plugins/bin-collections python bench/bin_reminders.py [--subscribers 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import civicapps_bin_collections as bin_collections  # noqa: E402
from civicapps_bin_collections import clock  # noqa: E402
from civicapps_bin_collections.models import Address, Round  # noqa: E402
from civicapps_bin_collections.reminders import TOPIC, announce_evening  # noqa: E402
from civicapps_bin_collections.schedule import LONDON  # noqa: E402
from flask import Flask  # noqa: E402
from notify_dispatch import Bench  # noqa: E402
from notify_setup import add_active_subscriptions, add_key_subscriptions, scratch_database  # noqa: E402
from report import machine, ratio  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from civicapps import create_app  # noqa: E402
from civicapps.db import db_session  # noqa: E402
from civicapps.migrations import upgrade  # noqa: E402
from civicapps.notify.matching import match_pending, match_records  # noqa: E402
from civicapps.notify.models import OutboxRow  # noqa: E402

EVENING = dt.datetime(2027, 3, 23, 18, 0, tzinfo=LONDON)  # a Tuesday; the round collects on Wednesdays


def make_app(folder: str, database: str | None) -> Flask:
    config = {
        "instance_path": folder,
        "secret_key": "bench",
        "database_url": database or f"sqlite:///{folder}/civicapps.db",
        "queue_url": f"sqlite:///{folder}/queue.db",  # nothing consumes it: the timed steps run here
        "plugins": {"notify": {"channels": ["webhook"]}},
    }
    app = create_app(config, plugins=[("bin_collections", bin_collections), ("bench", Bench())], load_entrypoints=False)
    with app.app_context():
        upgrade(app)
    return app


def reminders(folder: str, database: str | None, count: int) -> float:
    """Seconds from the evening's announcement to N reminders in the outbox."""
    app = make_app(folder, database)
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        session = db_session()
        provenance = {
            "authority": "bench",
            "content_hash": "x",
            "version": 1,
            "first_seen_at": now,
            "last_changed_at": now,
            "source_feed": "bench",
        }
        session.execute(
            insert(Round),
            [{**provenance, "reference": "WED", "bin": "Recycling", "weekday": "Wednesday", "frequency": "weekly"}],
        )
        uprns = [str(100_000_000_000 + n) for n in range(count)]
        session.execute(
            insert(Address),
            [
                {**provenance, "reference": u, "address": f"{u} Bench Street", "postcode": "YO1 7HH", "rounds": "WED"}
                for u in uprns
            ],
        )
        session.commit()
        add_key_subscriptions(session, TOPIC, [f"http://127.0.0.1:9/{u}" for u in uprns], uprns)
    clock.now = lambda: EVENING.astimezone(dt.UTC)
    start = time.perf_counter()
    with app.app_context():
        assert announce_evening(app) == count
        match_pending(app)
    elapsed = time.perf_counter() - start
    check_outbox(app, count)
    return elapsed


def anchor(folder: str, database: str | None, count: int) -> float:
    """Seconds for the core to match one area item to N subscriptions and write their outbox rows."""
    app = make_app(folder, database)
    with app.app_context():
        targets = [f"http://127.0.0.1:9/{n}" for n in range(count)]
        add_active_subscriptions(db_session(), "bench.near", targets, [-4.48] * count, [54.15] * count, [100.0] * count)
    start = time.perf_counter()
    with app.app_context():
        match_records(app, "bench.item", [1], [])
    elapsed = time.perf_counter() - start
    check_outbox(app, count)
    return elapsed


def check_outbox(app: Flask, count: int) -> None:
    with app.app_context():
        written = db_session().scalar(select(func.count()).select_from(OutboxRow))
    app.extensions["civicapps"].db.dispose()
    if written != count:
        raise SystemExit(f"expected {count} outbox rows, found {written}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", help="a PostgreSQL server URL (a new database per run); default SQLite")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI: no figure means anything")
    args = parser.parse_args()
    if args.smoke:
        args.subscribers, args.rounds = 50, 1
    machine("start")
    print(f"{args.subscribers:,} subscribers, one evening; database {args.database or 'SQLite'}", flush=True)
    ours, base = [], []
    for n in range(args.rounds):
        for label, run, out in (("anchor", anchor, base), ("reminders", reminders, ours)):
            with tempfile.TemporaryDirectory() as folder:
                if args.database:
                    with scratch_database(args.database, "bench_bins") as url:
                        seconds = run(folder, url, args.subscribers)
                else:
                    seconds = run(folder, None, args.subscribers)
            out.append(seconds)
            print(f"round {n + 1} {label}: {seconds:.2f} s ({args.subscribers / seconds:,.0f} per second)", flush=True)
    ratio(
        "reminders composed and queued / core matching of one item to as many subscriptions, seconds (lower is better)",
        [a / b for a, b in zip(ours, base, strict=True)],
    )
    machine("end")


if __name__ == "__main__":
    main()
