"""Planning alerts at national scale: 1,000,000 subscriptions, 2,000 new applications -> outbox, and PostGIS.

Subscriptions (each 100 m to 2 km) and applications are spread over a GB-sized area, 85% clustered in
60 Zipf-weighted towns (the generators of bench/notify_matching.py). The applications are rows of the
plugin's dataset. Three comparisons, round by round, interleaved:

* **match only**: civicapps' worker index (``index_for`` + ``match``, the index in memory: every pair
  as arrays) against PostGIS's join with every pair returned to the client (``ST_Expand(g, radius) &&``
  with a functional GiST index, built once, plus the exact distance test);
* **whole path**: civicapps' ``match_records`` (the worker's entry point: load the applications as
  items, match, filters, check the matched subscriptions and compute each pair's geodesic distance,
  store each item's snapshot once, insert one outbox row per pair, commit) against PostGIS doing the
  join **and** ``INSERT ... SELECT`` of equivalent rows into a table shaped and indexed like the
  outbox (the same unique key, ``ON CONFLICT DO NOTHING``, the payload JSON with the item and the
  spheroid distance from geography columns), committed. The outbox is emptied before each round;
* **the target (issue #16)**: PostGIS's ``ST_DWithin`` join (GiST on ``g``) finding the pairs,
  against civicapps' whole path above: at least 1 means every message is queued within the time
  PostGIS takes only to find the pairs. The peak RSS of the rounds (setup excluded: Linux's VmHWM
  is reset after it) is printed too.

civicapps' database is SQLite (``--database URL`` puts it on PostgreSQL, the PostGIS server's peer).
Ratios are PostGIS seconds / civicapps seconds: above 1, civicapps is faster.

    python bench/planning_alerts.py --postgis postgresql://postgres@127.0.0.1:5432/postgres
    python bench/planning_alerts.py --smoke [--postgis URL]     # tiny, for CI
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "plugins" / "planning-alerts"))

import civicapps_planning_alerts as planning_alerts  # noqa: E402
from civicapps_planning_alerts.models import DATASET, Application  # noqa: E402
from notify_matching import DWITHIN, EXPAND, RADII, TO_LONLAT, PostGIS, points, towns  # noqa: E402
from notify_setup import add_active_subscriptions, scratch_database  # noqa: E402
from report import machine, ratio  # noqa: E402

from civicapps import create_app, db_session  # noqa: E402
from civicapps.geo.projection import from_wgs84  # noqa: E402
from civicapps.geo.spatial import index_for  # noqa: E402
from civicapps.migrations import upgrade  # noqa: E402
from civicapps.notify.matching import match_records  # noqa: E402
from civicapps.notify.models import OutboxRow  # noqa: E402
from civicapps.notify.topics import topics_of  # noqa: E402

TOPIC = "planning_alerts.near"
CRS = "EPSG:27700"
OUTBOX = """
CREATE TABLE outbox (
    id serial PRIMARY KEY,
    subscription_id int NOT NULL REFERENCES subs (id) ON DELETE CASCADE,
    item_key varchar(200) NOT NULL,
    kind varchar(20) NOT NULL,
    status varchar(10) NOT NULL,
    attempts int NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    payload text NOT NULL,
    CONSTRAINT outbox_once UNIQUE (subscription_id, item_key, kind)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_subscription ON outbox (subscription_id);
"""
WRITE = """
INSERT INTO outbox (subscription_id, item_key, kind, status, attempts, next_attempt_at, created_at, payload)
SELECT s.id, i.id::text, 'new', 'queued', 0, now(), now(),
       json_build_object('topic', CAST(:topic AS text), 'topic_title', CAST(:title AS text),
                         'item', i.snapshot || jsonb_build_object('distance_m', round(ST_Distance(s.geog, i.geog))::int)
       )::text
FROM items i JOIN subs s ON ST_Expand(s.g, s.radius) && i.g AND ST_Distance(s.g, i.g) <= s.radius
ON CONFLICT DO NOTHING
"""


def add_applications(lon: np.ndarray, lat: np.ndarray) -> list[int]:
    now = datetime.now(UTC)
    rows = [
        {
            "authority": "Bench Council",
            "reference": f"B/{n:05d}",
            "description": "Rear extension and loft conversion",
            "address": f"{n} Bench Street",
            "content_hash": f"{n:040d}",
            "version": 1,
            "first_seen_at": now,
            "last_changed_at": now,
            "source_feed": "bench",
            "longitude": float(x),
            "latitude": float(y),
        }
        for n, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]
    session = db_session()
    session.execute(insert(Application), rows)
    session.commit()
    return list(session.scalars(select(Application.id).order_by(Application.id)))


def prepare_postgis(postgis: PostGIS, lon: np.ndarray, lat: np.ndarray, snapshots: list[dict[str, Any]]) -> None:
    """What the whole path needs beyond the match: geography columns (for spheroid distances, as
    civicapps' geodesic ones), each item's snapshot as civicapps' topic makes it, and the outbox."""
    with postgis.engine.begin() as connection:
        raw = connection.connection.driver_connection
        connection.execute(text("CREATE TEMP TABLE lonlat (id int, lon float8, lat float8)"))
        with raw.cursor().copy("COPY lonlat FROM STDIN") as copy:
            for number, (x, y) in enumerate(zip(lon, lat, strict=True), start=1):
                copy.write_row((number, float(x), float(y)))
        connection.execute(text("ALTER TABLE subs ADD COLUMN geog geography(Point, 4326)"))
        connection.execute(
            text("UPDATE subs SET geog = ST_MakePoint(l.lon, l.lat)::geography FROM lonlat l WHERE l.id = subs.id")
        )
        connection.execute(text("ALTER TABLE items ADD COLUMN geog geography(Point, 4326)"))
        connection.execute(text("ALTER TABLE items ADD COLUMN snapshot jsonb"))
        for number, snapshot in enumerate(snapshots, start=1):
            connection.execute(
                text(
                    "UPDATE items SET snapshot = CAST(:s AS jsonb), geog = ST_MakePoint(:x, :y)::geography"
                    " WHERE id = :n"
                ),
                {"s": json.dumps(snapshot), "x": snapshot["lon"], "y": snapshot["lat"], "n": number},
            )
        for statement in OUTBOX.split(";"):
            if statement.strip():
                connection.execute(text(statement))
    postgis.analyze()


def postgis_whole_path(postgis: PostGIS, title: str) -> tuple[float, int]:
    """(wall seconds, rows written) of the join inserting its outbox rows, committed; emptied first."""
    with postgis.engine.begin() as connection:
        connection.execute(text("TRUNCATE outbox"))
    start = time.perf_counter()
    with postgis.engine.begin() as connection:
        connection.execute(text("SET jit = off"))
        written = connection.execute(text(WRITE), {"topic": TOPIC, "title": title}).rowcount
    return time.perf_counter() - start, written


def peak_rss_mb() -> float:
    """This process's peak resident memory since the last :func:`reset_peak_rss` (Linux's VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> bool:
    """Start measuring the peak afresh (Linux: writing 5 to clear_refs resets VmHWM), so the peak of
    the measured rounds is not the setup's (a million subscriptions generated and inserted)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--applications", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgis", help="PostgreSQL server URL with PostGIS available")
    parser.add_argument("--database", help="PostgreSQL server URL for civicapps' own database (default: SQLite)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI: no figure means anything")
    args = parser.parse_args()
    if args.smoke:
        args.subscriptions, args.applications, args.rounds = 6_000, 50, 2
    machine("start")
    rng = np.random.default_rng(27700)
    centres = towns(rng)
    x, y = points(args.subscriptions, centres, rng)
    radius = rng.choice(RADII, args.subscriptions)
    ix, iy = points(args.applications, centres, rng)
    lon, lat = TO_LONLAT.transform(x, y)
    item_lon, item_lat = TO_LONLAT.transform(ix, iy)
    print(
        f"{args.subscriptions:,} subscriptions in towns (radius 100 m-2 km), {args.applications:,} new applications; "
        f"civicapps on {'PostgreSQL' if args.database else 'SQLite'}",
        flush=True,
    )
    with ExitStack() as stack:
        instance = stack.enter_context(tempfile.TemporaryDirectory())
        config: dict[str, Any] = {
            "instance_path": instance,
            "secret_key": "bench",
            "queue_url": "immediate:",
            "base_url": "https://alerts.example.gov.uk",
        }
        if args.database:
            config["database_url"] = stack.enter_context(scratch_database(args.database, "bench_planning"))
        app = create_app(config, plugins=[("planning_alerts", planning_alerts)], load_entrypoints=False)
        stack.callback(lambda: app.extensions["civicapps"].db.dispose())
        stack.enter_context(app.app_context())
        stack.enter_context(app.test_request_context())
        upgrade(app)
        session = db_session()
        add_active_subscriptions(session, TOPIC, ["https://x.example/hook"] * len(lon), lon, lat, radius)
        ids = add_applications(item_lon, item_lat)
        topic = topics_of(app)[TOPIC]
        items = list(topic.load(app, ids))
        located_lon, located_lat = [i.lon for i in items], [i.lat for i in items]
        postgis = None
        if args.postgis:
            px, py = from_wgs84(lon, lat, CRS)
            pix, piy = from_wgs84(located_lon, located_lat, CRS)
            postgis = PostGIS(
                stack.enter_context(scratch_database(args.postgis, "bench_postgis")), px, py, radius, pix, piy
            )
            stack.callback(postgis.close)
            prepare_postgis(postgis, lon, lat, [item.snapshot() for item in items])
            builds = ", ".join(f"{label} {seconds:.2f} s" for label, seconds in postgis.builds.items())
            print(f"  PostGIS index builds (once, not in any ratio): {builds}")

        def match_only() -> tuple[float, int]:
            start = time.perf_counter()
            live = index_for(app, session.connection(), TOPIC, CRS)
            _, pairs, _ = live.match(located_lon, located_lat)
            session.commit()
            return time.perf_counter() - start, len(pairs)

        def whole_path() -> tuple[float, int]:
            session.execute(delete(OutboxRow))
            session.commit()
            start = time.perf_counter()
            written = sum(match_records(app, DATASET, ids, []).values())
            seconds = time.perf_counter() - start
            assert session.scalar(select(func.count()).select_from(OutboxRow)) == written
            return seconds, written

        print(f"  peak RSS of the setup: {peak_rss_mb():,.0f} MB; RSS now {current_rss_mb():,.0f} MB", flush=True)
        measured = "the rounds" if reset_peak_rss() else "the whole run, setup included"
        seconds, pairs = match_only()
        print(f"  civicapps first match, cold index (read all, project, build, store the snapshot): {seconds:.3f} s")
        rows: dict[str, list[float]] = {}
        for round_number in range(1, args.rounds + 1):
            figures: dict[str, float] = {}
            counts: dict[str, int] = {}
            figures["ours match"], counts["civicapps match"] = match_only()
            figures["ours whole"], counts["civicapps outbox rows"] = whole_path()
            line = (
                f"  round {round_number}: civicapps match only {figures['ours match']:.3f} s, "
                f"whole path (match_records) {figures['ours whole']:.3f} s"
            )
            if postgis:
                figures["their match"], counts["PostGIS match"] = postgis.join(EXPAND)
                figures["their dwithin"], counts["PostGIS ST_DWithin match"] = postgis.join(DWITHIN)
                figures["their whole"], counts["PostGIS outbox rows"] = postgis_whole_path(postgis, topic.title)
                line += (
                    f"; PostGIS match only {figures['their match']:.3f} s, {DWITHIN} {figures['their dwithin']:.3f} s, "
                    f"join + INSERT ... SELECT {figures['their whole']:.3f} s"
                )
            if len(set(counts.values())) != 1:
                raise SystemExit(f"\npair or row counts differ: {counts}")
            print(line + f"; {counts['civicapps match']:,} pairs = outbox rows", flush=True)
            for label, value in figures.items():
                rows.setdefault(label, []).append(value)
        matched = [m / w for m, w in zip(rows["ours match"], rows["ours whole"], strict=True)]
        ratio("civicapps match only / whole path, wall (the share of matching)", matched)
        print(f"  peak RSS of {measured} (civicapps and the PostGIS client): {peak_rss_mb():,.0f} MB", flush=True)
        if postgis:
            ratio(
                f"target: PostGIS {DWITHIN} finding the pairs / civicapps whole path (match_records), wall "
                "(at least 1: the whole path within the join's time)",
                [t / o for t, o in zip(rows["their dwithin"], rows["ours whole"], strict=True)],
            )
            ratio(
                f"match only: PostGIS {EXPAND}, pairs returned / civicapps index in memory, wall "
                "(above 1: civicapps faster)",
                [t / o for t, o in zip(rows["their match"], rows["ours match"], strict=True)],
            )
            ratio(
                "whole path: PostGIS join + INSERT ... SELECT of the outbox rows / civicapps match_records, wall "
                "(above 1: civicapps faster)",
                [t / o for t, o in zip(rows["their whole"], rows["ours whole"], strict=True)],
            )
        else:
            print("  PostGIS: not run (pass --postgis URL)")
    machine("end")


if __name__ == "__main__":
    main()
