"""Match 1,000,000 radius subscriptions against 2,000 new items: civicapps' grid matcher and PostGIS, same data.

Subscriptions and items are spread over Great Britain, either uniformly or clustered in towns (85% in
60 Zipf-weighted towns, as in docs/research), each subscription with its own radius (100 m to 2 km).
civicapps is timed cold, a fresh worker's first match, both ways side by side: from the topic's index
snapshot stored in the database (load it, read the subscriptions changed since, match) and rebuilding
from every subscription (read, project, build the index, store the snapshot, match); then warm (the
worker's index in memory: project the items and match); all again after 1,000 subscriptions changed.
Wall and CPU seconds (the machine may be shared), and the cold paths' parts on their own. PostGIS runs
the ST_DWithin join on the same projected points (geometry 27700, GiST index) and, for reference, the
ST_Expand form with a functional index. Pair counts must agree.

    python bench/notify_matching.py                                   # SQLite only
    python bench/notify_matching.py --postgis postgresql://postgres@127.0.0.1:5432/postgres
    python bench/notify_matching.py --database postgresql://postgres@127.0.0.1:5432/postgres  # civicapps on PG

The PostGIS URL needs a role that may create a database and the postgis extension
(Debian: apt-get install postgresql-15-postgis-3).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Transformer
from sqlalchemy import create_engine, delete, insert, select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notify_setup import add_active_subscriptions, scratch_database  # noqa: E402

from civicapps import create_app  # noqa: E402
from civicapps.db import db_session, get_database  # noqa: E402
from civicapps.migrations import upgrade  # noqa: E402
from civicapps.notify import snapshot  # noqa: E402
from civicapps.notify.models import Subscription, TopicIndex  # noqa: E402
from civicapps.notify.spatial import (  # noqa: E402
    FREQUENCY_CODE,
    AreaIndex,
    Grid,
    index_for,
    read_numbers,
    transformer,
)
from civicapps.notify.subscriptions import bump_topic  # noqa: E402

RADII = np.array([100.0, 250.0, 500.0, 1000.0, 2000.0])
TO_LONLAT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def towns(rng: np.random.Generator) -> np.ndarray:
    """60 town centres (x, y, spread, weight) shared by subscriptions and items."""
    weight = 1 / np.arange(1, 61)
    return np.column_stack(
        [
            rng.uniform(50_000, 650_000, 60),
            rng.uniform(50_000, 1_200_000, 60),
            rng.uniform(3_000, 15_000, 60),
            weight / weight.sum(),
        ]
    )


def points(count: int, centres: np.ndarray | None, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid metres over a GB-sized box: uniform, or 85% in Gaussian towns."""
    x, y = rng.uniform(0, 700_000, count), rng.uniform(0, 1_300_000, count)
    if centres is not None:
        town = rng.choice(len(centres), count, p=centres[:, 3])
        inside = rng.random(count) < 0.85
        x = np.where(inside, centres[town, 0] + rng.normal(0, 1, count) * centres[town, 2], x)
        y = np.where(inside, centres[town, 1] + rng.normal(0, 1, count) * centres[town, 2], y)
    return x, y


Timing = tuple[float, float]  # wall seconds, CPU seconds
TOPIC = "bench.near"
CRS = "EPSG:27700"
COLD_REBUILD = "cold, no snapshot: read all, project, index, store"
COLD_SNAPSHOT = "cold, from the snapshot: load, read changes"


