"""claim_due: due rows are claimed once, in order, up to a limit; lapsed claims are taken over."""

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, insert, or_, select
from sqlalchemy.orm import Session

from civicapps import UTCDateTime, claim_due, utcnow

metadata = MetaData()
jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("state", String(20), index=True, default="pending"),  # an index makes PostgreSQL plan a nested loop
    Column("due_at", UTCDateTime, nullable=False),
    Column("owner", String(20)),
    Column("claimed_at", UTCDateTime),
)
LEASE = timedelta(minutes=10)


@pytest.fixture
def engine(civic_database_url: Callable[[], str]) -> Iterator[Engine]:
    engine = create_engine(civic_database_url())
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def due_now() -> tuple:
    now = utcnow()
    return (
        jobs.c.state == "pending",
        jobs.c.due_at <= now,
        or_(jobs.c.claimed_at.is_(None), jobs.c.claimed_at < now - LEASE),
    )


def add(engine: Engine, *rows: dict) -> None:
    with engine.begin() as connection:
        connection.execute(insert(jobs), list(rows))


def test_claims_due_rows_in_order_up_to_the_limit_and_never_twice(engine: Engine) -> None:
    now = utcnow()
    add(
        engine,
        {"id": 1, "due_at": now - timedelta(minutes=1)},
        {"id": 2, "due_at": now - timedelta(minutes=3)},
        {"id": 3, "due_at": now - timedelta(minutes=2)},
        {"id": 4, "due_at": now + timedelta(hours=1)},  # not due yet
    )
    with Session(engine) as session:
        first = claim_due(
            session, jobs, due_now(), {"owner": "a", "claimed_at": utcnow()}, order_by=(jobs.c.due_at,), limit=2
        )
        session.commit()
        assert sorted(first) == [2, 3]
        second = claim_due(session, jobs, due_now(), {"owner": "b", "claimed_at": utcnow()}, limit=5)
        session.commit()
        assert second == [1]
        assert claim_due(session, jobs, due_now(), {"owner": "c", "claimed_at": utcnow()}) == []
        owners = dict(session.execute(select(jobs.c.id, jobs.c.owner)).all())
    assert owners == {1: "b", 2: "a", 3: "a", 4: None}


def test_the_limit_holds_however_the_database_plans_the_claim(engine: Engine) -> None:
    """PostgreSQL ran ``IN (SELECT ... LIMIT 1 FOR UPDATE SKIP LOCKED)`` once per row here, and each
    rerun skipped the rows just claimed and took the next: every due row, not one."""
    now = utcnow()
    add(engine, *({"id": i, "due_at": now} for i in range(1, 4)))
    with Session(engine) as session:
        taken = claim_due(
            session, jobs, due_now(), {"owner": "a", "claimed_at": now}, order_by=(jobs.c.due_at,), limit=1
        )
        session.commit()
    assert len(taken) == 1


def test_a_lapsed_claim_is_taken_over_and_a_live_one_is_not(engine: Engine) -> None:
    now = utcnow()
    add(
        engine,
        {"id": 1, "due_at": now, "owner": "dead", "claimed_at": now - LEASE - timedelta(seconds=1)},
        {"id": 2, "due_at": now, "owner": "alive", "claimed_at": now - timedelta(seconds=5)},
    )
    with engine.begin() as connection:  # a Connection does as well as a Session
        assert claim_due(connection, jobs, due_now(), {"owner": "me", "claimed_at": utcnow()}) == [1]


def test_concurrent_claimers_take_different_rows_without_waiting(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: a second claimer waits for the lock")
    add(engine, *({"id": i, "due_at": utcnow()} for i in range(1, 5)))
    with Session(engine) as one, Session(engine) as two:
        mine = claim_due(one, jobs, due_now(), {"owner": "one", "claimed_at": utcnow()}, order_by=(jobs.c.id,), limit=2)
        # ``one`` has not committed: its rows are locked, and ``two`` skips them instead of waiting.
        theirs = claim_due(
            two, jobs, due_now(), {"owner": "two", "claimed_at": utcnow()}, order_by=(jobs.c.id,), limit=3
        )
        assert sorted(mine) == [1, 2] and sorted(theirs) == [3, 4]
        one.commit()
        two.commit()


def test_a_table_needs_a_one_column_primary_key(engine: Engine) -> None:
    pairs = Table("pairs", MetaData(), Column("a", Integer, primary_key=True), Column("b", Integer, primary_key=True))
    with Session(engine) as session, pytest.raises(TypeError, match="one-column primary key"):
        claim_due(session, pairs, pairs.c.a > 0, {"b": 1})
