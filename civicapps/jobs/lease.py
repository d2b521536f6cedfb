"""Which worker runs the periodic schedule: a lease row in the database.

Huey lets every consumer run the periodic scheduler, and two schedulers enqueue every periodic job
twice. Each scheduler therefore takes this lease before it enqueues anything; whoever holds an
unexpired lease is the only one that schedules. A holder on this machine whose process has died (a
worker killed and restarted) is replaced at once rather than after the lease runs out.
"""
from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, Engine, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from civicapps.db import Model, insert_ignoring_conflicts

LEASE_SECONDS = 90  # the scheduler renews once a minute


class JobLease(Model):
    __tablename__ = "jobs_lease"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def new_holder() -> str:
    """An identity for this process: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _holder_is_dead(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire(engine: Engine, name: str, holder: str, seconds: int = LEASE_SECONDS) -> bool:
    """Take or renew lease ``name`` for ``holder``; True if ``holder`` now holds it.

    The transaction starts with a write (creating the row if missing), so on SQLite it waits for the
    write lock instead of failing; a compare-and-set on ``version`` settles a race on PostgreSQL.
    """
    now = datetime.now(UTC)
    with engine.begin() as connection:
        insert = insert_ignoring_conflicts(connection.dialect.name, JobLease)
        connection.execute(insert.values(name=name, holder="", version=0, expires_at=now))
        row = connection.execute(
            select(JobLease.holder, JobLease.version, JobLease.expires_at).where(JobLease.name == name)
        ).one()
        expiry = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        if row.holder != holder and expiry > now and not _holder_is_dead(row.holder):
            return False
        result = connection.execute(
            update(JobLease)
            .where(JobLease.name == name, JobLease.version == row.version)
            .values(holder=holder, version=row.version + 1, expires_at=now + timedelta(seconds=seconds))
        )
        return result.rowcount == 1
