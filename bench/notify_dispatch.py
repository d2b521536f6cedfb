"""Dispatch N notifications through the full path and through a bare apprise loop, side by side.

Full path: N confirmed webhook subscriptions, one ingested item that matches them all, matching writes N
outbox rows, wake-ups go on the queue, `civicapps worker` processes claim, render, send through apprise
behind the egress guard, and record each result. Bare: a loop of ``Apprise.notify()`` calls to the same
sink. The sink runs in its own process and only counts.

    python bench/notify_dispatch.py                     # 10,000 messages; 1 worker, then 4 workers
    python bench/notify_dispatch.py --messages 2000 --workers 1 --queue redis://127.0.0.1:6379/0

Run from the repository root (the workers get this checkout on PYTHONPATH).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import apprise

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notify_setup import add_active_subscriptions  # noqa: E402

from civicapps import Item, Topic, create_app, hookimpl  # noqa: E402
from civicapps.db import db_session  # noqa: E402
from civicapps.migrations import upgrade  # noqa: E402
from civicapps.notify.matching import match_records  # noqa: E402
from civicapps.notify.outbox import wake  # noqa: E402
from civicapps.notify.settings import SAFE_SCHEMES  # noqa: E402


def run_sink(port_out: multiprocessing.Queue, count: Any) -> None:
    """An HTTP sink that answers 200 to every POST and counts them in shared memory.

    Counting in shared memory, not over HTTP, keeps the benchmark's own polling off the CPU.
    """

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with count.get_lock():
                count.value += 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_out.put(server.server_address[1])
    server.serve_forever()


class Bench:
    """A topic whose one item lies at the centre of every subscription."""

    @hookimpl
    def register_topics(self, app: object) -> list[Topic]:
        return [
            Topic(
                "near",
                "Benchmark items",
                "bench.item",
                lambda app, ids: [Item(i, f"Item {i}", lon=-4.48, lat=54.15) for i in ids],
            )
        ]


def bare(port: int, count: int, fresh: bool) -> float:
    """Messages per second of a plain apprise loop (one Apprise object, or a new one per message)."""
    asset = apprise.AppriseAsset(http_redirects=False, service_timeout=10, storage_mode="memory")
    url = f"json://127.0.0.1:{port}/bare"
    notifier = apprise.Apprise(asset=asset)
    notifier.add(url)
    start = time.perf_counter()
    for n in range(count):
        if fresh:
            notifier = apprise.Apprise(asset=asset)
            notifier.add(url)
        assert notifier.notify(body=f"message {n}", title="bare")
    return count / (time.perf_counter() - start)


def full(
    port: int, received: Any, count: int, workers: int, threads: int, database: str | None, queue: str | None
) -> tuple[float, float]:
    """(messages per second, seconds) from ingest to the sink having every message."""
    with tempfile.TemporaryDirectory() as instance:
        notify = {
            "allowed_schemes": [*SAFE_SCHEMES, "json"],
            "egress_allow": [f"127.0.0.1:{port}"],
            "channels": ["webhook"],
        }
        config = {"instance_path": instance, "secret_key": "bench", "plugins": {"notify": notify}}
        config["database_url"] = database or f"sqlite:///{instance}/civicapps.db"
        config["queue_url"] = queue or f"sqlite:///{instance}/queue.db"
        app = create_app(config, plugins=[("bench", Bench())], load_entrypoints=False)
        with app.app_context():
            upgrade(app)
            targets = [f"http://127.0.0.1:{port}/full/{n}" for n in range(count)]
            add_active_subscriptions(
                db_session(), "bench.near", targets, [-4.48] * count, [54.15] * count, [100.0] * count
            )
        if queue and queue.startswith("redis"):
            import redis

            redis.Redis.from_url(queue).flushdb()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "CIVICAPPS_CONFIG": ""}
        env.update({f"CIVICAPPS_{k.upper()}": v for k, v in config.items() if k != "plugins"})
        env.update({f"CIVICAPPS_PLUGINS__NOTIFY__{k.upper()}": json.dumps(v) for k, v in notify.items()})
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "civicapps",
                    "worker",
                    "--threads",
                    str(threads),
                    *([] if i == 0 else ["--no-periodic"]),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for i in range(workers)
        ]
        time.sleep(3)  # let every worker start and go idle
        before = received.value
        start = time.perf_counter()
        with app.app_context():  # the workers have no Bench plugin: match here, as the ingesting process would
            wake(app, match_records(app, "bench.item", [1], [])["instant"])
        while received.value - before < count:
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        app.extensions["civicapps"].db.dispose()
        return count / elapsed, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4], help="worker processes (one run each)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker process")
    parser.add_argument("--database", help="database_url (default: SQLite in a temporary folder)")
    parser.add_argument("--queue", help="queue_url (default: Huey on SQLite in the same folder)")
    args = parser.parse_args()

    ports: multiprocessing.Queue = multiprocessing.Queue()
    received = multiprocessing.Value("l", 0)
    sink = multiprocessing.Process(target=run_sink, args=(ports, received), daemon=True)
    sink.start()
    port = ports.get(timeout=10)
    print(
        f"{args.messages:,} messages to a local HTTP sink (separate process); database {args.database or 'SQLite'}, queue {args.queue or 'Huey on SQLite'}"
    )
    reused = bare(port, args.messages, fresh=False)
    fresh = bare(port, args.messages, fresh=True)
    print(f"bare apprise loop, one Apprise object:      {reused:8.0f} msg/s")
    print(f"bare apprise loop, new Apprise per message: {fresh:8.0f} msg/s")
    for workers in args.workers:
        rate, seconds = full(port, received, args.messages, workers, args.threads, args.database, args.queue)
        print(
            f"full path, {workers} worker(s) x {args.threads} thread(s): {rate:8.0f} msg/s ({seconds:.1f} s)  "
            f"ratio {rate / reused:.2f} of the bare rate ({rate / fresh:.2f} of new-object bare)"
        )
    sink.terminate()


if __name__ == "__main__":
    main()
