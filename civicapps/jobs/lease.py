"""Leases: which worker runs the periodic schedule (a row in the database), and the heartbeat that
keeps a live worker's claims on work from lapsing.

Huey lets every consumer run the periodic scheduler, and two schedulers enqueue every periodic job
twice. Each scheduler therefore takes this lease before it enqueues anything; whoever holds an
unexpired lease is the only one that schedules. A holder on this machine whose process has died (a
worker killed and restarted) is replaced at once rather than after the lease runs out.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, Integer, String, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from civicapps.claims import claim_due
from civicapps.clock import UTCDateTime
from civicapps.db import Model, insert_ignoring_conflicts

logger = logging.getLogger(__name__)

LEASE_SECONDS = 90  # the scheduler renews once a minute


class JobLease(Model):
    __tablename__ = "jobs_lease"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


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
    write lock instead of failing; on PostgreSQL a scheduler racing another one for the lease finds
    the row locked by the other (``claim_due`` skips locked rows) and does not get it.
    """
    now = datetime.now(UTC)
    with engine.begin() as connection:
        insert = insert_ignoring_conflicts(connection.dialect.name, JobLease)
        connection.execute(insert.values(name=name, holder="", version=0, expires_at=now))
        current = connection.scalar(select(JobLease.holder).where(JobLease.name == name))
        free = or_(JobLease.holder == holder, JobLease.expires_at <= now)
        if current != holder and _holder_is_dead(current or ""):
            free = or_(free, JobLease.holder == current)
        taken = claim_due(
            connection,
            JobLease,
            (JobLease.name == name, free),
            {"holder": holder, "version": JobLease.version + 1, "expires_at": now + timedelta(seconds=seconds)},
        )
        return bool(taken)


class Heartbeat:
    """Calls what is held, every ``interval`` seconds, from a thread of its own.

    A claim on work (outbox rows being sent, a match request being matched) records when it was last
    renewed, and other workers take over a claim not renewed for its lease. Renewing between units of
    work tied the lease to the slowest unit (a send that times out, a big match), so it had to be long
    and a dead worker's messages waited ten minutes. Beating from a thread while the work runs keeps
    the lease short: a live worker's claims stay fresh whatever it is doing, a dead worker's lapse
    within one lease. Beat at most a third of the lease apart. The thread runs only while something
    is held; a beat that fails is logged and tried again at the next beat.
    """

    def __init__(self, interval: float, name: str = "civicapps-heartbeat"):
        self.interval = interval
        self.name = name
        self._beats: dict[int, Callable[[], object]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @contextmanager
    def hold(self, beat: Callable[[], object]) -> Iterator[None]:
        """Call ``beat`` every interval (on the heartbeat thread) until the block ends."""
        key = object()
        with self._lock:
            self._beats[id(key)] = beat
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                del self._beats[id(key)]

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            with self._lock:
                beats = list(self._beats.values())
                if not beats:
                    self._thread = None
                    return
            for beat in beats:
                try:
                    beat()
                except Exception:
                    logger.exception("A heartbeat failed; what it renews lapses if this goes on")
