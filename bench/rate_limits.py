"""How fast civicapps.RateLimit counts, on each store, against Flask-Limiter's storage layer (``limits``).

Flask-Limiter counts through the ``limits`` library, which has Redis, memcached and MongoDB storage
but no SQL one; so the comparison is on Redis, where both can run, and the baseline is ``limits``'
sliding-window counter there (the same algorithm as ours). On SQLite, the default store, the anchor
is the same counting done bare: one stdlib sqlite3 upsert per hit in its own transaction on a WAL
file, which is what a hit must cost at least. Each round makes ``--hits`` hits spread over ``--keys``
keys with a limit that is never reached, one at a time, as a web request does.

    pip install 'limits[redis]'        # the comparison only; not a civicapps dependency
    PYTHONPATH=. python bench/rate_limits.py --redis-url redis://127.0.0.1:6379/15 \
        --postgres-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import machine, ratio  # noqa: E402  (bench/report.py, beside this script)

from civicapps import RateLimit, create_app  # noqa: E402
from civicapps.migrations import upgrade  # noqa: E402


def ours(database_url: str, queue_url: str | None, hits: int, keys: int, instance: Path) -> float:
    config = {"database_url": database_url, "instance_path": str(instance), "secret_key": "bench"}
    if queue_url:
        config["queue_url"] = queue_url
    app = create_app(config, load_entrypoints=False)
    with app.app_context():
        upgrade(app)
    limit = RateLimit("bench.hit", limit=10 * hits, per=timedelta(hours=1))
    with app.test_request_context():
        limit.hit("warm-up")
        start = time.perf_counter()
        for n in range(hits):
            limit.hit(f"203.0.113.{n % keys}")
        elapsed = time.perf_counter() - start
    app.extensions["civicapps"].db.dispose()
    return hits / elapsed


def bare_sqlite(path: Path, hits: int, keys: int) -> float:
    """The least a counted hit costs on SQLite: one upsert of a counter row, committed, per hit."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY, window INTEGER, count INTEGER)")
    upsert = (
        "INSERT INTO hits VALUES (?, ?, 1) ON CONFLICT (key) DO UPDATE SET count = count + 1 RETURNING count"
    )
    window = int(time.time() // 3600)
    start = time.perf_counter()
    for n in range(hits):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(upsert, (f"203.0.113.{n % keys}", window)).fetchone()
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return hits / elapsed


def theirs(strategy: str, redis_url: str, hits: int, keys: int) -> float:
    from limits import RateLimitItemPerHour, storage, strategies

    store = storage.RedisStorage(redis_url)
    limiter = getattr(strategies, strategy)(store)
    item = RateLimitItemPerHour(10 * hits)
    limiter.hit(item, "warm-up")
    start = time.perf_counter()
    for n in range(hits):
        limiter.hit(item, f"203.0.113.{n % keys}")
    return hits / (time.perf_counter() - start)


def postgres_database(server: str) -> tuple[str, str]:
    name = f"bench_limits_{uuid.uuid4().hex[:8]}"
    with create_engine(server, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(server).set(database=name).render_as_string(hide_password=False), name


def one_round(args: argparse.Namespace, instance: Path) -> dict[str, float]:
    """Hits per second of each store measured in this round, by name."""
    results: dict[str, float] = {}
    results["bare sqlite3 upsert"] = bare_sqlite(instance / f"bare-{uuid.uuid4().hex}.db", args.hits, args.keys)
    database = f"sqlite:///{instance / f'bench-{uuid.uuid4().hex}.db'}"
    results["civicapps, SQLite"] = ours(database, None, args.hits, args.keys, instance)
    if args.postgres_url:
        url, name = postgres_database(args.postgres_url)
        try:
            results["civicapps, PostgreSQL"] = ours(url, None, args.hits, args.keys, instance)
        finally:
            with create_engine(args.postgres_url, isolation_level="AUTOCOMMIT").connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    if args.redis_url:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
        results["civicapps, Redis"] = ours(database, args.redis_url, args.hits, args.keys, instance)
        for strategy in ("SlidingWindowCounterRateLimiter", "MovingWindowRateLimiter", "FixedWindowRateLimiter"):
            redis.Redis.from_url(args.redis_url).flushdb()
            results[f"limits {strategy}, Redis"] = theirs(strategy, args.redis_url, args.hits, args.keys)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=2000, help="hits per store per round (default 2000)")
    parser.add_argument("--keys", type=int, default=100, help="distinct keys the hits are spread over")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each measuring every store (default 3)")
    parser.add_argument("--redis-url", help="a Redis to count in (flushed); needed for the comparison")
    parser.add_argument("--postgres-url", help="a PostgreSQL server to create a scratch database on")
    parser.add_argument("--smoke", action="store_true", help="a tiny run that only shows the script works")
    args = parser.parse_args()
    if args.smoke:
        args.hits, args.keys, args.rounds = 50, 10, 2
    machine("start")
    rounds: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(1, args.rounds + 1):
            rounds.append(one_round(args, Path(folder)))
            print(f"round {number}: {args.hits} hits over {args.keys} keys, one at a time")
            for name, rate in rounds[-1].items():
                print(f"  {name:48} {rate:8.0f} hits/s  {1e6 / rate:7.0f} µs/hit")
    ratio(
        "civicapps SQLite / bare sqlite3 upsert (hits/s, higher is better)",
        [r["civicapps, SQLite"] / r["bare sqlite3 upsert"] for r in rounds],
    )
    baseline = "limits SlidingWindowCounterRateLimiter, Redis"
    if baseline in rounds[0]:
        ratio(
            "civicapps Redis / limits sliding-window counter on Redis (hits/s, higher is better)",
            [r["civicapps, Redis"] / r[baseline] for r in rounds],
        )
    machine("end")


if __name__ == "__main__":
    main()
