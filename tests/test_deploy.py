"""The deployment in deploy/ works as its guide says: backups restore, the units and configs load.

Each test runs the real programs the guide tells an operator to run: deploy/backup.sh and
deploy/restore.sh against a live SQLite file and a PostgreSQL server, systemd-analyze on the units,
gunicorn with deploy/gunicorn.conf.py, and nginx with deploy/nginx.conf in front of it.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from civicapps.notify.models import Subscription

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BACKUP, RESTORE = DEPLOY / "backup.sh", DEPLOY / "restore.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def deployment_env(instance: Path, database_url: str) -> dict[str, str]:
    """The environment a systemd unit gives civicapps: its settings, and this checkout on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICAPPS_")}
    env.update(
        CIVICAPPS_INSTANCE_PATH=str(instance), CIVICAPPS_DATABASE_URL=database_url, CIVICAPPS_SECRET_KEY="deploy-test"
    )
    plugins = [str(p) for p in sorted((ROOT / "plugins").iterdir()) if (p / "pyproject.toml").exists()]
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *plugins, env.get("PYTHONPATH", "")])
    return env


def civicapps(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "civicapps", *args], env=env, capture_output=True, text=True)


def run(*args: str | Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env)
    assert result.returncode == 0, f"{args[0]} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
    return result.stdout.strip()


def add_subscriptions(engine: Any, first: int, count: int) -> None:
    rows = [
        {
            "topic": "t",
            "channel": "webhook",
            "target": f"https://example.org/{n}",
            "target_hash": str(n),
            "frequency": "instant",
            "status": "active",
            "confirm_attempts": 0,
            "changed": 0,
        }
        for n in range(first, first + count)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Subscription), rows)


def stored_targets(engine: Any) -> set[str]:
    with engine.connect() as connection:
        return set(connection.scalars(select(Subscription.target)))


class Writer(threading.Thread):
    """Keeps committing rows (as the web tier and workers do) until stopped: the backup runs live."""

    def __init__(self, engine: Any, first: int):
        super().__init__(daemon=True)
        self.engine, self.next, self.stop = engine, first, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set() and self.next < 1_000_000:
            add_subscriptions(self.engine, self.next, 5)
            self.next += 5
            time.sleep(0.005)


def migrated(env: dict[str, str]) -> None:
    result = civicapps(env, "db", "upgrade")
    assert result.returncode == 0, result.stderr


def test_sqlite_backup_taken_while_writing_restores_after_the_database_is_lost(tmp_path: Path) -> None:
    database = tmp_path / "instance" / "civicapps.db"
    env = deployment_env(tmp_path / "instance", f"sqlite:///{database}")
    migrated(env)
    engine = create_engine(f"sqlite:///{database}", poolclass=NullPool)
    add_subscriptions(engine, 0, 200)
    before = stored_targets(engine)
    # A reader holding a snapshot open and a writer committing throughout: what a live site does.
    reader = sqlite3.connect(database)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM notify_subscription").fetchone()
    writer = Writer(engine, 200)
    writer.start()
    try:
        time.sleep(0.2)
        backup = Path(run(BACKUP, database, tmp_path / "backups"))
    finally:
        writer.stop.set()
        writer.join()
        reader.close()
    assert backup.parent == tmp_path / "backups" and backup.name.startswith("civicapps-") and backup.suffix == ".db"
    assert oct(backup.stat().st_mode & 0o777) == "0o600"  # residents' personal data
    in_backup = stored_targets(create_engine(f"sqlite:///{backup}", poolclass=NullPool))
    assert before <= in_backup and len(in_backup) > len(before)  # taken while the writer was writing

    engine.dispose()
    for path in database.parent.glob("civicapps.db*"):  # the database, its WAL and shared memory: lost
        path.unlink()

    run(RESTORE, backup, database)
    assert stored_targets(engine) == in_backup
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    status = civicapps(env, "db", "status")
    assert status.returncode == 0, status.stdout + status.stderr  # migrations restored with the data


def test_sqlite_restore_over_a_crashed_database_drops_its_write_ahead_log(tmp_path: Path) -> None:
    """A database whose process died leaves committed pages in civicapps.db-wal; restoring must not
    let SQLite replay them into the restored file."""
    database = tmp_path / "civicapps.db"
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x)")
        connection.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(100)])
    backup = Path(run(BACKUP, database, tmp_path / "backups"))
    crash = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_autocheckpoint=0')\n"
        "c.execute('DELETE FROM t'); c.executemany('INSERT INTO t VALUES (?)', [(-n,) for n in range(5000)])\n"
        "c.commit(); os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", crash, database], check=True)
    assert (tmp_path / "civicapps.db-wal").stat().st_size > 0

    run(RESTORE, backup, database)
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert sorted(x for (x,) in connection.execute("SELECT x FROM t")) == list(range(100))


