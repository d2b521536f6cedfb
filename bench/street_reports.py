"""Street reports under load: the map's bounding-box GeoJSON (a whole-town view and a street-level
one) with 200,000 reports stored (or several sizes in turn, e.g. ``--reports 200000 1000000``),
served by gunicorn and loaded by wrk on 127.0.0.1, against two anchors on the same server in the
same run. Open311 ``requests.json`` on the same server is bench/open311.py's.

    apt-get install -y wrk && pip install gunicorn
    PYTHONPATH=.:plugins/street-reports python bench/street_reports.py [--reports 200000 ...] [--rounds 3]
    python bench/street_reports.py --smoke        # tiny, for CI

The map URLs are what the map script asks for (``bbox`` and ``zoom``): the whole town at zoom 12
(clusters with counts) and a street-level view at zoom 15. Each answer is cached per process until a
report changes, so wrk measures the answers a town's visitors share (after one second of warm-up
per map endpoint, not counted, so that each gunicorn worker has made its own); the first answer of
each (made from the database, cache cold) is timed and printed too.

Anchors: a minimal Flask endpoint (``{"ok": true}``: what any request costs in this app), and, for
each data endpoint, an endpoint answering a JSON body of the same size from memory (what the bytes
on the wire cost), so that work per request and bytes on the wire are told apart. Each endpoint is
loaded for ``--seconds`` per round, the endpoints interleaved within each round so background load
hits them alike; ratios are per round (min, median, max). wrk's timeout (``--timeout``, 60 s) is far
above any answer's time, so it does not cap the latency percentiles, and its timeouts and other
socket errors are reported. Where wrk and the server run (their CPU affinity) is printed;
``--wrk-cpus`` and ``--server-cpus`` pin them with taskset.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import machine, ratio  # noqa: E402

CITY = (-2.35, 53.40, -2.15, 53.55)  # a city-sized box (Greater Manchester's core), ~13 km by 16 km
VIEWPORT = (-2.2600, 53.4700, -2.2300, 53.4850)  # a street-level map view, ~2 km by 1.7 km
TOWN_ZOOM, STREET_ZOOM = 12, 15  # the zooms at which a 1,000-pixel-wide map shows each box
CATEGORIES = ("Potholes", "Street lighting", "Fly-tipping", "Graffiti", "Pavements")
STATES = ("open",) * 5 + ("investigating", "action_scheduled", "in_progress", "fixed", "fixed", "closed")

WSGI = '''
import json, os
import civicapps_street_reports as street_reports
from civicapps import create_app

# this plugin alone, as the database was built: not whatever else is installed beside it
app = create_app(
    json.loads(os.environ["BENCH_CONFIG"]), plugins=[("street_reports", street_reports)], load_entrypoints=False
)


@app.get("/bench/baseline")
def baseline():
    """The minimal Flask endpoint: what any request costs in this app on this server."""
    return {"ok": True}


_PAYLOADS = {}


@app.get("/bench/payload/<int:size>")
def payload(size):
    """A JSON body of ``size`` bytes made once and answered from memory: the cost of the bytes alone."""
    if size not in _PAYLOADS:
        _PAYLOADS[size] = json.dumps({"padding": "x" * max(size - 15, 0)}).encode()
    return app.response_class(_PAYLOADS[size], mimetype="application/json")
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


def wrk(url: str, seconds: int, connections: int, threads: int, timeout: int, cpus: str | None) -> dict[str, float]:
    """One wrk run: requests/s, p99 latency (ms), non-2xx answers, socket errors and timeouts."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s", "--latency", url]
    out = subprocess.run(
        [*(["taskset", "-c", cpus] if cpus else []), *command], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    connect, read, write, timeouts = (int(n) for n in sockets.groups()) if sockets else (0, 0, 0, 0)
    return {
        "rate": rate,
        "p99": float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit],
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": connect + read + write,
        "timeouts": timeouts,
    }


def affinity(pid: int) -> str:
    cpus = sorted(os.sched_getaffinity(pid))
    return ",".join(map(str, cpus))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, nargs="+", default=[200_000], help="sizes to run, each in turn")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--timeout", type=int, default=60, help="wrk's timeout per request, seconds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (sync)")
    parser.add_argument("--wrk-cpus", help="pin wrk to these CPUs (taskset -c list)")
    parser.add_argument("--server-cpus", help="pin gunicorn to these CPUs (taskset -c list)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI: no figure means anything")
    args = parser.parse_args()
    if args.smoke:
        args.reports, args.rounds, args.seconds, args.connections, args.threads = [2_000], 1, 1, 2, 1
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    machine("start")
    for count in args.reports:
        run(count, args)
    machine("end")