def civicapps_matching(
    lon: np.ndarray,
    lat: np.ndarray,
    radius: np.ndarray,
    item_lon: np.ndarray,
    item_lat: np.ndarray,
    rounds: int,
    database_url: str | None,
) -> tuple[dict[str, Timing], dict[str, float]]:
    """A fresh worker's first match both ways, alternating for ``rounds``: from the topic's snapshot in
    the database, and rebuilding from every subscription (no snapshot yet, or too many changes). Then
    warm (the worker's index in memory), and all three again after 1,000 subscriptions changed.
    Medians of (wall, CPU) per step, the cold paths' parts on their own, and counts. civicapps' own
    database is SQLite in the instance folder unless ``database_url`` is given."""
    with tempfile.TemporaryDirectory() as instance:
        config = {"instance_path": instance, "secret_key": "bench"}
        app = create_app({**config, "database_url": database_url} if database_url else config, load_entrypoints=False)
        with app.app_context():
            upgrade(app)
            session = db_session()
            add_active_subscriptions(session, TOPIC, ["x"] * len(lon), lon, lat, radius)
            runs: dict[str, list[Timing]] = {}
            counts: dict[str, float] = {}

            def timed(label: str, fresh: bool = False) -> Any:
                if fresh:  # a new worker process: no index in memory
                    app.extensions.pop("civicapps_area_index", None)
                session.commit()  # each match job runs in a transaction of its own
                start, cpu = time.perf_counter(), time.process_time()
                live = index_for(app, session.connection(), TOPIC, CRS)
                result = live.match(item_lon, item_lat)
                runs.setdefault(label, []).append((time.perf_counter() - start, time.process_time() - cpu))
                return live, result

            def keep_snapshot(stored: Any | None) -> None:
                """Store this snapshot (row), or none."""
                session.commit()
                session.execute(delete(TopicIndex))
                if stored is not None:
                    session.execute(insert(TopicIndex).values(topic=TOPIC, crs=CRS, **stored._asdict()))
                session.commit()

            for _ in range(rounds):
                keep_snapshot(None)
                timed(COLD_REBUILD, fresh=True)
                timed(COLD_SNAPSHOT, fresh=True)
            live, (_, pairs, _) = timed("warm: the worker's index in memory", fresh=False)
            counts["pairs"] = len(pairs)
            stored = session.execute(select(TopicIndex.version, TopicIndex.data)).one()
            counts["snapshot MB"] = len(stored.data) / 1e6
            parts = cold_parts(session, live.base)
            # 1,000 subscriptions change (500 end, 500 move): read on their own, no rebuild.
            keep_snapshot(stored)
            version = bump_topic(session, TOPIC)
            session.execute(update(Subscription).where(Subscription.id <= 500).values(status="ended", changed=version))
            session.execute(
                update(Subscription).where(Subscription.id.between(501, 1000)).values(radius_m=2000.0, changed=version)
            )
            session.commit()
            timed("warm, 1,000 changed since: read them", fresh=False)
            for _ in range(rounds):
                keep_snapshot(None)
                timed(f"{COLD_REBUILD}, 1,000 changed", fresh=True)
                keep_snapshot(stored)
                timed(f"{COLD_SNAPSHOT} (1,000)", fresh=True)
        app.extensions["civicapps"].db.dispose()
    figures = {label: tuple(np.median(np.array(values), axis=0).tolist()) for label, values in runs.items()}
    return {**figures, **parts}, counts  # type: ignore[dict-item]


def cold_parts(session: Any, index: AreaIndex) -> dict[str, Timing]:
    """The cold paths' steps on their own: read the rows, project them, build the grid; store the
    snapshot; load it (read the row, decode it) and make the index of its arrays."""
    figures: dict[str, Timing] = {}

    def part(label: str, step: Callable[[], Any]) -> Any:
        session.commit()
        start, cpu = time.perf_counter(), time.process_time()
        value = step()
        figures[f"  part: {label}"] = (time.perf_counter() - start, time.process_time() - cpu)
        return value

    columns = (Subscription.id, Subscription.lon, Subscription.lat, Subscription.radius_m, FREQUENCY_CODE)
    query = select(*columns).where(Subscription.topic == TOPIC, Subscription.status == "active")
    rows = part("read the rows into numpy", lambda: read_numbers(session.connection(), query))
    x, y = part("project to EPSG:27700", lambda: transformer(CRS).transform(rows[:, 1], rows[:, 2]))
    part("build the grid", lambda: Grid.build(x, y, rows[:, 3]))
    version = session.scalar(select(TopicIndex.version))
    engine = get_database().engine
    part("store the snapshot (encode, write)", lambda: snapshot.save(engine, TOPIC, CRS, version, index.arrays()))
    loaded = part("load the snapshot (read, decode)", lambda: snapshot.load(session.connection(), TOPIC, CRS, version))
    arrays = loaded[1]
    part("the index of its arrays", lambda: AreaIndex.from_arrays(arrays, CRS))
    return figures


def postgis_matching(
    url: str, x: np.ndarray, y: np.ndarray, radius: np.ndarray, ix: np.ndarray, iy: np.ndarray
) -> dict[str, float]:
    with scratch_database(url, "bench_postgis") as database:
        return _postgis_matching(create_engine(database), x, y, radius, ix, iy)


