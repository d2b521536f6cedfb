"""Match radius subscriptions against new items: civicapps' index and PostGIS, same data, side by side.

1,000,000 subscriptions (each 100 m, 250 m, 500 m, 1 km or 2 km) and 2,000 items over a GB-sized box,
uniform or clustered (85% in 60 Zipf-weighted towns). Each round times:

* civicapps cold **from the snapshot**: a fresh worker process (``index_for`` + match, imports and the
  app not counted) after the database file was dropped from the page cache (``posix_fadvise``
  DONTNEED on the SQLite file; with ``--drop-caches``, the whole page cache, as root; a PostgreSQL
  database's own buffers cannot be dropped from here, and the output says which happened);
* civicapps cold **rebuilding** (no snapshot: read every subscription, project, index, store the
  snapshot, match), in a fresh process too;
* civicapps **warm**: the worker's index in memory, match;
* the anchor, PostGIS on the same projected points: ``ST_Expand(g, radius) && i.g AND ST_Distance <=
  radius`` with a functional GiST index on ``ST_Expand(g, radius)`` (the faster form), the index
  already built and persisted, on a fresh connection, every pair returned to the client. The
  ``ST_DWithin(g, i.g, 2000)`` form with a GiST index on ``g`` is printed for reference.

then all again after 1,000 subscriptions (2% at small sizes) changed since the snapshot. Pair counts
must agree. Ratios are per round (PostGIS seconds / civicapps seconds: above 1, civicapps is faster).

    python bench/notify_matching.py --postgis postgresql://postgres@127.0.0.1:5432/postgres
    python bench/notify_matching.py --database postgresql://...   # civicapps' own database on PostgreSQL
    python bench/notify_matching.py --smoke                        # tiny, for CI

The PostGIS URL needs a role that may create a database and the postgis extension
(Debian: apt-get install postgresql-15-postgis-3).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Transformer
from sqlalchemy import create_engine, delete, insert, select, text, update
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notify_setup import add_active_subscriptions, scratch_database  # noqa: E402
from report import machine, ratio  # noqa: E402

from civicapps import create_app, db_session  # noqa: E402
from civicapps.geo.projection import from_wgs84  # noqa: E402
from civicapps.geo.spatial import index_for  # noqa: E402
from civicapps.migrations import upgrade  # noqa: E402
from civicapps.notify.models import Subscription, TopicIndex  # noqa: E402
from civicapps.notify.subscriptions import bump_topic  # noqa: E402

RADII = np.array([100.0, 250.0, 500.0, 1000.0, 2000.0])
TO_LONLAT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
TOPIC = "bench.near"
CRS = "EPSG:27700"
EXPAND = "ST_Expand join (functional GiST)"
DWITHIN = "ST_DWithin join (GiST on g)"
POSTGIS_JOINS = {
    EXPAND: "SELECT s.id, i.id FROM items i JOIN subs s"
    " ON ST_Expand(s.g, s.radius) && i.g AND ST_Distance(s.g, i.g) <= s.radius",
    DWITHIN: "SELECT s.id, i.id FROM items i JOIN subs s"
    " ON ST_DWithin(s.g, i.g, 2000) AND ST_Distance(s.g, i.g) <= s.radius",
}


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


def fresh_worker(spec_file: str, drop: bool) -> None:
    """The child process: a new worker's first match (``index_for`` + match), timed; prints JSON.

    The database files are dropped from the page cache here, before this process opens them: closing
    any descriptor of a SQLite file drops every POSIX lock the process holds on it, so the parent,
    which keeps a connection open, must never open and close the file itself.
    """
    spec = json.loads(Path(spec_file).read_text())
    items = np.load(spec["items"])
    how = drop_from_cache([Path(f) for f in spec["files"]], spec["drop_caches"]) if drop else "not dropped"
    app = create_app(spec["config"], load_entrypoints=False)
    with app.app_context():
        session = db_session()
        start, cpu = time.perf_counter(), time.process_time()
        live = index_for(app, session.connection(), TOPIC, CRS)
        _, pairs, _ = live.match(items[0], items[1])
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        session.commit()
    app.extensions["civicapps"].db.dispose()
    print(json.dumps({"wall": wall, "cpu": cpu, "pairs": len(pairs), "cache": how}))


def run_fresh_worker(spec_file: Path, drop: bool) -> dict[str, Any]:
    start = time.perf_counter()
    command = [sys.executable, __file__, "--fresh-worker", str(spec_file), *(["--drop"] if drop else [])]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"fresh worker failed:\n{out.stderr}")
    return {**json.loads(out.stdout.splitlines()[-1]), "process": time.perf_counter() - start}


def resident_mb(paths: list[Path]) -> float | None:
    """Megabytes of these files in the page cache (util-linux ``fincore``), or None without it."""
    if not shutil.which("fincore"):
        return None
    out = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--output", "RES", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return sum(int(line) for line in out.split()) / 1e6 if out.strip() else None


def drop_from_cache(paths: list[Path], everything: bool) -> str:
    """Drop the database files from the page cache; says what was done."""
    if not paths:
        return "civicapps' database on PostgreSQL: the server's buffers and the page cache NOT dropped"
    paths = [path for path in paths if path.exists()]
    before = resident_mb(paths)
    for path in paths:  # written pages must reach the disk before they can be dropped
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    how = "posix_fadvise(DONTNEED) on the SQLite files"
    if everything:
        os.sync()
        try:
            Path("/proc/sys/vm/drop_caches").write_text("1")
            how += ", then the whole page cache (echo 1 > /proc/sys/vm/drop_caches: allowed)"
        except OSError as error:
            how += f", whole page cache NOT dropped (/proc/sys/vm/drop_caches: {error.strerror})"
    after = resident_mb(paths)
    if before is not None and after is not None:
        how += f"; resident {before:.1f} MB before, {after:.1f} MB after (fincore)"
    return how


class PostGIS:
    """The same subscriptions and items in a scratch PostGIS database, indexes built once and persisted."""

    def __init__(self, database: str, x: np.ndarray, y: np.ndarray, radius: np.ndarray, ix: np.ndarray, iy: np.ndarray):
        self.engine = create_engine(database, poolclass=NullPool)  # every join on a fresh connection
        self.builds: dict[str, float] = {}
        with self.engine.begin() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
            connection.execute(text("CREATE TABLE subs (id int PRIMARY KEY, x float8, y float8, radius float8)"))
            connection.execute(text("CREATE TABLE items (id int PRIMARY KEY, x float8, y float8)"))
            raw = connection.connection.driver_connection
            for table, columns in (("subs", (x, y, radius)), ("items", (ix, iy))):
                with raw.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                    for number, values in enumerate(zip(*columns, strict=True), start=1):
                        copy.write_row((number, *(float(v) for v in values)))
            for table in ("subs", "items"):
                connection.execute(text(f"ALTER TABLE {table} ADD COLUMN g geometry(Point, 27700)"))
                connection.execute(text(f"UPDATE {table} SET g = ST_SetSRID(ST_MakePoint(x, y), 27700)"))
            for label, sql in (
                ("GiST on g", "CREATE INDEX subs_g ON subs USING gist (g)"),
                ("GiST on ST_Expand(g, radius)", "CREATE INDEX subs_reach ON subs USING gist (ST_Expand(g, radius))"),
            ):
                start = time.perf_counter()
                connection.execute(text(sql))
                self.builds[label] = time.perf_counter() - start
        self.analyze()

    def analyze(self) -> None:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE subs"))
            connection.execute(text("VACUUM ANALYZE items"))

    def change(self, ended: int, moved: int) -> None:
        """The changes civicapps' subscriptions get: the first ``ended`` go, the next ``moved`` reach 2 km."""
        with self.engine.begin() as connection:
            connection.execute(text("DELETE FROM subs WHERE id <= :n"), {"n": ended})
            connection.execute(
                text("UPDATE subs SET radius = 2000 WHERE id > :a AND id <= :b"), {"a": ended, "b": ended + moved}
            )
        self.analyze()

    def join(self, form: str) -> tuple[float, int]:
        """(wall seconds, pairs) of one join, every pair fetched by the client."""
        start = time.perf_counter()
        with self.engine.connect() as connection:
            connection.execute(text("SET jit = off"))
            pairs = len(connection.execute(text(POSTGIS_JOINS[form])).all())
        return time.perf_counter() - start, pairs

    def close(self) -> None:
        self.engine.dispose()


