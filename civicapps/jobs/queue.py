"""The job queue behind :func:`civicapps.enqueue_job`: Huey on a SQLite file, on Redis, or immediate.

One Huey task, ``civicapps.job``, carries a job name and its keyword arguments; periodic jobs are Huey
periodic tasks. Workers are Huey consumers with threads (``civicapps worker``), a single background
thread in the development server, or a one-shot drain (``civicapps worker --once``). Whichever runs
the periodic schedule first takes the lease in :mod:`civicapps.jobs.lease`; the others only work.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer, Scheduler

from civicapps.app_switches import owner, paused_apps
from civicapps.db import get_database
from civicapps.errors import CivicappsError
from civicapps.jobs.lease import acquire, new_holder

logger = logging.getLogger("civicapps.jobs")
try:
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError

    _STORAGE_DOWN: tuple[type[Exception], ...] = (_RedisConnectionError, _RedisTimeoutError, sqlite3.OperationalError)
except ImportError:  # the redis extra is not installed
    _STORAGE_DOWN = (sqlite3.OperationalError,)


class QueueUnavailable(CivicappsError):
    """The queue's storage (Redis, the SQLite queue file) cannot take a job right now.

    The database is the source of truth and the queue only wakes workers, so a caller whose work is
    committed logs this and carries on: the periodic jobs find the rows.
    """
QUEUE_FILE = "queue.db"
SCHEDULER_LEASE = "scheduler"


def parse_cron(expression: str) -> Callable[[datetime], bool]:
    """A five-field cron expression as Huey's schedule test; ValueError when malformed."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected five fields (minute hour day month weekday), got {expression!r}")
    minute, hour, day, month, weekday = fields
    return crontab(minute, hour, day, month, weekday, strict=True)


def make_huey(url: str | None, instance_path: Path) -> Huey:
    """The Huey instance for ``queue_url`` (validated by the core settings)."""
    if url is None:
        instance_path.mkdir(parents=True, exist_ok=True)  # made on first use (see civicapps.app.CivicFlask)
        return SqliteHuey("civicapps", filename=str(instance_path / QUEUE_FILE), results=False)
    scheme = url.partition(":")[0]
    if scheme == "immediate":
        return MemoryHuey("civicapps", results=False, immediate=True)
    if scheme == "sqlite":
        return SqliteHuey("civicapps", filename=url.removeprefix("sqlite:///"), results=False)
    try:
        return RedisHuey("civicapps", url=url, results=False)
    except ImportError:
        raise CivicappsError(
            "queue_url is a Redis URL but the redis package is missing; run: pip install 'civicapps[redis]'"
        ) from None


def display_url(url: str | None) -> str:
    """The queue URL with any password masked, safe to print."""
    if not url:
        return f"sqlite (instance folder {QUEUE_FILE})"
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