def _postgis_matching(
    engine: Any, x: np.ndarray, y: np.ndarray, radius: np.ndarray, ix: np.ndarray, iy: np.ndarray
) -> dict[str, float]:
    figures: dict[str, float] = {}
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE EXTENSION postgis"))
            connection.execute(text("CREATE TABLE subs (id int PRIMARY KEY, x float8, y float8, radius float8)"))
            connection.execute(text("CREATE TABLE items (id int PRIMARY KEY, x float8, y float8)"))
            raw = connection.connection.driver_connection
            for table, columns in (("subs", (x, y, radius)), ("items", (ix, iy))):
                buffer = io.StringIO()
                np.savetxt(
                    buffer,
                    np.column_stack([np.arange(len(columns[0])), *columns]),
                    fmt=["%d"] + ["%.3f"] * len(columns),
                    delimiter="\t",
                )
                with raw.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(buffer.getvalue())
            connection.execute(text("ALTER TABLE subs ADD COLUMN g geometry(Point, 27700)"))
            connection.execute(text("UPDATE subs SET g = ST_SetSRID(ST_MakePoint(x, y), 27700)"))
            connection.execute(text("ALTER TABLE items ADD COLUMN g geometry(Point, 27700)"))
            connection.execute(text("UPDATE items SET g = ST_SetSRID(ST_MakePoint(x, y), 27700)"))
            start = time.perf_counter()
            connection.execute(text("CREATE INDEX subs_g ON subs USING gist (g)"))
            figures["index build (GiST on g)"] = time.perf_counter() - start
            start = time.perf_counter()
            connection.execute(text("CREATE INDEX subs_reach ON subs USING gist (ST_Expand(g, radius))"))
            figures["index build (GiST on ST_Expand(g, radius))"] = time.perf_counter() - start
            connection.execute(text("ANALYZE subs"))
            connection.execute(text("ANALYZE items"))
        queries = {
            "ST_DWithin join (GiST on g)": "SELECT count(*) FROM items i JOIN subs s"
            " ON ST_DWithin(s.g, i.g, :reach) AND ST_Distance(s.g, i.g) <= s.radius",
            "ST_Expand join (functional GiST)": "SELECT count(*) FROM items i JOIN subs s"
            " ON ST_Expand(s.g, s.radius) && i.g AND ST_Distance(s.g, i.g) <= s.radius",
        }
        with engine.connect() as connection:
            connection.execute(text("SET jit = off"))
            for label, sql in queries.items():
                start = time.perf_counter()
                pairs = connection.execute(text(sql), {"reach": float(radius.max())}).scalar()
                figures[label] = time.perf_counter() - start
                figures[f"{label} pairs"] = pairs
    finally:
        engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--layout", choices=["uniform", "clustered"], nargs="+", default=["uniform", "clustered"])
    parser.add_argument("--rounds", type=int, default=3, help="fresh-worker runs of each cold path (median)")
    parser.add_argument("--postgis", help="PostgreSQL server URL with PostGIS available")
    parser.add_argument(
        "--database", help="PostgreSQL server URL for civicapps' own database (default: SQLite, a temporary file)"
    )
    args = parser.parse_args()
    for layout in args.layout:
        rng = np.random.default_rng(27700)
        centres = towns(rng) if layout == "clustered" else None
        x, y = points(args.subscriptions, centres, rng)
        radius = rng.choice(RADII, args.subscriptions)
        ix, iy = points(args.items, centres, rng)
        lon, lat = TO_LONLAT.transform(x, y)
        item_lon, item_lat = TO_LONLAT.transform(ix, iy)
        # civicapps stores lon/lat and projects itself; PostGIS gets the same projected points.
        x, y = transformer("EPSG:27700").transform(lon, lat)
        ix, iy = transformer("EPSG:27700").transform(item_lon, item_lat)
        print(f"\n{layout}: {args.subscriptions:,} subscriptions (radius 100 m-2 km each), {args.items:,} items")
        with ExitStack() as stack:
            url = stack.enter_context(scratch_database(args.database, "bench_civicapps")) if args.database else None
            ours, counts = civicapps_matching(lon, lat, radius, item_lon, item_lat, args.rounds, url)
        print(f"  civicapps pairs found: {int(counts['pairs']):,}; snapshot size: {counts['snapshot MB']:.1f} MB")
        print(f"  {'civicapps, seconds (median of ' + str(args.rounds) + ' for cold)':70s} {'wall':>7s} {'CPU':>7s}")
        for label, (wall, cpu) in ours.items():
            print(f"  {label:70s} {wall:7.3f} {cpu:7.3f}")
        for suffix, snapshot_label in (("", COLD_SNAPSHOT), (", 1,000 changed", f"{COLD_SNAPSHOT} (1,000)")):
            (rebuild, rebuild_cpu), (loaded, loaded_cpu) = ours[COLD_REBUILD + suffix], ours[snapshot_label]
            print(
                f"  cold from the snapshot vs rebuilding{suffix}: {rebuild / loaded:.1f}x less wall time, "
                f"{rebuild_cpu / loaded_cpu:.1f}x less CPU"
            )
        if args.postgis:
            theirs = postgis_matching(args.postgis, x, y, radius, ix, iy)
            for label, value in theirs.items():
                print(
                    f"  PostGIS {label:42s} {value:10.3f}"
                    if "pairs" not in label
                    else f"  PostGIS {label:42s} {int(value):>10,}"
                )
            join = theirs["ST_DWithin join (GiST on g)"]
            ratios = ", ".join(
                f"{label.split(':')[0]}{' (1,000)' if '1,000' in label.split(':')[1] else ''} {join / wall:.2f}x"
                for label, (wall, _) in ours.items()
                if "part:" not in label
            )
            print(f"  PostGIS ST_DWithin time / civicapps time: {ratios}")
        else:
            print("  PostGIS: not run (pass --postgis URL)")


if __name__ == "__main__":
    main()
