"""What the app-switch check adds to a request to a plugin's page.

Every request to a plugin's blueprint asks whether its app is switched off (``app_enabled`` asks
the same way the host's ``before_request`` does). Each round times ``--requests`` fresh request
contexts with the check and, interleaved, the same number without it (the anchor); a bare
``SELECT 1`` on a connection from the same pool is printed beside them for scale.

    PYTHONPATH=. python bench/app_switches.py [--postgres-url postgresql+psycopg://postgres@127.0.0.1/postgres]

On PostgreSQL it works in a database of its own, made on that server and dropped at the end.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import machine, ratio  # noqa: E402  (bench/report.py, beside this script)

from civicapps import app_enabled, create_app  # noqa: E402
from civicapps.migrations import upgrade  # noqa: E402


def one_round(database_url: str, instance: Path, requests: int) -> tuple[float, float, float]:
    """Seconds per request context with the switch check, without it, and per bare ``SELECT 1``."""
    app = create_app({"database_url": database_url, "instance_path": str(instance), "secret_key": "bench"},
                     load_entrypoints=False)
    with app.app_context():
        upgrade(app)
    engine = app.extensions["civicapps"].db.engine
    with app.test_request_context("/"):
        app_enabled("bench")  # warm-up: the pool's first connection
    start = time.perf_counter()
    for _ in range(requests):
        with app.test_request_context("/"):
            app_enabled("bench")
    check = (time.perf_counter() - start) / requests
    start = time.perf_counter()
    for _ in range(requests):
        with app.test_request_context("/"):
            pass
    bare = (time.perf_counter() - start) / requests
    start = time.perf_counter()
    for _ in range(requests):
        with engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar()
    query = (time.perf_counter() - start) / requests
    app.extensions["civicapps"].db.dispose()
    return check, bare, query


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new database on the server of ``server_url``, dropped afterwards."""
    name = f"civicapps_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(store: str, url: str, folder: Path, args: argparse.Namespace) -> None:
    """Print each round's figures and the per-round ratios for one database."""
    ratios = []
    for number in range(1, args.rounds + 1):
        check, bare, query = one_round(url, folder, args.requests)
        print(
            f"{store} round {number}: request with the check {check * 1e6:.1f} us, without "
            f"{bare * 1e6:.1f} us, SELECT 1 {query * 1e6:.1f} us"
        )
        ratios.append(check / bare)
    ratio(f"{store}: request context with the switch check / without it, time (lower is better)", ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5_000, help="checks per round (default 5000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--postgres-url", help="also measure on this PostgreSQL database")
    parser.add_argument("--smoke", action="store_true", help="a tiny run that only shows the script works")
    args = parser.parse_args()
    if args.smoke:
        args.requests, args.rounds = 50, 2
    machine("start")
    with tempfile.TemporaryDirectory() as folder:
        measure("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}", Path(folder), args)
        if args.postgres_url:
            with scratch_database(args.postgres_url) as url:
                measure("postgresql", url, Path(folder), args)
    machine("end")


if __name__ == "__main__":
    main()