class JobQueue:
    """An app's queue: enqueue by job name; drain, schedule and consume."""

    def __init__(self, app: Flask):
        state = app.extensions["civicapps"]
        # Jobs run in other threads and contexts: keep the app itself, never the current_app proxy.
        self.app: Flask = app._get_current_object() if hasattr(app, "_get_current_object") else app
        self.jobs = state.jobs
        self.url = state.settings.queue_url
        self.huey = make_huey(self.url, Path(app.instance_path))
        self._task = self.huey.task(name="civicapps.job")(self.run)
        for name, job in self.jobs.items():
            if job.cron is not None:
                self.huey.periodic_task(parse_cron(job.cron), name=f"civicapps.periodic.{name}")(self._periodic(name))

    def _periodic(self, name: str) -> Callable[[], None]:
        def periodic() -> None:
            self.run(name, {})

        periodic.__name__ = f"periodic_{name.replace('.', '_')}"
        return periodic

    def enqueue(self, name: str, **kwargs: Any) -> None:
        if name not in self.jobs:
            raise CivicappsError(f"No job named '{name}'; registered jobs: {', '.join(sorted(self.jobs)) or 'none'}.")
        try:
            self._task(name, kwargs)
        except _STORAGE_DOWN as exc:
            # The URL is shown with its password masked; Redis's own message names only host and port.
            raise QueueUnavailable(
                f"The job queue ({display_url(self.url)}) cannot take job {name}: {type(exc).__name__}: {exc}"
            ) from exc

    def run(self, name: str, kwargs: dict[str, Any]) -> None:
        """Run one job in a fresh application context (what a worker does with a message)."""
        job = self.jobs.get(name)
        if job is None:  # queued before its plugin was removed
            logger.warning("Dropping queued job %s: no plugin registers it any more", name)
            return
        if owner(name) in paused_apps(self.app):  # jobs keep their work in the database; it waits
            logger.info("Skipping job %s: app '%s' is switched off", name, owner(name))
            return
        with self.app.app_context():
            job.run(self.app, **kwargs)

    def pending(self) -> int:
        return self.huey.pending_count()

    def drain(self) -> int:
        """Run queued jobs until the queue is empty; returns how many ran."""
        count = 0
        while (task := self.huey.dequeue()) is not None:
            self.huey.execute(task)
            count += 1
        return count

    def run_once(self) -> dict[str, str]:
        """Run every periodic job once, then drain the queue: one tick for cron-driven deployments."""
        outcome: dict[str, str] = {}
        for name, job in self.jobs.items():
            if job.cron is None:
                continue
            try:
                self.run(name, {})
                outcome[name] = "ok"
            except Exception as exc:
                logger.exception("Periodic job %s failed", name)
                outcome[name] = f"failed: {type(exc).__name__}: {exc}"
        outcome["queued jobs run"] = str(self.drain())
        return outcome

    def lead(self, holder: str) -> bool:
        """Take or renew the scheduler lease; a database problem means "not the leader now"."""
        try:
            return acquire(get_database(self.app).engine, SCHEDULER_LEASE, holder)
        except Exception:
            logger.exception("Cannot read the scheduler lease; skipping this round of periodic jobs")
            return False

    def consumer(self, threads: int, periodic: bool) -> Consumer:
        """A Huey consumer with ``threads`` worker threads; only the lease holder schedules."""
        return _Consumer(self, self.huey, workers=threads, periodic=periodic, worker_type="thread", max_delay=1.0)

    def start_thread(self) -> threading.Event:
        """Work in one background thread of this process (the development server); set the event to stop."""
        stop = threading.Event()
        holder = new_holder()

        def loop() -> None:
            next_periodic = time.monotonic()
            while not stop.is_set():
                if time.monotonic() >= next_periodic:
                    next_periodic += 60
                    if self.lead(holder):
                        for task in self.huey.read_periodic(None):
                            self.huey.enqueue(task)
                try:
                    ran = self.drain()
                except Exception:
                    logger.exception("Background worker could not read the queue")
                    ran = 0
                if not ran:
                    stop.wait(0.5)

        threading.Thread(target=loop, name="civicapps-worker", daemon=True).start()
        return stop


class _LeaderScheduler(Scheduler):
    """Huey's scheduler, enqueueing periodic jobs only while it holds the scheduler lease."""

    def __init__(self, queue: JobQueue, **kwargs: Any):
        super().__init__(**kwargs)
        self.queue = queue
        self.holder = new_holder()

    def enqueue_periodic_tasks(self, now: datetime | None) -> None:
        if self.queue.lead(self.holder):
            super().enqueue_periodic_tasks(now)


class _Consumer(Consumer):
    def __init__(self, queue: JobQueue, huey: Huey, **kwargs: Any):
        self.queue = queue
        super().__init__(huey, **kwargs)

    def _create_scheduler(self) -> Scheduler:
        return _LeaderScheduler(
            self.queue,
            huey=self.huey,
            stop_flag=self.stop_flag,
            interval=self.scheduler_interval,
            periodic=self.periodic,
        )
