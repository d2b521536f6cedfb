"""Open311 ``requests.json`` (GeoReport v2's default window: the newest 1,000 public requests of the
last 90 days) with 200,000 reports stored, served by gunicorn and loaded by wrk on 127.0.0.1,
against the minimal Flask endpoint on the same server in the same run.

    apt-get install -y wrk && pip install gunicorn
    PYTHONPATH=.:plugins/street-reports python bench/open311.py [--reports 200000] [--rounds 3]
    python bench/open311.py --smoke        # tiny, for CI

The database, the app (with its two anchor endpoints) and wrk's settings are bench/street_reports.py's,
so the figures compare with its. Loaded in every round, interleaved: ``requests.json`` and
``requests.xml`` (the same 1,000 requests), the minimal Flask endpoint (``{"ok": true}``: what any
request costs in this app, the anchor of issue 16's target: requests/s at least 0.2x, p99 at most 4x)
and a JSON body of the same size answered from memory (what the bytes on the wire cost). Ratios are
per round (min, median, max).

An unchanged window is answered from each gunicorn worker's cache (civicapps_street_reports
``open311_cache``: the encoded body, kept until a write moves the Open311 change counter), so wrk
measures the answer every client of an unchanged window shares, after one second of warm-up per
endpoint, not counted, in which each worker makes its own. The first answer of each format (read
and encoded from the database, cache cold: what the first request after every write pays) is timed
and printed. wrk sends no ``If-None-Match``, so every answer carries the whole body.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import machine, ratio  # noqa: E402
from street_reports import affinity, interleaved_rounds, served, wrk  # noqa: E402

API = "/street-reports/open311/v2"
MINIMAL = "minimal Flask endpoint"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--timeout", type=int, default=60, help="wrk's timeout per request, seconds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (sync)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI: no figure means anything")
    args = parser.parse_args()
    if args.smoke:
        args.reports, args.rounds, args.seconds, args.connections, args.threads = 2_000, 1, 1, 2, 1
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    machine("start")
    with served(args.reports, args.workers) as (base, server):
        cold = {}
        for fmt in ("json", "xml"):
            started = time.perf_counter()
            with urllib.request.urlopen(f"{base}{API}/requests.{fmt}", timeout=60) as answer:
                raw = answer.read()
            cold[fmt] = (time.perf_counter() - started, len(raw))
            if fmt == "json":
                count, size = len(json.loads(raw)), len(raw)
        if count != 1000 and not args.smoke:
            sys.exit(f"requests.json answered {count} requests, not the 1,000 of the default window")
        for fmt in ("json", "xml"):  # every worker makes its own cached answers before the rounds
            wrk(f"{base}{API}/requests.{fmt}", 1, args.connections, args.threads, args.timeout, None)
        endpoints = {
            MINIMAL: f"{base}/bench/baseline",
            "Open311 requests.json": f"{base}{API}/requests.json",
            "Open311 requests.xml": f"{base}{API}/requests.xml",
            "same-size payload from memory": f"{base}/bench/payload/{size}",
        }
        print(
            f"{args.reports:,} reports; requests.json: {count:,} requests, {size / 1000:,.0f} kB; gunicorn "
            f"{args.workers} sync workers on CPUs {affinity(server.pid)}; wrk -t{args.threads} -c{args.connections} "
            f"-d{args.seconds}s --timeout {args.timeout}s on CPUs {affinity(0)}, loopback; {args.rounds} round(s), "
            "endpoints interleaved",
            flush=True,
        )
        results = interleaved_rounds(endpoints, args, None)
    for fmt, (seconds, length) in cold.items():
        print(f"Open311 requests.{fmt}: {length / 1000:,.0f} kB; first answer (cache cold) {seconds * 1000:,.0f} ms")
    for name, anchor in (
        ("Open311 requests.json", MINIMAL),
        ("Open311 requests.xml", MINIMAL),
        ("Open311 requests.json", "same-size payload from memory"),
    ):
        pairs = list(zip(results[name], results[anchor], strict=True))
        ratio(
            f"{name} / {anchor}, requests per second (above 1: {name} faster)",
            [o["rate"] / a["rate"] for o, a in pairs],
        )
        ratio(f"{name} / {anchor}, p99 latency (above 1: {name} slower)", [o["p99"] / a["p99"] for o, a in pairs])
    failed = {
        name: sum(r["timeouts"] + r["socket_errors"] + r["non_2xx"] for r in runs) for name, runs in results.items()
    }
    print(
        "timeouts, socket errors and non-2xx answers, all rounds: " + ", ".join(f"{n} {c}" for n, c in failed.items())
    )
    machine("end")


if __name__ == "__main__":
    main()
