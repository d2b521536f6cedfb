"""Mixed resident load on a deployment as councils run it, with faults; then count what was lost.

Two set-ups, each started from nothing with the files in deploy/ (gunicorn with deploy/gunicorn.conf.py,
``civicapps worker`` as the systemd unit runs it), the demo's sample data, and a local notification
sink (webhooks over HTTP) and mail sink (SMTP) standing in for residents:

- **sqlite**: the default: one gunicorn with 4 workers and one ``civicapps worker`` on one SQLite file,
  the job queue on SQLite too;
- **postgresql**: 2 gunicorns x 4 workers and 2 ``civicapps worker``s on PostgreSQL + Redis (append-only
  file on), both servers throwaway ones this script starts on free 127.0.0.1 ports. Faults at a quarter,
  half and three quarters of the run: SIGKILL a worker (restarted 2 s later, as systemd's
  ``Restart=always`` would), restart PostgreSQL, restart Redis.

Client threads, each a resident with its own cookies, loop until the time is up over: reads of pages,
JSON/GeoJSON APIs and map layers (70%), alert sign-ups through the JSON API (10%) and through the form
(10%), and street reports with a photo through the form (10%). Every request goes to 127.0.0.1 only.

Afterwards the run drains (workers finish sending) and is checked against the database and the sinks:

- **lost rows**: a sign-up answered 202/302 whose subscription is not in the database, a report
  answered 302 whose row (or photo) is not;
- **lost notifications**: a subscription or report in the database whose confirmation message never
  reached the sink; **duplicates**: one that arrived more than once (docs/notifications.md says what a
  killed worker may send twice).

Printed: requests/s, p50/p99 latency per kind of request, status counts, 5xx (and which happened
within 15 s after a fault), lost and duplicated rows and notifications, and every distinct error line
from the servers' logs (kept in the run folder with ``--keep``).

    python bench/load.py                          # both set-ups, 60 s each
    python bench/load.py --setup postgresql --seconds 120 --clients 24
    python bench/load.py --smoke                  # a few seconds on SQLite, tiny (CI)

Needs gunicorn (``pip install 'civicapps[deploy]'``), and for the PostgreSQL set-up Debian's postgresql
and redis-server packages (plus the postgres and redis extras). Run from the repository root.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from PIL import Image
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import machine, ratio  # noqa: E402  (bench/report.py, beside this script)

from civicapps.testing import MailSink, NotificationSink  # noqa: E402

POINT = (54.1505, -4.4805)  # in the demo's Douglas area
CATEGORY = "Potholes"
READS = [
    "/",
    "/-/health",
    "/-/static/civicapps.css",
    "/alerts/",
    "/alerts/api/topics",
    "/alerts/subscribe",
    "/planning-alerts/",
    "/planning-alerts/api/applications.json",
    "/planning-alerts/api/applications.geojson",
    "/street-reports/",
    "/street-reports/reports.json",
    "/street-reports/areas.geojson",
    f"/street-reports/report/new?lat={POINT[0]}&lon={POINT[1]}&category={CATEGORY}",
    "/organogram/",
    "/organogram/register.json",
]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FAULT_WINDOW = 15.0  # seconds after a fault whose 5xx are counted as the fault's


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise SystemExit(f"Timed out waiting for {what}")


# --- throwaway servers ---------------------------------------------------------------------------


class Postgres:
    """A PostgreSQL server in ``folder`` on a free port (as the postgres user when run as root)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not found:
            raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = found[-1].parent
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if self.as_pg:
            shutil.chown(folder, "postgres")
        self._pg("initdb", "-D", str(folder / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale")
        self.start()

    def _pg(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_pg, str(self.bin / program), *args], cwd="/", check=True, capture_output=True)

    def start(self) -> None:
        options = f"-k {self.folder} -h 127.0.0.1 -p {self.port} -c max_connections=200"
        self._pg(
            "pg_ctl",
            "-D",
            str(self.folder / "data"),
            "-l",
            str(self.folder / "postgresql.log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def restart(self) -> None:
        """What ``systemctl restart postgresql`` does: a fast shutdown (open sessions cut), then start."""
        self._pg("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        self.start()

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


class Redis:
    """A Redis server in ``folder`` on a free port, append-only file on (as docs/deploy recommends)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.start()

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--daemonize",
                "yes",
                "--dir",
                str(self.folder),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            check=True,
        )
        wait_for(lambda: self._cli("ping") == "PONG", 10, "Redis")

    def _cli(self, *args: str) -> str:
        result = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=10)
        return result.stdout.strip()

    def restart(self) -> None:
        """A clean restart: Redis writes its append-only file and stops; the queue comes back from it."""
        self._cli("shutdown")
        wait_for(lambda: self._cli("ping") != "PONG", 10, "Redis to stop")
        self.start()

    def stop(self) -> None:
        self._cli("shutdown", "nosave")

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


# --- the deployment ------------------------------------------------------------------------------


@dataclass
class Deployment:
    env: dict[str, str]
    folder: Path
    web_ports: list[int]
    web: list[subprocess.Popen] = field(default_factory=list)
    workers: list[subprocess.Popen | None] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def start_web(self, processes: int, workers: int) -> None:
        for n, port in enumerate(self.web_ports[:processes]):
            log = self.folder / f"web-{n}.log"
            self.logs.append(log)
            self.web.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "-c",
                        str(ROOT / "deploy" / "gunicorn.conf.py"),
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        str(workers),
                    ],
                    env=self.env,
                    stdout=subprocess.DEVNULL,
                    stderr=log.open("ab"),
                )
            )
        for port in self.web_ports[:processes]:
            health = f"http://127.0.0.1:{port}/-/health"
            wait_for(lambda url=health: requests.get(url, timeout=30).ok, 90, f"gunicorn on {port}")

    def start_worker(self, n: int) -> None:
        log = self.folder / f"worker-{n}.log"
        if log not in self.logs:
            self.logs.append(log)
        proc = subprocess.Popen(
            [sys.executable, "-m", "civicapps", "worker"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("ab"),
        )
        if n < len(self.workers):
            self.workers[n] = proc
        else:
            self.workers.append(proc)

    def wait_for_workers(self) -> None:
        """Until every worker's consumer runs (on a busy machine start-up takes many seconds: without
        this wait the first faults hit workers still importing, and nothing is sent meanwhile)."""
        logs = [self.folder / f"worker-{n}.log" for n in range(len(self.workers))]
        wait_for(lambda: all("consumer started" in log.read_text(errors="replace") for log in logs), 120, "workers")

    def kill_worker(self, n: int) -> None:
        proc = self.workers[n]
        if proc is not None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()

    def stop(self) -> None:
        for proc in [*self.web, *self.workers]:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in [*self.web, *self.workers]:
            if proc is not None:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()


def deployment_env(
    folder: Path, database_url: str, queue_url: str | None, sink: NotificationSink, mail: MailSink, base: str
) -> dict[str, str]:
    settings = {
        "INSTANCE_PATH": str(folder / "instance"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "load-bench-secret",
        "BASE_URL": base,
        "PLUGINS__NOTIFY__CHANNELS": json.dumps(["webhook"]),
        "PLUGINS__NOTIFY__ALLOWED_SCHEMES": json.dumps(["json", "mailto"]),
        "PLUGINS__NOTIFY__MAIL_URL": mail.url(),
        "PLUGINS__NOTIFY__EGRESS_ALLOW": json.dumps([f"127.0.0.1:{sink.port}", f"127.0.0.1:{mail.port}"]),
        "PLUGINS__NOTIFY__DEV_INBOX": "false",
        # Every resident here comes from 127.0.0.1: per-address limits would refuse most of them.
        "PLUGINS__NOTIFY__SUBSCRIPTIONS_PER_IP_PER_HOUR": "1000000",
        "PLUGINS__STREET_REPORTS__REPORTS_PER_ADDRESS_PER_HOUR": "10000",
    }
    if queue_url:
        settings["QUEUE_URL"] = queue_url
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICAPPS_")}
    env.update({f"CIVICAPPS_{k}": v for k, v in settings.items()})
    env["PYTHONPATH"] = os.pathsep.join(
        [
            str(ROOT),
            *(str(p) for p in sorted((ROOT / "plugins").iterdir()) if (p / "pyproject.toml").exists()),
            env.get("PYTHONPATH", ""),
        ]
    )
    return env


def kill_while_sending(engine: Any, deployment: Deployment, n: int, sink: NotificationSink) -> str:
    """SIGKILL worker ``n`` in the middle of sending: the webhook receiver turns slow (0.5 s an answer,
    as a struggling one does) until messages are claimed ('sending'), up to 10 s, then the worker is
    killed and the receiver is quick again. Says how many messages were claimed then."""
    claimed, deadline = 0, time.monotonic() + 10
    query = text("SELECT count(*) FROM notify_outbox WHERE status = 'sending'")
    sink.delay = 0.5
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                claimed = connection.execute(query).scalar_one()
            if claimed:
                time.sleep(0.3)  # into the batch: a message in flight, others claimed behind it
                break
            time.sleep(0.01)
        deployment.kill_worker(n)
    finally:
        sink.delay = 0.0
    return f"; {claimed} message(s) claimed by the workers then"


# --- the residents -------------------------------------------------------------------------------


def a_photo() -> bytes:
    """A 640x480 JPEG of noise: big enough that re-encoding it is real work (about 100 KB)."""
    image = Image.frombytes("RGB", (640, 480), random.Random(1).randbytes(640 * 480 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


@dataclass
class Ledger:
    """What every client saw, and what the server promised to keep."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: list[tuple[str, int, float, float]] = field(default_factory=list)  # kind, status, seconds, when
    api_subscriptions: dict[int, str] = field(default_factory=dict)  # id -> target
    form_subscriptions: list[str] = field(default_factory=list)  # targets
    reports: list[str] = field(default_factory=list)  # titles
    refused_targets: list[str] = field(default_factory=list)  # sign-ups answered 5xx

    def note(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.samples.append((kind, status, seconds, time.monotonic()))


class Resident:
    def __init__(
        self, n: int, bases: list[str], sink: NotificationSink, ledger: Ledger, photo: bytes, rng: random.Random
    ):
        self.n, self.bases, self.sink, self.ledger, self.photo, self.rng = n, bases, sink, ledger, photo, rng
        self.http = requests.Session()
        self.http.trust_env = False  # 127.0.0.1 only: no proxies from the environment

    def request(self, kind: str, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        start = time.perf_counter()
        try:
            response = self.http.request(
                method, self.rng.choice(self.bases) + path, timeout=60, allow_redirects=False, **kwargs
            )
        except requests.RequestException:
            self.ledger.note(kind, 0, time.perf_counter() - start)
            return None
        self.ledger.note(kind, response.status_code, time.perf_counter() - start)
        return response

    def token(self, kind: str, path: str) -> str | None:
        page = self.request(kind, "GET", path)
        found = CSRF.search(page.text) if page is not None and page.status_code == 200 else None
        return found.group(1) if found else None

    def target(self) -> str:
        return self.sink.url(f"/r{self.n}/{uuid.uuid4().hex}")

    def read(self) -> None:
        self.request("read", "GET", self.rng.choice(READS))

    def api_signup(self) -> None:
        target = self.target()
        body = {
            "topic": "street_reports.new",
            "channel": "webhook",
            "target": target,
            "lat": POINT[0] + self.rng.uniform(-0.01, 0.01),
            "lon": POINT[1] + self.rng.uniform(-0.01, 0.01),
            "radius_m": 500,
        }
        response = self.request("api signup", "POST", "/alerts/api/subscriptions", json=body)
        if response is not None and response.status_code == 202:
            with self.ledger.lock:
                self.ledger.api_subscriptions[response.json()["id"]] = target
        elif response is not None and response.status_code >= 500:
            self.ledger.refused_targets.append(target)

    def form_signup(self) -> None:
        token = self.token("form page", "/alerts/subscribe")
        if token is None:
            return
        target = self.target()
        form = {
            "csrf_token": token,
            "topic": "planning_alerts.near",
            "channel": "webhook",
            "target": target,
            "lat": str(POINT[0]),
            "lon": str(POINT[1]),
            "radius_m": "500",
            "frequency": "instant",
            "postcode": "",
        }
        response = self.request("form signup", "POST", "/alerts/subscribe", data=form)
        if (
            response is not None
            and response.status_code == 302
            and "/alerts/confirm" in response.headers.get("Location", "")
        ):
            with self.ledger.lock:
                self.ledger.form_subscriptions.append(target)
        elif response is not None and response.status_code >= 500:
            self.ledger.refused_targets.append(target)

    def street_report(self) -> None:
        path = f"/street-reports/report/new?lat={POINT[0]}&lon={POINT[1]}&category={CATEGORY}"
        token = self.token("report page", path)
        if token is None:
            return
        title = f"load {uuid.uuid4().hex}"
        form = {
            "csrf_token": token,
            "lat": str(POINT[0]),
            "lon": str(POINT[1]),
            "category": CATEGORY,
            "title": title,
            "details": "A deep pothole by the kerb.",
            "name": "Load Test",
            "email": f"{title.replace(' ', '-')}@example.org",
            "location_text": "",
            "used_map": "0",
        }
        files = {"photos": ("pothole.jpg", self.photo, "image/jpeg")}
        response = self.request("report", "POST", "/street-reports/report/new", data=form, files=files)
        if (
            response is not None
            and response.status_code == 302
            and "check-email" in response.headers.get("Location", "")
        ):
            with self.ledger.lock:
                self.ledger.reports.append(title)

    def run(self, deadline: float) -> None:
        actions = [self.read] * 7 + [self.api_signup, self.form_signup, self.street_report]
        while time.monotonic() < deadline:
            self.rng.choice(actions)()


# --- checking ------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def drain(engine: Any, ledger: Ledger, sink: NotificationSink, mail: MailSink, seconds: float) -> float:
    """Wait until nothing is left to send (every outbox row sent or failed) and the sinks are quiet."""
    start = time.monotonic()
    deadline = start + seconds
    quiet_since, last = time.monotonic(), (-1, -1)
    while time.monotonic() < deadline:
        try:
            with engine.connect() as connection:
                waiting = connection.execute(
                    text("SELECT count(*) FROM notify_outbox WHERE status IN ('pending', 'sending')")
                ).scalar_one()
        except Exception:
            waiting = -1
        now = (len(sink.messages), len(mail.messages))
        if now != last:
            quiet_since, last = time.monotonic(), now
        if waiting == 0 and time.monotonic() - quiet_since > 3:
            break
        time.sleep(1)
    return time.monotonic() - start


def check(engine: Any, ledger: Ledger, sink: NotificationSink, mail: MailSink) -> dict[str, Any]:
    """Lost and duplicated rows and notifications, from the database and the sinks."""
    prefix = sink.url("/r")
    with engine.connect() as connection:
        stored = dict(
            connection.execute(
                text("SELECT id, target FROM notify_subscription WHERE target LIKE :p"), {"p": prefix + "%"}
            ).all()
        )
        reports = dict(
            connection.execute(
                text(
                    "SELECT r.title, count(p.id) FROM street_reports_report r LEFT JOIN street_reports_photo p "
                    "ON p.report_id = r.id WHERE r.title LIKE 'load %' GROUP BY r.title"
                )
            ).all()
        )
        report_emails = [
            row[0]
            for row in connection.execute(text("SELECT email FROM street_reports_report WHERE title LIKE 'load %'"))
        ]
        outbox = dict(connection.execute(text("SELECT status, count(*) FROM notify_outbox GROUP BY status")).all())
    targets = set(stored.values())
    lost_rows = [f"API subscription {i}" for i, t in ledger.api_subscriptions.items() if stored.get(i) != t]
    lost_rows += [f"form subscription {t}" for t in ledger.form_subscriptions if t not in targets]
    lost_rows += [f"report {t!r}" for t in ledger.reports if t not in reports]
    lost_rows += [f"photo of report {t!r}" for t in ledger.reports if reports.get(t) == 0]
    received = Counter(m["path"] for m in sink.messages)
    mailed = Counter((m.get("To") or "").strip().lower() for m in mail.messages)
    paths = {t.removeprefix(sink.url("")): t for t in targets}
    lost_messages = [p for p in paths if received[p] == 0] + [e for e in report_emails if mailed[e] == 0]
    duplicates = sum(received[p] - 1 for p in paths if received[p] > 1) + sum(
        mailed[e] - 1 for e in report_emails if mailed[e] > 1
    )
    return {
        "promised rows": len(ledger.api_subscriptions) + len(ledger.form_subscriptions) + len(ledger.reports),
        "lost rows": lost_rows,
        "stored despite 5xx": sum(1 for t in ledger.refused_targets if t in targets),
        "sign-ups answered 5xx": len(ledger.refused_targets),
        "expected messages": len(paths) + len(report_emails),
        "lost messages": lost_messages,
        "duplicate messages": duplicates,
        "outbox": outbox,
    }


def error_lines(logs: list[Path]) -> Counter:
    """Each distinct exception line (and the line of our code it came from) in the servers' logs."""
    found: Counter = Counter()
    for log in logs:
        if not log.exists():
            continue
        last_ours = ""
        for line in log.read_text(errors="replace").splitlines():
            stripped = line.strip()
            if stripped.startswith("File ") and ("civicapps" in stripped) and "site-packages" not in stripped:
                last_ours = re.sub(r"^File \"[^\"]*/((civicapps|plugins)/)", r"\1", stripped)
            if re.match(r"^[\w.]+(Error|Exception|Locked|Timeout)\b.*", stripped) or re.match(
                r"^[\w.]+\.(\w+Error): ", stripped
            ):
                found[
                    f"{log.stem.rstrip('-0123456789')}: {stripped[:160]}" + (f"  <- {last_ours}" if last_ours else "")
                ] += 1
                last_ours = ""
    return found


# --- one run -------------------------------------------------------------------------------------


def run(name: str, args: argparse.Namespace) -> dict[str, Any]:
    postgres_run = name == "postgresql"
    processes, web_workers, job_workers = (2, 4, 2) if postgres_run else (1, 4, 1)
    if args.smoke:
        processes, web_workers = 1, 2
    begun = time.monotonic()
    with ExitStack() as stack:
        folder = Path(tempfile.mkdtemp(prefix=f"civicapps-load-{name}-"))
        if not args.keep:
            stack.callback(shutil.rmtree, folder, ignore_errors=True)
        folder.chmod(0o755)
        sink, mail = NotificationSink(), MailSink()
        stack.callback(sink.close)
        stack.callback(mail.close)
        postgres = redis_server = None
        if postgres_run:
            (folder / "pg").mkdir()
            postgres = Postgres(folder / "pg")
            stack.callback(postgres.stop)
            (folder / "redis").mkdir()
            redis_server = Redis(folder / "redis")
            stack.callback(redis_server.stop)
            database_url, queue_url = postgres.url(), redis_server.url()
        else:
            database_url, queue_url = f"sqlite:///{folder / 'instance' / 'civicapps.db'}", None
        ports = [free_port() for _ in range(processes)]
        deployment = Deployment(
            deployment_env(folder, database_url, queue_url, sink, mail, f"http://127.0.0.1:{ports[0]}"), folder, ports
        )
        stack.callback(deployment.stop)
        setup = subprocess.run(
            [sys.executable, "-m", "civicapps", "demo", "--no-serve"],
            env=deployment.env,
            capture_output=True,
            text=True,
        )
        if setup.returncode:
            raise SystemExit(f"civicapps demo --no-serve failed:\n{setup.stdout}{setup.stderr}")
        print(f"  set up (migrations, sample data) in {time.monotonic() - begun:.0f} s", flush=True)
        deployment.start_web(processes, web_workers)
        for n in range(job_workers):
            deployment.start_worker(n)
        deployment.wait_for_workers()
        print(f"  gunicorn answering and workers running after {time.monotonic() - begun:.0f} s", flush=True)
        engine = create_engine(database_url, poolclass=NullPool)
        stack.callback(engine.dispose)

        ledger, photo = Ledger(), a_photo()
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        residents = [Resident(n, bases, sink, ledger, photo, random.Random(n)) for n in range(args.clients)]
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [threading.Thread(target=r.run, args=(deadline,), daemon=True) for r in residents]
        for thread in threads:
            thread.start()
        faults: list[tuple[float, str]] = []
        if postgres_run and not args.no_faults:
            plan = [
                (0.25, "SIGKILL worker 1", lambda: kill_while_sending(engine, deployment, 1, sink)),
                (0.50, "restart PostgreSQL", postgres.restart),  # type: ignore[union-attr]
                (0.75, "restart Redis", redis_server.restart),  # type: ignore[union-attr]
            ]
            for fraction, what, act in plan:
                time.sleep(max(0.0, started + fraction * args.seconds - time.monotonic()))
                at = time.monotonic()
                note = act()
                faults.append((at, what))
                print(f"  {at - started:5.1f} s: {what} ({time.monotonic() - at:.1f} s{note or ''})", flush=True)
                if what.startswith("SIGKILL"):
                    time.sleep(2)
                    deployment.start_worker(1)  # Restart=always, RestartSec=2
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
        drained = drain(engine, ledger, sink, mail, args.drain)
        found = check(engine, ledger, sink, mail)
        stopping = time.monotonic()
        deployment.stop()
        print(f"  drained in {drained:.0f} s; stopped in {time.monotonic() - stopping:.0f} s", flush=True)
        found["errors"] = error_lines(deployment.logs)
        if args.keep:
            print(f"  run folder kept: {folder}")

    samples = ledger.samples
    by_kind: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    for kind, status, seconds, when in samples:
        by_kind[kind].append((status, seconds, when))
    server_errors = [(kind, status, when) for kind, status, _, when in samples if status >= 500]
    after_fault = {what: sum(1 for *_, when in server_errors if 0 <= when - at <= FAULT_WINDOW) for at, what in faults}
    return {
        "name": name,
        "shape": f"{processes} gunicorn x {web_workers} workers + {job_workers} civicapps worker(s)",
        "seconds": elapsed,
        "drain seconds": drained,
        "requests": len(samples),
        "by kind": by_kind,
        "5xx": len(server_errors),
        "5xx after faults": after_fault,
        "no answer": sum(1 for s in samples if s[1] == 0),
        "faults": [what for _, what in faults],
        **found,
    }


def report(result: dict[str, Any]) -> None:
    shape, seconds, drained = result["shape"], result["seconds"], result["drain seconds"]
    print(f"\n== {result['name']}: {shape}, {seconds:.0f} s of load, drained in {drained:.0f} s")
    if result["faults"]:
        print(
            "faults (5xx in the next 15 s): " + ", ".join(f"{k} ({n})" for k, n in result["5xx after faults"].items())
        )
    total = result["requests"]
    print(
        f"requests: {total} ({total / result['seconds']:.1f}/s); 5xx: {result['5xx']} "
        f"({sum(result['5xx after faults'].values())} within {FAULT_WINDOW:.0f} s after a fault); "
        f"no answer: {result['no answer']}"
    )
    print(f"{'kind':<12} {'count':>6} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for kind, rows in sorted(result["by kind"].items()):
        times = [seconds * 1000 for _, seconds, _ in rows]
        statuses = Counter(status for status, _, _ in rows)
        print(
            f"{kind:<12} {len(rows):>6} {percentile(times, 0.5):>8.0f} {percentile(times, 0.99):>8.0f}  "
            + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
        )
    print(
        f"rows promised (202/302): {result['promised rows']}; lost: {len(result['lost rows'])}; sign-ups answered "
        f"5xx: {result['sign-ups answered 5xx']}, of which stored all the same: {result['stored despite 5xx']}"
    )
    for line in result["lost rows"][:10]:
        print(f"  lost {line}")
    kills = sum(1 for what in result["faults"] if what.startswith("SIGKILL"))
    bound = f" (allowed: what the {kills} killed worker(s) had in flight, docs/notifications.md)" if kills else ""
    print(
        f"notifications expected: {result['expected messages']}; lost: {len(result['lost messages'])}; "
        f"duplicates: {result['duplicate messages']}{bound}; outbox: {result['outbox']}"
    )
    for line in result["lost messages"][:10]:
        print(f"  never arrived: {line}")
    if result["errors"]:
        print("errors in the server logs (count, process: exception <- last civicapps frame):")
        for line, count in result["errors"].most_common(15):
            print(f"  {count:>4}  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of load per set-up (default 60)")
    parser.add_argument("--clients", type=int, default=16, help="resident threads (default 16)")
    parser.add_argument(
        "--drain", type=float, default=240.0, help="most seconds to wait for sending to finish (default 240)"
    )
    parser.add_argument("--no-faults", action="store_true", help="no faults on the PostgreSQL set-up")
    parser.add_argument("--keep", action="store_true", help="keep the run folders (logs, databases)")
    parser.add_argument("--smoke", action="store_true", help="a few seconds on SQLite with 2 clients (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.setup, args.seconds, args.clients, args.drain = "sqlite", 3.0, 2, 60.0
    names = ["sqlite", "postgresql"] if args.setup == "both" else [args.setup]
    failed = False
    machine("start")
    for name in names:
        print(f"Running {name} for {args.seconds:.0f} s with {args.clients} residents...", flush=True)
        result = run(name, args)
        report(result)
        # One round per set-up; 1 is best for both.
        answered = (result["requests"] - result["5xx"]) / max(result["requests"], 1)
        kept = (result["promised rows"] - len(result["lost rows"])) / max(result["promised rows"], 1)
        ratio(f"{name} requests answered without 5xx / requests sent (1 is best)", [answered])
        ratio(f"{name} rows kept / rows acknowledged (1 is best)", [kept])
        failed |= bool(result["5xx"] or result["lost rows"] or result["lost messages"])
    machine("end")
    if args.smoke and failed:
        raise SystemExit("smoke run: server errors or lost rows/notifications (see above)")


if __name__ == "__main__":
    main()
