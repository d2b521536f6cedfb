"""The default plugin "jobs": owns the scheduler lease table (``jobs_lease``) and its migration."""
from __future__ import annotations

from pathlib import Path

from civicapps.jobs.lease import JobLease
from civicapps.plugins import hookimpl


@hookimpl
def register_models() -> list[type]:
    return [JobLease]


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).with_name("migrations")
