"""Feed ingest benchmark: a 100,000-row CSV with British National Grid coordinates.

Measures, side by side on the same file:

* ``sqlite-utils insert --csv`` (the plain load: parse and insert text, nothing else), as a CLI run;
* ``pull_feed`` on an empty SQLite database (read, map, type-check every field, OSTN15 projection of
  every row, content hash, upsert with provenance), in process;
* re-pulling the unchanged file: through its validators (mtime/ETag: one check, no parse), and forced
  (``force=True``: full read, map, project and hash, compared with stored hashes, no row written).

Run: ``PYTHONPATH=. python bench/feeds_ingest.py [--rows 100000] [--repeat 3]`` (needs
``pip install sqlite-utils``, for the comparison only). Prints a table and the ratios.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from civicapps import Dataset, Model, Record, create_app, hookimpl  # noqa: E402
from civicapps.db import get_database  # noqa: E402
from civicapps.feeds import pull_feed  # noqa: E402
from civicapps.migrations import upgrade  # noqa: E402

WORDS = "erection of single storey rear extension loft conversion dormer change use garage demolition porch two detached dwelling".split()
STREETS = "High Street,Mill Lane,Church Road,Station Road,Victoria Street,Park Avenue,Queens Road,New Road".split(",")


class Application(Model, Record):
    __tablename__ = "bench_application"

    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    ward: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(40))
    received: Mapped[dt.date | None]


PLUGIN = types.ModuleType("bench")
PLUGIN.register_datasets = hookimpl(lambda: [Dataset("application", Application)])

FEED = {
    "dataset": "bench.application",
    "format": "csv",
    "authority": "Bench Borough Council",
    "mapping": {
        "reference": "Reference",
        "description": "Proposal",
        "address": {"columns": ["Number", "Street", "Town"], "join": ", "},
        "ward": "Ward",
        "status": {"column": "Status", "case": "title"},
        "received": {"column": "Received", "format": "%d/%m/%Y"},
    },
    "location": {"x": "Easting", "y": "Northing", "crs": "EPSG:27700"},
}


def make_csv(path: Path, rows: int) -> None:
    """Deterministic: the same seed gives the same file on every machine."""
    rng = random.Random(20261123)
    start = dt.date(2020, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["Reference", "Proposal", "Number", "Street", "Town", "Ward", "Status", "Received", "Easting", "Northing"]
        )
        for i in range(rows):
            writer.writerow(
                [
                    f"{20 + i % 5}/{i:06d}/FUL",
                    " ".join(rng.choices(WORDS, k=rng.randint(4, 12))).capitalize(),
                    rng.randint(1, 250),
                    rng.choice(STREETS),
                    "Benchtown",
                    f"Ward {rng.randint(1, 30)}",
                    rng.choice(["PENDING", "APPROVED", "REFUSED", "WITHDRAWN"]),
                    (start + dt.timedelta(days=rng.randint(0, 1800))).strftime("%d/%m/%Y"),
                    round(rng.uniform(150_000, 650_000), 1),
                    round(rng.uniform(20_000, 1_000_000), 1),
                ]
            )


class Clock:
    """Wall time and CPU time (user + system, this process and its children) of a block.

    CPU time is what the ratios use: on a shared 2-core machine other work moves wall times around
    by 2x, CPU time much less.
    """

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self._wall, _cpu() - self._cpu


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def sqlite_utils_load(csv_path: Path, work: Path) -> Clock:
    db = work / "plain.db"
    db.unlink(missing_ok=True)
    with Clock() as clock:
        subprocess.run(
            [shutil.which("sqlite-utils") or "sqlite-utils", "insert", str(db), "rows", str(csv_path), "--csv"],
            check=True,
        )
    return clock


def ingest(csv_path: Path, work: Path) -> tuple[Clock, Clock, Clock, int]:
    instance = work / "instance"
    shutil.rmtree(instance, ignore_errors=True)
    config = {
        "instance_path": str(instance),
        "secret_key": "bench",
        "feeds": {"bench": {**FEED, "url": str(csv_path)}},
        "plugins": {"geo": {"postcodes_io_url": None}},
    }
    app = create_app(config, plugins=[("bench", PLUGIN)], load_entrypoints=False)
    with app.app_context():
        upgrade(app)
    Model.metadata.create_all(get_database(app).engine, tables=[Application.__table__])
    with Clock() as first_clock:
        first = pull_feed(app, "bench")
    assert first.outcome == "ingested" and first.new == first.read, first.summary()
    with Clock() as validators_clock:
        validators = pull_feed(app, "bench")
    assert validators.outcome == "not_modified", validators.summary()
    with Clock() as forced_clock:
        forced = pull_feed(app, "bench", force=True)
    assert forced.unchanged == forced.read and not forced.new and not forced.changed, forced.summary()
    get_database(app).dispose()
    return first_clock, validators_clock, forced_clock, first.read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "applications.csv"
        make_csv(csv_path, args.rows)
        plain, first, validators, forced = [], [], [], []
        for _ in range(args.repeat):  # interleaved, so machine noise hits both sides alike
            plain.append(sqlite_utils_load(csv_path, work))
            f, v, r, rows = ingest(csv_path, work)
            first.append(f)
            validators.append(v)
            forced.append(r)
        wall = lambda runs: statistics.median(c.wall for c in runs)  # noqa: E731
        cpu = lambda runs: statistics.median(c.cpu for c in runs)  # noqa: E731
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"file: {rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB; median of {args.repeat} interleaved runs")
        print(f"{'run':42} {'wall s':>8} {'CPU s':>8} {'rows/s (wall)':>14}")
        for label, runs in [
            ("sqlite-utils insert --csv (CLI)", plain),
            ("pull_feed, first ingest", first),
            ("pull_feed, unchanged file (validators)", validators),
            ("pull_feed, unchanged file, force=True", forced),
        ]:
            print(f"{label:42} {wall(runs):8.3f} {cpu(runs):8.3f} {rows / wall(runs):14,.0f}")
        print(
            f"first ingest / plain load: {cpu(first) / cpu(plain):.2f}x CPU, {wall(first) / wall(plain):.2f}x wall (target: within 3x)"
        )
        print(
            f"unchanged re-pull (validators): {wall(first) / wall(validators):,.0f}x faster than the first ingest (target: 10x)"
        )
        print(f"unchanged re-pull, forced: {cpu(first) / cpu(forced):.2f}x faster (CPU) than the first ingest")


if __name__ == "__main__":
    main()