@contextmanager
def served(count: int, workers: int, cpus: str | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """A database of ``count`` reports served by gunicorn (the plugin's pages, Open311, the minimal
    endpoint and same-size payloads) until the block ends: its base URL and the server process."""
    folder = Path(tempfile.mkdtemp(prefix="bench-street-"))
    config = build(folder, count)
    (folder / "bench_wsgi.py").write_text(WSGI)
    port = free_port()
    env = {
        **os.environ,
        "BENCH_CONFIG": json.dumps(config),
        "PYTHONPATH": f"{folder}:{os.environ.get('PYTHONPATH', '')}",
    }
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*(["taskset", "-c", cpus] if cpus else []), *gunicorn, "--log-level", "warning", "bench_wsgi:app"],
        cwd=folder,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/bench/baseline", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def interleaved_rounds(
    endpoints: dict[str, str], args: argparse.Namespace, cpus: str | None
) -> dict[str, list[dict[str, float]]]:
    """wrk on every endpoint in turn, ``args.rounds`` times (so load on the machine hits all alike),
    printing each run; the runs per endpoint, in round order."""
    results: dict[str, list[dict[str, float]]] = {name: [] for name in endpoints}
    for round_number in range(1, args.rounds + 1):
        for name, url in endpoints.items():
            result = wrk(url, args.seconds, args.connections, args.threads, args.timeout, cpus)
            results[name].append(result)
            print(
                f"  round {round_number}: {name}: {result['rate']:,.1f} requests/s, p99 {result['p99']:,.1f} ms, "
                f"timeouts {result['timeouts']}, socket errors {result['socket_errors']}, "
                f"non-2xx {result['non_2xx']}",
                flush=True,
            )
    return results


def run(count: int, args: argparse.Namespace) -> None:
    """One size: build the database, start gunicorn, load every endpoint per round, print the ratios."""
    with served(count, args.workers, args.server_cpus) as (base, server):
        minimal = "minimal Flask endpoint"
        town, street = (",".join(str(v) for v in box) for box in (CITY, VIEWPORT))
        reports = f"{base}/street-reports/reports.json"
        data = {
            "map bbox GeoJSON, whole-town view": f"{reports}?bbox={town}&zoom={TOWN_ZOOM}",
            "map bbox GeoJSON, street-level view": f"{reports}?bbox={street}&zoom={STREET_ZOOM}",
        }
        sizes, items, cold = {}, {}, {}
        for name, url in data.items():
            started = time.perf_counter()
            with urllib.request.urlopen(url, timeout=60) as answer:
                raw = answer.read()
            cold[name] = time.perf_counter() - started
            body = json.loads(raw)
            sizes[name] = len(raw)
            items[name] = len(body["features"])
        for url in data.values():  # every worker makes its own cached map answers before the rounds
            wrk(url, 1, args.connections, args.threads, args.timeout, args.wrk_cpus)
        endpoints = {minimal: f"{base}/bench/baseline"}
        for name, url in data.items():
            endpoints[name] = url
            endpoints[f"same-size payload from memory ({name})"] = f"{base}/bench/payload/{sizes[name]}"
        pinned = "pinned" if args.wrk_cpus or args.server_cpus else "not pinned: both share them"
        print(
            f"{count:,} reports; gunicorn {args.workers} sync workers on CPUs {affinity(server.pid)}; "
            f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s --timeout {args.timeout}s on CPUs "
            f"{args.wrk_cpus or affinity(0)} ({pinned}), "
            f"loopback; {args.rounds} round(s), endpoints interleaved",
            flush=True,
        )
        results = interleaved_rounds(endpoints, args, args.wrk_cpus)
    for name in data:
        print(
            f"{name} at {count:,} reports: {items[name]:,} features, {sizes[name] / 1000:,.1f} kB per answer; "
            f"first answer (cache cold) {cold[name] * 1000:,.0f} ms"
        )
        for anchor in (minimal, f"same-size payload from memory ({name})"):
            pairs = list(zip(results[name], results[anchor], strict=True))
            ratio(
                f"{name} at {count:,} reports / {anchor}, requests per second (above 1: {name} faster)",
                [o["rate"] / a["rate"] for o, a in pairs],
            )
            ratio(
                f"{name} at {count:,} reports / {anchor}, p99 latency (above 1: {name} slower)",
                [o["p99"] / a["p99"] for o, a in pairs],
            )
    failed = {
        name: sum(r["timeouts"] + r["socket_errors"] + r["non_2xx"] for r in runs) for name, runs in results.items()
    }
    print(
        "timeouts, socket errors and non-2xx answers, all rounds: " + ", ".join(f"{n} {c}" for n, c in failed.items())
    )


if __name__ == "__main__":
    main()
