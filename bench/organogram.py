"""Benchmark: validate, import and render a 5,000-post data.gov.uk organogram.

Builds a deterministic senior CSV of N posts (one top post, fan-out of 2 to 9 reports per post, every
post with a name, "N/D" or "Vacant") and a junior CSV with a team row under every third post, then
times, on a fresh SQLite database:

* validate: read both CSVs and apply every converter rule (what ``civicapps organogram validate`` does);
* import: store the pair (posts, holders, junior roles) in one transaction;
* render: load the public snapshot, lay the chart out and render the group page with its inline SVG,
  plus the standalone SVG file.

Run from the checkout: ``PYTHONPATH=.:plugins/organogram python bench/organogram.py [--posts 5000]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import platform
import random
import subprocess
import tempfile
import time
from collections.abc import Callable
from typing import Any

import civicapps_organogram as organogram
from civicapps_organogram.orgcsv import import_pair
from civicapps_organogram.orgformat import JUNIOR_HEADERS, SENIOR_HEADERS, read_sheet
from civicapps_organogram.validation import validate

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
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    args = parser.parse_args()
    senior_text, junior_text = build_pair(args.posts)
    app = create_app(
        {"instance_path": tempfile.mkdtemp(prefix="bench-organogram-"), "secret_key": "bench"},
        plugins=[("organogram", organogram)],
        load_entrypoints=False,
    )
    with app.app_context():
        upgrade(app)

    def check() -> tuple[Any, Any, list[Any]]:
        senior, junior = read_sheet(senior_text, "senior"), read_sheet(junior_text, "junior")
        return senior, junior, validate(senior, junior)

    validate_s, (senior, junior, errors) = timed(check)
    assert errors == [], errors[:5]
    with app.app_context():
        import_s, group = timed(lambda: import_pair(senior, junior))
        group_id = group.id
    client = app.test_client()

    def render() -> int:
        page = client.get(f"/organogram/groups/{group_id}")
        svg = client.get(f"/organogram/groups/{group_id}/chart.svg")
        assert page.status_code == svg.status_code == 200
        return len(page.data) + len(svg.data)

    client.get("/organogram/")  # warm up templates once, as a running server would be
    render_s, size = timed(render)
    cpu = _cpu()
    python = platform.python_version()
    print(f"organogram benchmark: {args.posts} senior posts, {len(junior.rows)} junior rows; {cpu}; Python {python}")
    print(f"  validate  {validate_s:7.2f} s   (read both CSVs, every converter rule)")
    print(f"  import    {import_s:7.2f} s   (posts, holders and junior roles into SQLite, one transaction)")
    what = f"group page with inline SVG chart and list, plus the SVG file: {size / 1e6:.1f} MB"
    print(f"  render    {render_s:7.2f} s   ({what})")


def _cpu() -> str:
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown CPU"
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("Model name")), "unknown CPU")
    cpus = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("CPU(s)")), "?")
    return f"{model}, {cpus} CPUs"


if __name__ == "__main__":
    main()
