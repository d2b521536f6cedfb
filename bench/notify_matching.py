"""Match 1,000,000 radius subscriptions against 2,000 new items: civicapps' STRtree matcher and PostGIS, same data.

Subscriptions and items are spread over Great Britain, either uniformly or clustered in towns (85% in
60 Zipf-weighted towns, as in docs/research), each subscription with its own radius (100 m to 2 km).
civicapps is timed cold (read the subscriptions from the database, project, build the index, match)
and warm (the worker's cached index: project the items and match), in wall and CPU seconds (the
machine may be shared), and the cold path's parts on their own. PostGIS runs the ST_DWithin join
on the same projected points (geometry 27700, GiST index) and, for reference, the ST_Expand form
with a functional index. Pair counts must agree.

    python bench/notify_matching.py                                   # SQLite only
    python bench/notify_matching.py --postgis postgresql://postgres@127.0.0.1:5432/postgres

The PostGIS URL needs a role that may create a database and the postgis extension
(Debian: apt-get install postgresql-15-postgis-3).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Transformer
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notify_setup import add_active_subscriptions  # noqa: E402

from civicapps import create_app  # noqa: E402
from civicapps.db import db_session  # noqa: E402
from civicapps.migrations import upgrade  # noqa: E402
from civicapps.notify.models import Subscription  # noqa: E402
from civicapps.notify.spatial import FREQUENCY_CODE, Grid, index_for, read_numbers, transformer  # noqa: E402
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


def civicapps_matching(
    lon: np.ndarray, lat: np.ndarray, radius: np.ndarray, item_lon: np.ndarray, item_lat: np.ndarray
) -> dict[str, float]:
    """Cold (first match in a worker), warm (cached index) and after 1,000 subscriptions changed."""
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"instance_path": instance, "secret_key": "bench"}, load_entrypoints=False)
        with app.app_context():
            upgrade(app)
            session = db_session()
            add_active_subscriptions(session, "bench.near", ["x"] * len(lon), lon, lat, radius)
            figures: dict[str, float] = {}

            def timed(label: str) -> Any:
                start, cpu = time.perf_counter(), time.process_time()
                live = index_for(app, session.connection(), "bench.near", "EPSG:27700")
                result = live.match(item_lon, item_lat)
                figures[label] = time.perf_counter() - start
                figures[f"{label} (CPU)"] = time.process_time() - cpu
                session.commit()
                return result

            timed("cold: read, project, index, match")
            parts = cold_parts(session.connection())
            session.commit()
            figures["pairs"] = len(timed("warm: cached index, match")[1])
            # 1,000 subscriptions change (500 end, 500 move): read on their own, no rebuild.
            version = bump_topic(session, "bench.near")
            session.execute(update(Subscription).where(Subscription.id <= 500).values(status="ended", changed=version))
            session.execute(
                update(Subscription).where(Subscription.id.between(501, 1000)).values(radius_m=2000.0, changed=version)
            )
            session.commit()
            timed("after 1,000 changes: read them, match")
            figures.update(parts)
        app.extensions["civicapps"].db.dispose()
        return figures


def cold_parts(connection: Any) -> dict[str, float]:
    """The cold path's steps on their own: read the rows, project them, build the grid."""
    figures = {}
    start = time.perf_counter()
    columns = (Subscription.id, Subscription.lon, Subscription.lat, Subscription.radius_m, FREQUENCY_CODE)
    rows = read_numbers(
        connection, select(*columns).where(Subscription.topic == "bench.near", Subscription.status == "active")
    )
    figures["  part: read the rows into numpy"] = time.perf_counter() - start
    start = time.perf_counter()
    x, y = transformer("EPSG:27700").transform(rows[:, 1], rows[:, 2])
    figures["  part: project to EPSG:27700"] = time.perf_counter() - start
    start = time.perf_counter()
    Grid.build(x, y, rows[:, 3])
    figures["  part: build the grid"] = time.perf_counter() - start
    return figures


def postgis_matching(
    url: str, x: np.ndarray, y: np.ndarray, radius: np.ndarray, ix: np.ndarray, iy: np.ndarray
) -> dict[str, float]:
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    name = f"bench_postgis_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg", database=name))
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
            "ST_DWithin join (GiST on g)": "SELECT count(*) FROM items i JOIN subs s ON ST_DWithin(s.g, i.g, :reach) AND ST_Distance(s.g, i.g) <= s.radius",
            "ST_Expand join (functional GiST)": "SELECT count(*) FROM items i JOIN subs s ON ST_Expand(s.g, s.radius) && i.g AND ST_Distance(s.g, i.g) <= s.radius",
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
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--layout", choices=["uniform", "clustered"], nargs="+", default=["uniform", "clustered"])
    parser.add_argument("--postgis", help="PostgreSQL server URL with PostGIS available")
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
        ours = civicapps_matching(lon, lat, radius, item_lon, item_lat)
        for label, value in ours.items():
            print(
                f"  civicapps {label:40s} {value:10.3f}"
                if label != "pairs"
                else f"  civicapps pairs found {int(value):>37,}"
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
                f"{label.split(':')[0]} {join / seconds:.2f}x"
                for label, seconds in ours.items()
                if label != "pairs" and "part:" not in label and "(CPU)" not in label
            )
            print(f"  PostGIS ST_DWithin time / civicapps time: {ratios}")
        else:
            print("  PostGIS: not run (pass --postgis URL)")


if __name__ == "__main__":
    main()