def run_layout(args: argparse.Namespace, layout: str) -> None:
    rng = np.random.default_rng(27700)
    centres = towns(rng) if layout == "clustered" else None
    x, y = points(args.subscriptions, centres, rng)
    radius = rng.choice(RADII, args.subscriptions)
    ix, iy = points(args.items, centres, rng)
    lon, lat = TO_LONLAT.transform(x, y)
    item_lon, item_lat = TO_LONLAT.transform(ix, iy)
    # civicapps stores lon/lat and projects itself; PostGIS gets the same projected points.
    x, y = from_wgs84(lon, lat, CRS)
    ix, iy = from_wgs84(item_lon, item_lat, CRS)
    changed = min(1000, args.subscriptions // 50)
    print(
        f"\n{layout}: {args.subscriptions:,} subscriptions (radius 100 m-2 km each), {args.items:,} items", flush=True
    )
    with ExitStack() as stack:
        instance = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if args.database:
            url = stack.enter_context(scratch_database(args.database, "bench_civicapps"))
        else:
            url = f"sqlite:///{instance}/civicapps.db"
        config = {"instance_path": str(instance), "secret_key": "bench", "database_url": url}
        np.save(instance / "items.npy", np.vstack([item_lon, item_lat]))
        spec = instance / "worker.json"
        files = [] if args.database else [str(instance / name) for name in ("civicapps.db", "civicapps.db-wal")]
        spec.write_text(
            json.dumps(
                {
                    "config": config,
                    "items": str(instance / "items.npy"),
                    "files": files,
                    "drop_caches": args.drop_caches,
                }
            )
        )
        postgis = None
        if args.postgis:
            postgis = PostGIS(
                stack.enter_context(scratch_database(args.postgis, "bench_postgis")), x, y, radius, ix, iy
            )
            stack.callback(postgis.close)
            builds = ", ".join(f"{label} {seconds:.2f} s" for label, seconds in postgis.builds.items())
            print(f"  PostGIS index builds (once, not in any ratio): {builds}")
        app = create_app(config, load_entrypoints=False)
        stack.callback(lambda: app.extensions["civicapps"].db.dispose())
        stack.enter_context(app.app_context())
        upgrade(app)
        session = db_session()
        add_active_subscriptions(session, TOPIC, ["x"] * len(lon), lon, lat, radius)

        def keep_snapshot(stored: Any | None) -> None:
            """Leave this snapshot row in the database, or none."""
            session.execute(delete(TopicIndex))
            if stored is not None:
                session.execute(insert(TopicIndex).values(topic=TOPIC, crs=CRS, **stored._asdict()))
            session.commit()

        def warm() -> tuple[float, float, int]:
            start, cpu = time.perf_counter(), time.process_time()
            live = index_for(app, session.connection(), TOPIC, CRS)
            _, pairs, _ = live.match(item_lon, item_lat)
            session.commit()
            return time.perf_counter() - start, time.process_time() - cpu, len(pairs)

        stored = None
        for variant in ("", f", {changed:,} changed since the snapshot"):
            if variant:  # half end, half reach 2 km; the snapshot stays at the version before
                version = bump_topic(session, TOPIC)
                half = changed // 2
                session.execute(
                    update(Subscription).where(Subscription.id <= half).values(status="ended", changed=version)
                )
                session.execute(
                    update(Subscription)
                    .where(Subscription.id > half, Subscription.id <= changed)
                    .values(radius_m=2000.0, changed=version)
                )
                session.commit()
                if postgis:
                    postgis.change(half, changed - half)
                wall, cpu, pairs = warm()
                print(
                    f"  civicapps warm, first match after the changes (reads them): {wall:.3f} s wall, {cpu:.3f} s CPU",
                    flush=True,
                )
            else:
                warm()  # the parent's own index, for the warm figures
            rows: dict[str, list[float]] = {}
            for round_number in range(1, args.rounds + 1):
                keep_snapshot(None)
                rebuild = run_fresh_worker(spec, drop=False)
                if stored is None:
                    stored = session.execute(select(TopicIndex.version, TopicIndex.data)).one()
                    print(f"  snapshot: {len(stored.data) / 1e6:.1f} MB")
                keep_snapshot(stored)
                loaded = run_fresh_worker(spec, drop=True)
                figures = {"rebuild": rebuild["wall"], "snapshot": loaded["wall"]}
                line = (
                    f"  round {round_number}{variant}: cold from the snapshot {loaded['wall']:.3f} s "
                    f"(CPU {loaded['cpu']:.3f}; process with imports {loaded['process']:.1f}); "
                    f"cold rebuilding {rebuild['wall']:.3f} s (CPU {rebuild['cpu']:.3f})"
                )
                found = {"cold from the snapshot": loaded["pairs"], "cold rebuilding": rebuild["pairs"]}
                if not variant:
                    figures["warm"], _, warm_pairs = warm()
                    found["warm"] = warm_pairs
                    line += f"; warm {figures['warm']:.3f} s"
                if postgis:
                    for form in (EXPAND, DWITHIN):
                        figures[form], found[f"PostGIS {form}"] = postgis.join(form)
                    line += f"; PostGIS {EXPAND} {figures[EXPAND]:.3f} s, {DWITHIN} {figures[DWITHIN]:.3f} s"
                if len(set(found.values())) != 1:
                    raise SystemExit(f"\npair counts differ: {found}")
                print(line + f"; {loaded['pairs']:,} pairs", flush=True)
                if round_number == 1:
                    print(f"    cache before the cold start from the snapshot: {loaded['cache']}")
                for label, value in figures.items():
                    rows.setdefault(label, []).append(value)
            ratio(
                f"{layout}{variant}: civicapps cold rebuilding / cold from the snapshot, wall "
                "(above 1: snapshot faster)",
                [r / s for r, s in zip(rows["rebuild"], rows["snapshot"], strict=True)],
            )
            if postgis:
                for ours in ("snapshot", "warm") if not variant else ("snapshot",):
                    name = "cold from the snapshot" if ours == "snapshot" else "warm"
                    ratio(
                        f"{layout}{variant}: PostGIS {EXPAND}, index persisted / civicapps {name}, wall "
                        "(above 1: civicapps faster)",
                        [p / o for p, o in zip(rows[EXPAND], rows[ours], strict=True)],
                    )
            else:
                print("  PostGIS: not run (pass --postgis URL)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--layout", choices=["uniform", "clustered"], nargs="+", default=["uniform", "clustered"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgis", help="PostgreSQL server URL with PostGIS available")
    parser.add_argument("--database", help="PostgreSQL server URL for civicapps' own database (default: SQLite)")
    parser.add_argument(
        "--drop-caches", action="store_true", help="also drop the whole page cache before each cold start (root)"
    )
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI: no figure means anything")
    parser.add_argument("--fresh-worker", help=argparse.SUPPRESS)
    parser.add_argument("--drop", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fresh_worker:
        fresh_worker(args.fresh_worker, args.drop)
        return
    if args.smoke:
        args.subscriptions, args.items, args.rounds, args.layout = 6_000, 50, 1, ["clustered"]
    machine("start")
    for layout in args.layout:
        run_layout(args, layout)
    machine("end")


if __name__ == "__main__":
    main()
