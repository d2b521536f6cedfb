"""Waiting for notifications in tests: matching and sending run on the job queue, maybe in other threads."""
from __future__ import annotations

import time

from flask import Flask
from sqlalchemy import func, or_, select

from civicapps.clock import utcnow
from civicapps.db import get_database
from civicapps.jobs import queue_for
from civicapps.notify.models import MatchRequest, OutboxRow


def wait_for_outbox(app: Flask, timeout: float = 10.0) -> None:
    """Wait until ``app``'s queue is empty and nothing is waiting to be matched or sent right now.

    A test that announces records (or subscribes someone) and then checks a sink calls this first, so
    it does not race a worker thread. Messages due later (digests, retries backing off) are not waited
    for. Fails the test if the outbox is still busy after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 3 and time.monotonic() < deadline:
        with get_database(app).engine.connect() as connection:
            busy = connection.scalar(select(func.count()).select_from(MatchRequest)) or connection.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(
                    or_(
                        OutboxRow.status == "sending",
                        (OutboxRow.status == "pending") & (OutboxRow.next_attempt_at <= utcnow()),
                    )
                )
            )
        quiet = 0 if busy or queue_for(app).pending() else quiet + 1
        time.sleep(0.05)
    assert quiet >= 3, "the worker did not settle: messages are still waiting to be matched or sent"
