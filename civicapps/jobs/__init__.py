"""Background jobs: what plugins register with ``register_jobs`` and how they are queued.

The queue (Huey: a SQLite file by default, Redis when ``queue_url`` is ``redis://...``) only wakes
workers up. It is at-most-once: a worker killed mid-job loses that job. So every job keeps its truth in
the database and is safe to run again; periodic jobs re-find any work a lost message left behind.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from civicapps.errors import StartupError

if TYPE_CHECKING:  # pragma: no cover
    from civicapps.jobs.queue import JobQueue
    from civicapps.plugins import PluginRegistry

JOB_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Job:
    """A background job, returned by a plugin's ``register_jobs`` hook.

    A worker calls ``run(app, **kwargs)`` inside an application context. With ``cron`` (five fields:
    minute hour day month weekday, in UTC, e.g. ``"*/15 * * * *"``) the job is periodic and only one
    worker runs the schedule; without it the job runs when enqueued by name with :func:`enqueue_job`.
    Jobs must be idempotent: ``civicapps worker --once`` runs every periodic job whatever its schedule,
    and a queued job is lost if its worker dies, so keep progress in the database, not in the message.
    """

    name: str
    run: Callable[..., Any]
    cron: str | None = None
    description: str = ""


def collect_jobs(app: Flask, registry: PluginRegistry) -> dict[str, Job]:
    """Every plugin's jobs keyed ``<plugin>.<job>``; refuses bad names and schedules at startup."""
    from civicapps.jobs.queue import parse_cron

    jobs: dict[str, Job] = {}
    for plugin, registered in registry.call_each("register_jobs", app=app).items():
        for job in registered:
            if not isinstance(job, Job):
                raise StartupError(f"Plugin '{plugin}': register_jobs must return civicapps.Job objects, not {job!r}.")
            if not JOB_NAME.fullmatch(job.name):
                raise StartupError(f"Plugin '{plugin}': job name {job.name!r} must be snake_case.")
            full = f"{plugin}.{job.name}"
            if full in jobs:
                raise StartupError(f"Plugin '{plugin}' registers job '{job.name}' twice.")
            if job.cron is not None:
                try:
                    parse_cron(job.cron)
                except ValueError as exc:
                    raise StartupError(f"Plugin '{plugin}': job '{job.name}' has a bad cron schedule: {exc}") from None
            jobs[full] = job
    return jobs


def queue_for(app: Flask) -> JobQueue:
    """The app's job queue, made on first use so that building an app opens no queue storage."""
    queue = app.extensions.get("civicapps_queue")
    if queue is None:
        from civicapps.jobs.queue import JobQueue

        queue = app.extensions.setdefault("civicapps_queue", JobQueue(app))
    return queue


def enqueue_job(name: str, **kwargs: Any) -> None:
    """Queue job ``name`` (``<plugin>.<job>``) with JSON-like keyword arguments for a worker.

    Commit your database work first: the job may run at once (with ``queue_url = "immediate:"``) or on
    another machine, and must see what you wrote.
    """
    queue_for(current_app).enqueue(name, **kwargs)