def test_sqlite_restore_refuses_a_damaged_backup_and_keeps_the_database(tmp_path: Path) -> None:
    database = tmp_path / "civicapps.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE kept (x)")
        connection.execute("INSERT INTO kept VALUES (1)")
    damaged = tmp_path / "civicapps-20260101-000000.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    result = subprocess.run([RESTORE, damaged, database], capture_output=True, text=True)
    assert result.returncode != 0
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT x FROM kept").fetchall() == [(1,)]


@pytest.fixture
def postgres_server() -> Iterator[str]:
    """CIVICAPPS_TEST_DATABASE_URL's server, or a throwaway one started here (as tests/run.sh does)."""
    url = os.environ.get("CIVICAPPS_TEST_DATABASE_URL")
    if url:
        yield url
        return
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    # Not under pytest's temporary folder: the postgres user may not enter it.
    bin_dir, folder, port = found[-1].parent, Path(tempfile.mkdtemp(prefix="civicapps-deploy-pg-")), free_port()
    as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    if as_pg:
        shutil.chown(folder, "postgres")
    run(*as_pg, bin_dir / "initdb", "-D", folder / "data", "-U", "postgres", "-A", "trust", "--no-sync")
    pg_ctl = [*as_pg, bin_dir / "pg_ctl", "-D", folder / "data"]
    run(*pg_ctl, "-l", folder / "log", "-w", "-o", f"-k {folder} -h 127.0.0.1 -p {port} -c fsync=off", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(*pg_ctl, "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_postgresql_backup_restores_after_the_database_is_dropped(tmp_path: Path, postgres_server: str) -> None:
    name = f"civicapps_deploy_{os.getpid()}"
    admin = create_engine(make_url(postgres_server), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    database_url = make_url(postgres_server).set(database=name)
    libpq_uri = database_url.set(drivername="postgresql").render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        env = deployment_env(tmp_path / "instance", database_url.render_as_string(hide_password=False))
        migrated(env)
        engine = create_engine(database_url, poolclass=NullPool)
        add_subscriptions(engine, 0, 200)
        before = stored_targets(engine)
        writer = Writer(engine, 200)
        writer.start()
        try:
            time.sleep(0.2)
            backup = Path(run(BACKUP, libpq_uri, tmp_path / "backups"))
        finally:
            writer.stop.set()
            writer.join()
        assert backup.suffix == ".dump" and oct(backup.stat().st_mode & 0o777) == "0o600"

        with admin.connect() as connection:  # the database is lost; the server is still there
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        assert civicapps(env, "db", "status").returncode == 1  # empty: every migration pending

        run(RESTORE, backup, libpq_uri)
        restored = stored_targets(engine)
        assert before <= restored and len(restored) > len(before)
        with engine.connect() as connection:  # the id sequence came back too: new rows do not collide
            assert connection.scalar(select(func.max(Subscription.id))) == len(restored)
        add_subscriptions(engine, 10_000_000, 1)
        status = civicapps(env, "db", "status")
        assert status.returncode == 0, status.stdout + status.stderr
        # Restoring again over the restored database (its objects exist) works too: --clean.
        run(RESTORE, backup, libpq_uri)
        assert stored_targets(engine) == restored
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is missing (apt-get install systemd)")
    # The units name the install paths of deploy/README.md; verify checks each program exists, so
    # point them at this machine's interpreter and checkout.
    bin_dir = Path(sys.executable).parent
    for program in ("gunicorn", "civicapps"):
        if not (bin_dir / program).exists():
            pytest.skip(f"{program} is not installed beside {sys.executable}")
    units = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        body = unit.read_text().replace("/opt/civicapps/venv/bin/", f"{bin_dir}/")
        body = body.replace("/opt/civicapps/deploy/", f"{DEPLOY}/")
        (tmp_path / unit.name).write_text(body)
        units.append(tmp_path / (unit.name.replace("@.", "@1.")))
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True)
    # verify exits 0 on unknown keys and bad values, only saying so: any word from it is a mistake.
    assert result.returncode == 0 and result.stderr == "" and result.stdout == "", result.stdout + result.stderr


@pytest.fixture
def gunicorn_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """gunicorn with deploy/gunicorn.conf.py on a migrated SQLite site: (its URL, its log)."""
    instance = tmp_path / "instance"
    env = deployment_env(instance, f"sqlite:///{instance / 'civicapps.db'}")
    migrated(env)
    port, log = free_port(), tmp_path / "gunicorn.log"
    with log.open("wb") as stderr:
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                DEPLOY / "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and web.poll() is None:
            try:
                requests.get(f"{url}/-/health", timeout=30)  # the first request builds the app
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield url, log
    finally:
        web.terminate()
        web.wait(timeout=40)
    assert web.returncode == 0, log.read_text()  # SIGTERM: a clean, graceful stop


def test_gunicorn_with_the_deploy_config_serves_health(gunicorn_site: tuple[str, Path]) -> None:
    url, log = gunicorn_site
    response = requests.get(f"{url}/-/health", timeout=10)
    assert response.status_code == 200, log.read_text()
    assert response.json()["status"] == "ok"
    assert "Using worker: sync" in log.read_text()


def test_static_locations_point_at_every_static_folder(tmp_path: Path) -> None:
    env = deployment_env(tmp_path / "instance", f"sqlite:///{tmp_path / 'civicapps.db'}")
    out = subprocess.run(
        [sys.executable, DEPLOY / "static_locations.py"], env=env, capture_output=True, text=True, check=True
    ).stdout
    blocks = dict(line.split()[1:3] for line in out.splitlines() if line.startswith("location"))
    aliases = [line.split()[1].rstrip(";") for line in out.splitlines() if line.strip().startswith("alias")]
    assert {"/-/static/", "/-/static/notify/", "/planning-alerts/static/", "/street-reports/static/"} <= set(blocks)
    assert all(Path(alias).is_dir() and alias.endswith("/") for alias in aliases)
    assert (Path(aliases[list(blocks).index("/-/static/")]) / "civicapps.css").is_file()


def test_nginx_example_proxies_tls_caps_uploads_serves_static_and_masks_tokens(
    tmp_path: Path, gunicorn_site: tuple[str, Path]
) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is missing (apt-get install nginx-light)")
    upstream, _ = gunicorn_site
    http_port, https_port = free_port(), free_port()
    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-keyout",
        tmp_path / "key.pem",
        "-out",
        tmp_path / "cert.pem",
    )
    env = deployment_env(tmp_path / "static-instance", f"sqlite:///{tmp_path / 'static.db'}")
    (tmp_path / "static.conf").write_text(run(sys.executable, DEPLOY / "static_locations.py", env=env) + "\n")
    site = (DEPLOY / "nginx.conf").read_text()
    for old, new in {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:80;": "",
        "listen [::]:443 ssl http2;": "",
        "/etc/letsencrypt/live/alerts.example.gov.uk/fullchain.pem": str(tmp_path / "cert.pem"),
        "/etc/letsencrypt/live/alerts.example.gov.uk/privkey.pem": str(tmp_path / "key.pem"),
        "/var/log/nginx/": f"{tmp_path}/",
        "/etc/civicapps/nginx-static.conf": str(tmp_path / "static.conf"),
        "server 127.0.0.1:8000;": f"server {upstream.removeprefix('http://')};",
    }.items():
        assert old in site, old
        site = site.replace(old, new)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"{'user root;' if os.getuid() == 0 else ''}\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{\n  include /etc/nginx/mime.types;\n  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    run(nginx, "-t", "-q", "-e", tmp_path / "error.log", "-c", tmp_path / "nginx.conf")
    server = subprocess.Popen(
        [nginx, "-e", tmp_path / "error.log", "-c", tmp_path / "nginx.conf", "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    site_url = f"https://127.0.0.1:{https_port}"
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    http = requests.Session()
    http.verify, http.trust_env = False, False
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                http.get(f"{site_url}/-/health", timeout=30)
                break
            except requests.RequestException:
                time.sleep(0.1)
        plain = http.get(f"http://127.0.0.1:{http_port}/alerts/", allow_redirects=False, timeout=10)
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")

        health = http.get(f"{site_url}/-/health", timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert "max-age=63072000" in health.headers["Strict-Transport-Security"]

        css = http.get(f"{site_url}/-/static/civicapps.css", timeout=10)
        assert css.status_code == 200 and css.headers["Cache-Control"] == "max-age=3600"  # from disk, not the app
        assert css.content == (ROOT / "civicapps" / "web" / "static" / "civicapps.css").read_bytes()

        too_big = http.post(f"{site_url}/alerts/api/subscriptions", data=b"x" * (21 * 1024 * 1024), timeout=30)
        assert too_big.status_code == 413 and "nginx" in too_big.text  # refused before reaching gunicorn

        token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
        http.get(f"{site_url}/alerts/unsubscribe/{token}?secret=1", timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=10)
    logged = (tmp_path / "civicapps.access.log").read_text()
    assert "/alerts/unsubscribe/[token]" in logged and token not in logged and "secret" not in logged
    assert '"GET /-/health" 200' in logged


def test_shell_scripts_parse_and_refuse_wrong_arguments() -> None:
    for script in (BACKUP, RESTORE, DEPLOY / "civicapps-env"):
        assert os.access(script, os.X_OK), f"{script.name} is not executable"
        run("sh", "-n", script)
    for script in (BACKUP, RESTORE):
        result = subprocess.run([script, "only-one-argument"], capture_output=True, text=True)
        assert result.returncode == 2 and result.stderr.startswith("usage:")
