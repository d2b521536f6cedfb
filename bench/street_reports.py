"""Street reports under load: the map's bounding-box GeoJSON and Open311 ``requests.json`` with
200,000 reports stored, served by gunicorn and loaded by wrk on 127.0.0.1, against a minimal Flask
endpoint on the same server in the same run.

    apt-get install -y wrk && pip install gunicorn
    PYTHONPATH=.:plugins/street-reports python bench/street_reports.py [--reports 200000] [--rounds 3]

Each endpoint is loaded for ``--seconds`` per round, rounds interleaved so background load on the
shared machine hits every endpoint alike; medians of requests/s and p99 latency are printed with
their ratios to the baseline endpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

CITY = (-2.35, 53.40, -2.15, 53.55)  # a city-sized box (Greater Manchester's core), ~13 km by 16 km
VIEWPORT = (-2.2600, 53.4700, -2.2300, 53.4850)  # a street-level map view, ~2 km by 1.7 km
CATEGORIES = ("Potholes", "Street lighting", "Fly-tipping", "Graffiti", "Pavements")
STATES = ("open",) * 5 + ("investigating", "action_scheduled", "in_progress", "fixed", "fixed", "closed")

WSGI = '''
import json, os
from civicapps import create_app

app = create_app(json.loads(os.environ["BENCH_CONFIG"]))


@app.get("/bench/baseline")
def baseline():
    """The minimal Flask endpoint: what any request costs in this app on this server."""
    return {"ok": True}
'''


def build(folder: Path, count: int) -> dict:
    """A migrated SQLite database with one council, its categories and ``count`` confirmed reports."""
    import civicapps_street_reports as street_reports
    from civicapps_street_reports.models import Area, Body, Category, Delivery, Report
    from sqlalchemy import insert

    from civicapps import create_app, db_session
    from civicapps.migrations import upgrade

    config = {
        "database_url": f"sqlite:///{folder / 'bench.db'}",
        "instance_path": str(folder / "instance"),
        "secret_key": "bench",
        "base_url": "http://127.0.0.1",
    }
    app = create_app(config, plugins=[("street_reports", street_reports)], load_entrypoints=False)
    rng = random.Random(311)
    now = datetime.now(UTC)
    with app.app_context():
        upgrade(app)
        session = db_session()
        body = Body(name="City Council")
        session.add(body)
        session.flush()
        min_lon, min_lat, max_lon, max_lat = CITY
        ring = [[min_lon, min_lat], [max_lon, min_lat], [max_lon, max_lat], [min_lon, max_lat], [min_lon, min_lat]]
        session.add(
            Area(
                body_id=body.id,
                name="City",
                geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}),
                min_lon=min_lon,
                min_lat=min_lat,
                max_lon=max_lon,
                max_lat=max_lat,
            )
        )
        categories = {}
        for name in CATEGORIES:
            category = Category(
                body_id=body.id,
                name=name,
                service_code=name.upper().replace(" ", "_"),
                send_method="none",
                extra_questions=[],
            )
            session.add(category)
            session.flush()
            categories[name] = category.id
        session.commit()
        started = time.perf_counter()
        for start in range(0, count, 10_000):
            reports, deliveries = [], []
            for number in range(start, min(start + 10_000, count)):
                confirmed = now - timedelta(seconds=rng.uniform(0, 180 * 86400))
                category = rng.choice(CATEGORIES)
                reports.append(
                    {
                        "id": number + 1,
                        "title": f"Problem {number}",
                        "category": category,
                        "details": "A made-up report for the benchmark, about as long as a real one. " * 3,
                        "lat": rng.uniform(min_lat, max_lat),
                        "lon": rng.uniform(min_lon, max_lon),
                        "status": rng.choice(STATES),
                        "created_at": confirmed,
                        "confirmed_at": confirmed,
                        "updated_at": confirmed,
                        "token": f"t{number}",
                        "answers": {},
                        "email": f"r{number}@example.org",
                    }
                )
                deliveries.append(
                    {
                        "report_id": number + 1,
                        "body_id": body.id,
                        "category_id": categories[category],
                        "method": "none",
                        "state": "kept",
                        "attempts": 0,
                        "next_attempt_at": confirmed,
                    }
                )
            session.execute(insert(Report), reports)
            session.execute(insert(Delivery), deliveries)
            session.commit()
            print(f"  stored {min(start + 10_000, count):,} reports", file=sys.stderr)
        print(f"stored {count:,} reports in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    app.extensions["civicapps"].db.dispose()
    config["plugins"] = {}
    return config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wrk(url: str, seconds: int, connections: int) -> tuple[float, float, int]:
    """(requests/s, p99 latency in ms, non-2xx answers) from one wrk run."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, p99, int(errors.group(1)) if errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (sync)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    folder = Path(tempfile.mkdtemp(prefix="bench-street-"))
    config = build(folder, args.reports)
    (folder / "bench_wsgi.py").write_text(WSGI)
    port = free_port()
    env = {
        **os.environ,
        "BENCH_CONFIG": json.dumps(config),
        "PYTHONPATH": f"{folder}:{os.environ.get('PYTHONPATH', '')}",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench_wsgi:app",
        ],
        cwd=folder,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    bbox = ",".join(str(v) for v in VIEWPORT)
    endpoints = {
        "minimal Flask endpoint": f"{base}/bench/baseline",
        "map bbox GeoJSON": f"{base}/street-reports/reports.json?bbox={bbox}",
        "Open311 requests.json": f"{base}/street-reports/open311/v2/requests.json",
    }
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoints["minimal Flask endpoint"], timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        sizes = {}
        for name, url in endpoints.items():
            with urllib.request.urlopen(url, timeout=30) as answer:
                body = json.loads(answer.read())
            sizes[name] = (
                len(body["features"])
                if isinstance(body, dict) and "features" in body
                else (len(body) if isinstance(body, list) else 1)
            )
        results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in endpoints}
        for round_number in range(args.rounds):
            for name, url in endpoints.items():
                results[name].append(wrk(url, args.seconds, args.connections))
            print(f"  round {round_number + 1} of {args.rounds} done", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    baseline_rate = statistics.median(r for r, _, _ in results["minimal Flask endpoint"])
    baseline_p99 = statistics.median(p for _, p, _ in results["minimal Flask endpoint"])
    print(
        f"\n{args.reports:,} reports; gunicorn {args.workers} sync workers; wrk -t2 -c{args.connections} "
        f"-d{args.seconds}s, {args.rounds} rounds interleaved, medians\n"
    )
    print("| endpoint | items per answer | requests/s | p99 ms | requests/s vs baseline | p99 vs baseline | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, runs in results.items():
        rate = statistics.median(r for r, _, _ in runs)
        p99 = statistics.median(p for _, p, _ in runs)
        errors = sum(e for _, _, e in runs)
        print(
            f"| {name} | {sizes[name]:,} | {rate:,.0f} | {p99:,.1f} | {rate / baseline_rate:.3f} | "
            f"{p99 / baseline_p99:.1f}x | {errors} |"
        )


if __name__ == "__main__":
    main()
