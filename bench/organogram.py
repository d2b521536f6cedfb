"""Benchmark: validate, import and render a 5,000-post data.gov.uk organogram.

Builds a deterministic senior CSV of N posts (one top post, fan-out of 2 to 9 reports per post, every
post with a name, "N/D" or "Vacant") and a junior CSV with a team row under every third post, then
times, on a fresh SQLite database:

* validate: read both CSVs and apply every converter rule (what ``civicapps organogram validate`` does);
* import: store the pair (posts, holders, junior roles) in one transaction;
* render: load the public snapshot, lay the chart out and render the group page with its inline SVG,
  plus the standalone SVG file.

Each step has an anchor doing the plain form of its work in the same round: validate against reading
both CSVs with Python's ``csv`` reader (the parse alone: the ratio is what the rules add); import
against ``sqlite3`` ``executemany`` of the same rows as text in one transaction; render against the
same app answering two bodies of the same sizes from memory (the bytes alone). Times are CPU seconds
of this process (all of it runs here, on one thread); ratios are per round.

    PYTHONPATH=.:plugins/organogram python bench/organogram.py [--posts 5000] [--rounds 3]
    python bench/organogram.py --smoke       # tiny, for CI
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent / "plugins" / "organogram"))

import civicapps_organogram as organogram
from civicapps_organogram.orgcsv import import_pair
from civicapps_organogram.orgformat import JUNIOR_HEADERS, SENIOR_HEADERS, read_sheet
from civicapps_organogram.validation import validate
from report import machine, ratio

from civicapps import create_app
from civicapps.migrations import upgrade

ORGANISATION, DEPARTMENT = "Benchmark Borough Council", "Benchmark Borough Council"


def build_pair(posts: int, seed: int = 7) -> tuple[str, str]:
    """A valid senior/junior CSV pair with ``posts`` senior posts."""
    rng = random.Random(seed)
    senior, junior = [], []
    bosses = ["XX"]
    queue: list[str] = []
    for number in range(1, posts + 1):
        ref = f"P{number:05d}"
        boss = bosses.pop(0) if bosses else queue.pop(0)
        name = rng.choice(["N/D", "Vacant", f"Person {number}"])
        senior.append(
            [
                ref,
                name,
                "N/A",
                f"Post {number} title",
                "Runs a team.",
                DEPARTMENT,
                ORGANISATION,
                f"Unit {number % 40}",
                "N/D",
                f"post{number}@bench.example.org",
                boss,
                "0",
                "1.00",
                "0",
                "0",
                "",
                "Other",
                "",
                "",
            ]
        )
        queue.extend([ref] * rng.randint(2, 9))
        if number % 3 == 0:
            junior.append(
                [DEPARTMENT, ORGANISATION, f"Unit {number % 40}", ref, "Volunteer", "0", "0", "Helper", "2.50", "Other"]
            )
    return _csv(SENIOR_HEADERS, senior), _csv(JUNIOR_HEADERS, junior)


def _csv(headers: tuple[str, ...], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """CPU seconds of ``action`` (everything here runs in this process, on one thread) and its result:
    on a shared machine, wall time moves with other work far more than CPU time does."""
    start = time.process_time()
    result = action()
    return time.process_time() - start, result


def plain_parse(*texts: str) -> int:
    """The anchor for validate: every row of both CSVs through Python's csv reader, nothing else."""
    return sum(len(list(csv.reader(io.StringIO(text)))) for text in texts)


def plain_import(folder: str, *texts: str) -> None:
    """The anchor for import: every row of both CSVs as text into SQLite, one transaction."""
    connection = sqlite3.connect(f"{folder}/plain.db")
    with connection:
        for number, text in enumerate(texts):
            rows = csv.reader(io.StringIO(text))
            header = next(rows)
            connection.execute(f"CREATE TABLE t{number} ({', '.join(f'c{i} TEXT' for i in range(len(header)))})")
            connection.executemany(f"INSERT INTO t{number} VALUES ({', '.join('?' * len(header))})", rows)
    connection.close()


def one_round(senior_text: str, junior_text: str) -> dict[str, float]:
    """Each step and its anchor, on a fresh database."""
    folder = tempfile.mkdtemp(prefix="bench-organogram-")
    app = create_app(
        {"instance_path": folder, "secret_key": "bench"}, plugins=[("organogram", organogram)], load_entrypoints=False
    )
    payloads: dict[int, bytes] = {}
    app.add_url_rule("/bench/payload/<int:size>", "bench_payload", lambda size: payloads.setdefault(size, b"x" * size))
    with app.app_context():
        upgrade(app)

    def check() -> tuple[Any, Any, list[Any]]:
        senior, junior = read_sheet(senior_text, "senior"), read_sheet(junior_text, "junior")
        return senior, junior, validate(senior, junior)

    figures: dict[str, float] = {}
    figures["validate"], (senior, junior, errors) = timed(check)
    assert errors == [], errors[:5]
    figures["parse"], _ = timed(lambda: plain_parse(senior_text, junior_text))
    with app.app_context():
        figures["import"], group = timed(lambda: import_pair(senior, junior))
        group_id = group.id
    figures["plain import"], _ = timed(lambda: plain_import(folder, senior_text, junior_text))
    client = app.test_client()

    def render() -> list[int]:
        page = client.get(f"/organogram/groups/{group_id}")
        svg = client.get(f"/organogram/groups/{group_id}/chart.svg")
        assert page.status_code == svg.status_code == 200
        return [len(page.data), len(svg.data)]

    client.get("/organogram/")  # warm up templates once, as a running server would be
    figures["render"], sizes = timed(render)
    for size in sizes:
        client.get(f"/bench/payload/{size}")  # made once, as the pages' templates were warmed
    figures["payload"], _ = timed(lambda: [client.get(f"/bench/payload/{size}").data for size in sizes])
    figures["MB"] = sum(sizes) / 1e6
    app.extensions["civicapps"].db.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI: no figure means anything")
    args = parser.parse_args()
    if args.smoke:
        args.posts, args.rounds = 60, 2
    machine("start")
    senior_text, junior_text = build_pair(args.posts)
    print(f"organogram benchmark: {args.posts} senior posts, {args.rounds} rounds, each on a fresh SQLite database")
    rounds = []
    for number in range(1, args.rounds + 1):
        f = one_round(senior_text, junior_text)
        rounds.append(f)
        print(
            f"  round {number}: validate {f['validate']:.3f} s CPU (csv parse alone {f['parse']:.3f}); "
            f"import {f['import']:.3f} s (plain sqlite3 load {f['plain import']:.3f}); "
            f"render {f['render']:.3f} s for {f['MB']:.1f} MB (same bytes from memory {f['payload']:.3f})",
            flush=True,
        )
    for step, anchor, what in (
        ("validate", "parse", "validate (read + every converter rule) / csv reader alone"),
        ("import", "plain import", "import (posts, holders, junior roles) / sqlite3 executemany of the rows as text"),
        ("render", "payload", "render (group page + SVG file) / the same sizes answered from memory"),
    ):
        ratio(f"{what}, CPU seconds (lower is better)", [f[step] / f[anchor] for f in rounds])
    machine("end")


if __name__ == "__main__":
    main()
