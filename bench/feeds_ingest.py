"""Feed ingest benchmark: a 100,000-row CSV with British National Grid coordinates.

Measures, side by side on the same file, in interleaved rounds:

* the plain load, the anchor: Python's ``csv`` reader and ``sqlite3`` ``executemany`` of every row as
  text into one table, one transaction, in process (parse and insert, nothing else); and
  ``sqlite-utils insert --csv`` as a CLI run too, when sqlite-utils is installed;
* ``pull_feed`` on an empty SQLite database (read, map, type-check every field, OSTN15 projection of
  every row, content hash, upsert with provenance), in process;
* re-pulling the file with the same rows, forced (``force=True``: every row read, mapped, projected,
  hashed and compared with the stored hashes, nothing written): the headline for the "re-pull at
  least 10x faster" target, since a re-published file with new bytes and unchanged rows takes this
  path; and through its validators (size and mtime, as an ETag would: one check, no parse).

Ratios use CPU time (user + system, children included) per round: other work on a shared machine
moves wall times far more.

    PYTHONPATH=. python bench/feeds_ingest.py [--rows 100000] [--repeat 3]
    python bench/feeds_ingest.py --smoke       # tiny, for CI
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import resource
import shutil
import sqlite3
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

from report import machine, ratio  # noqa: E402

from civicapps import Dataset, Model, Record, create_app, hookimpl  # noqa: E402
from civicapps.db import get_database  # noqa: E402
from civicapps.feeds import pull_feed  # noqa: E402
from civicapps.migrations import upgrade  # noqa: E402

WORDS = (
    "erection of single storey rear extension loft conversion dormer change use garage demolition porch two"
    " detached dwelling"
).split()
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


def plain_load(csv_path: Path, work: Path) -> Clock:
    """Every row as text into one table, one transaction: Python's csv reader and sqlite3, nothing else."""
    db = work / "plain-stdlib.db"
    db.unlink(missing_ok=True)
    with Clock() as clock:
        connection = sqlite3.connect(db)
        with csv_path.open(newline="", encoding="utf-8") as fh:
            rows = csv.reader(fh)
            header = next(rows)
            columns = ", ".join(f'"{name}" TEXT' for name in header)
            connection.execute(f"CREATE TABLE rows (id INTEGER PRIMARY KEY, {columns})")
            marks = ", ".join("?" * len(header))
            names = ", ".join(f'"{name}"' for name in header)
            with connection:
                connection.executemany(f"INSERT INTO rows ({names}) VALUES ({marks})", rows)
        connection.close()
    return clock


def sqlite_utils_load(csv_path: Path, work: Path) -> Clock:
    db = work / "plain.db"
    db.unlink(missing_ok=True)
    with Clock() as clock:
        subprocess.run(
            [shutil.which("sqlite-utils") or "sqlite-utils", "insert", str(db), "rows", str(csv_path), "--csv"],
            check=True,
            stdout=subprocess.DEVNULL,
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
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI: no figure means anything")
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.repeat = 500, 1
    machine("start")
    cli = shutil.which("sqlite-utils") is not None
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "applications.csv"
        make_csv(csv_path, args.rows)
        print(f"file: {args.rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB; {args.repeat} interleaved rounds")
        runs: dict[str, list[Clock]] = {}
        labels = {
            "plain": "plain load (csv + sqlite3, in process)",
            "cli": "sqlite-utils insert --csv (CLI)",
            "first": "pull_feed, first ingest",
            "forced": "pull_feed, same rows again, force=True",
            "validators": "pull_feed, unchanged file (validators)",
        }
        for round_number in range(1, args.repeat + 1):  # interleaved, so machine noise hits every side alike
            found = {"plain": plain_load(csv_path, work)}
            if cli:
                found["cli"] = sqlite_utils_load(csv_path, work)
            found["first"], found["validators"], found["forced"], rows = ingest(csv_path, work)
            for key, clock in found.items():
                runs.setdefault(key, []).append(clock)
            print(
                f"  round {round_number}: "
                + "; ".join(f"{labels[k]} {c.wall:.3f} s wall, {c.cpu:.3f} s CPU" for k, c in found.items()),
                flush=True,
            )
        if not cli:
            print("  sqlite-utils: not installed, its CLI load not run (pip install sqlite-utils)")
        print(f"{'median of the rounds':42} {'wall s':>8} {'CPU s':>8} {'rows/s (wall)':>14}")
        for key, clocks in runs.items():
            wall = statistics.median(c.wall for c in clocks)
            print(f"{labels[key]:42} {wall:8.3f} {statistics.median(c.cpu for c in clocks):8.3f} {rows / wall:14,.0f}")

        def per_round(top: str, bottom: str) -> list[float]:
            return [a.cpu / b.cpu for a, b in zip(runs[top], runs[bottom], strict=True)]

        ratio(
            "headline: first ingest CPU / forced re-read of the same rows CPU (how many times faster the re-pull; "
            "target 10)",
            per_round("first", "forced"),
        )
        ratio(
            "first ingest CPU / unchanged file through its validators CPU (how many times faster; target 10)",
            [a.cpu / max(b.cpu, 1e-6) for a, b in zip(runs["first"], runs["validators"], strict=True)],
        )
        ratio(
            "first ingest CPU / plain load (csv + sqlite3) CPU (lower is better; target within 3)",
            per_round("first", "plain"),
        )
        if cli:
            ratio(
                "first ingest CPU / sqlite-utils CLI load CPU (lower is better; target within 3)",
                per_round("first", "cli"),
            )
    machine("end")


if __name__ == "__main__":
    main()
