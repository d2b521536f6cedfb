"""How fast civicapps.RateLimit counts, on each store, against Flask-Limiter's storage layer (``limits``).

Flask-Limiter counts through the ``limits`` library, which has Redis, memcached and MongoDB storage
but no SQL one; so the comparison is on Redis, where both can run, and the baseline is ``limits``'
sliding-window counter there (the same algorithm as ours). Each run makes ``--hits`` hits spread
over ``--keys`` keys with a limit that is never reached, one at a time, as a web request does.

    pip install 'limits[redis]'        # the comparison only; not a civicapps dependency
    PYTHONPATH=. python bench/rate_limits.py --redis-url redis://127.0.0.1:6379/15 \
        --postgres-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""
from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from civicapps import RateLimit, create_app
from civicapps.migrations import upgrade


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--redis-url", help="a Redis to count in (flushed); needed for the comparison")
    parser.add_argument("--postgres-url", help="a PostgreSQL server to create a scratch database on")
    args = parser.parse_args()
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        results["civicapps, SQLite"] = ours(f"sqlite:///{instance / 'bench.db'}", None, args.hits, args.keys, instance)
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
            results["civicapps, Redis"] = ours(
                f"sqlite:///{instance / 'bench.db'}", args.redis_url, args.hits, args.keys, instance
            )
            for strategy in ("SlidingWindowCounterRateLimiter", "MovingWindowRateLimiter", "FixedWindowRateLimiter"):
                redis.Redis.from_url(args.redis_url).flushdb()
                results[f"limits {strategy}, Redis"] = theirs(strategy, args.redis_url, args.hits, args.keys)
    baseline = results.get("limits SlidingWindowCounterRateLimiter, Redis")
    print(f"{args.hits} hits over {args.keys} keys, one at a time")
    for name, rate in results.items():
        ratio = f"{rate / baseline:5.2f}" if baseline else "   - "
        print(f"  {name:48} {rate:8.0f} hits/s  {1e6 / rate:7.0f} µs/hit  ratio to limits' sliding window {ratio}")


if __name__ == "__main__":
    main()
