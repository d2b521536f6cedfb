"""Dispatch N notifications through the full path and through a bare apprise loop, side by side.

Full path: N confirmed webhook subscriptions, one ingested item that matches them all, matching writes N
outbox rows, wake-ups go on the queue, `civicapps worker` processes claim, render, send through apprise
behind the egress guard, and record each result. Bare: a loop of ``Apprise.notify()`` calls to the same
sink. The sink runs in its own process and only counts.

Other work on a shared machine moves every rate, so runs are interleaved (bare, full, bare, full, ...)
and each full run is compared with the mean of the bare runs just before and after it. CPU time per
message (from /proc, Linux) of the sending side and of the sink is printed too: it moves far less
with the machine's load than rates do.

    python bench/notify_dispatch.py                     # 10,000 messages; 1 worker, then 4 workers; 3 rounds
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
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import apprise

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notify_setup import add_active_subscriptions, scratch_database  # noqa: E402
from report import machine, ratio  # noqa: E402

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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(procs: list[subprocess.Popen]) -> None:
    """Wait until every worker has started and gone idle (their CPU time stops growing), so that neither
    start-up time nor start-up CPU is counted."""
    time.sleep(1)
    used = sum(cpu_seconds(proc.pid) for proc in procs)
    for _ in range(120):
        time.sleep(0.5)
        now = sum(cpu_seconds(proc.pid) for proc in procs)
        if now - used < 0.02 * len(procs):
            return
        used = now


def bare_loop(port: int, count: int, fresh: bool, ready: Any, go: Any, out: Any) -> None:
    """One plain apprise loop (one Apprise object, or a new one per message); puts its CPU seconds."""
    asset = apprise.AppriseAsset(http_redirects=False, service_timeout=10, storage_mode="memory")
    url = f"json://127.0.0.1:{port}/bare"
    notifier = apprise.Apprise(asset=asset)
    notifier.add(url)
    ready.put(None)
    go.wait()
    cpu = time.process_time()
    for n in range(count):
        if fresh:
            notifier = apprise.Apprise(asset=asset)
            notifier.add(url)
        assert notifier.notify(body=f"message {n}", title="bare")
    out.put(time.process_time() - cpu)


def bare(port: int, count: int, loops: int, fresh: bool, sink_pid: int) -> tuple[float, float, float]:
    """(messages per second, CPU ms per message of the loops, of the sink) of ``loops`` plain apprise
    loops in parallel processes, each with its own Apprise object, ``count`` messages in all: the
    anchor for as many worker processes."""
    ready, go, out = multiprocessing.Queue(), multiprocessing.Event(), multiprocessing.Queue()
    procs = [
        multiprocessing.Process(
            target=bare_loop, args=(port, count // loops + (i < count % loops), fresh, ready, go, out)
        )
        for i in range(loops)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:  # each has built its Apprise object
        ready.get(timeout=60)
    start, sink_cpu = time.perf_counter(), cpu_seconds(sink_pid)
    go.set()
    cpu = sum(out.get(timeout=600) for _ in procs)
    elapsed = time.perf_counter() - start
    for proc in procs:
        proc.join()
        if proc.exitcode:
            raise SystemExit("a bare loop failed")
    return count / elapsed, cpu / count * 1000, (cpu_seconds(sink_pid) - sink_cpu) / count * 1000


def full(
    port: int,
    received: Any,
    count: int,
    workers: int,
    threads: int,
    database: str | None,
    queue: str | None,
    sink_pid: int,
    log: Any,
) -> tuple[float, float, float, float]:
    """(messages per second, seconds, CPU ms per message of the workers, of the sink) from ingest to the
    sink having every message."""
    with ExitStack() as stack:
        instance = stack.enter_context(tempfile.TemporaryDirectory())
        if database:
            database = stack.enter_context(scratch_database(database, "bench_dispatch"))
        notify = {
            "allowed_schemes": [*SAFE_SCHEMES, "json"],
            "egress_allow": [f"127.0.0.1:{port}"],
            "channels": ["webhook"],
        }
        config = {"instance_path": instance, "secret_key": "bench", "plugins": {"notify": notify}}
        config["database_url"] = database or f"sqlite:///{instance}/civicapps.db"
        config["queue_url"] = queue or f"sqlite:///{instance}/queue.db"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "CIVICAPPS_CONFIG": "",
        }
        env.update({f"CIVICAPPS_{k.upper()}": v for k, v in config.items() if k != "plugins"})
        env.update({f"CIVICAPPS_PLUGINS__NOTIFY__{k.upper()}": json.dumps(v) for k, v in notify.items()})
        # With the installed plugins, as the workers load them, so that every table they use is migrated.
        app = create_app(config, plugins=[("bench", Bench())])
        with app.app_context():
            upgrade(app)
            targets = [f"http://127.0.0.1:{port}/full/{n}" for n in range(count)]
            add_active_subscriptions(
                db_session(), "bench.near", targets, [-4.48] * count, [54.15] * count, [100.0] * count
            )
        if queue and queue.startswith("redis"):
            import redis

            redis.Redis.from_url(queue).flushdb()
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
                stderr=log,
            )
            for i in range(workers)
        ]
        wait_until_idle(procs)
        before = received.value
        start, sink_cpu = time.perf_counter(), cpu_seconds(sink_pid)
        worker_cpu = sum(cpu_seconds(proc.pid) for proc in procs)
        with app.app_context():  # the workers have no Bench plugin: match here, as the ingesting process would
            wake(app, match_records(app, "bench.item", [1], [])["instant"])
        while received.value - before < count:
            if any(proc.poll() is not None for proc in procs):
                raise SystemExit("A worker stopped early; run again with --worker-log FILE to see why.")
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        worker_cpu = sum(cpu_seconds(proc.pid) for proc in procs) - worker_cpu
        sink_cpu = cpu_seconds(sink_pid) - sink_cpu
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        app.extensions["civicapps"].db.dispose()
        return count / elapsed, elapsed, worker_cpu / count * 1000, sink_cpu / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4], help="worker processes (one run each)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker process")
    parser.add_argument("--rounds", type=int, default=3, help="times to repeat the whole sequence")
    parser.add_argument(
        "--database",
        help="a PostgreSQL server URL: each run gets a new database there, dropped afterwards (default: SQLite in a "
        "temporary folder)",
    )
    parser.add_argument("--queue", help="queue_url (default: Huey on SQLite in the same folder)")
    parser.add_argument("--worker-log", type=argparse.FileType("a"), help="append the workers' output to this file")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI: no figure means anything")
    args = parser.parse_args()
    if args.smoke:
        args.messages, args.workers, args.rounds = 60, [2], 1

    machine("start")
    ports: multiprocessing.Queue = multiprocessing.Queue()
    received = multiprocessing.Value("l", 0)
    sink = multiprocessing.Process(target=run_sink, args=(ports, received), daemon=True)
    sink.start()
    port = ports.get(timeout=10)
    print(
        f"{args.messages:,} messages to a local HTTP sink (separate process); database {args.database or 'SQLite'}, "
        f"queue {args.queue or 'Huey on SQLite'}; {args.rounds} round(s); CPU is ms per message. Anchor for N worker "
        "processes: N bare apprise loops in parallel processes, each with its own Apprise object, run just before "
        "and just after the full run"
    )
    ratios: dict[int, list[float]] = {workers: [] for workers in args.workers}

    def bare_run(loops: int, fresh: bool = False) -> float:
        rate, cpu, sink_cpu = bare(port, args.messages, loops, fresh, sink.pid)
        label = "a new Apprise per message" if fresh else "one Apprise object each"
        print(
            f"  bare, {loops} loop(s) in parallel, {label}: {rate:7.0f} msg/s   "
            f"CPU loops {cpu:.2f}, sink {sink_cpu:.2f}",
            flush=True,
        )
        return rate

    for _ in range(args.rounds):
        bare_run(1, fresh=True)
        for workers in args.workers:
            before = bare_run(workers)
            rate, seconds, cpu, sink_cpu = full(
                port,
                received,
                args.messages,
                workers,
                args.threads,
                args.database,
                args.queue,
                sink.pid,
                args.worker_log or subprocess.DEVNULL,
            )
            print(
                f"  full path, {workers} worker(s) x {args.threads} thread(s): {rate:7.0f} msg/s ({seconds:.1f} s)   "
                f"CPU workers {cpu:.2f}, sink {sink_cpu:.2f}",
                flush=True,
            )
            after = bare_run(workers)
            ratios[workers].append(rate / ((before + after) / 2))
            print(
                f"    full / mean of the {workers} bare loop(s) before and after: {ratios[workers][-1]:.2f}", flush=True
            )
    for workers, found in ratios.items():
        ratio(
            f"{workers} worker(s) x {args.threads} thread(s) full path / {workers} bare apprise loop(s) in parallel, "
            "messages per second (above 1: the full path is faster)",
            found,
        )
    sink.terminate()
    machine("end")


if __name__ == "__main__":
    main()
