"""UTCDateTime: stored in UTC, read back aware and in UTC, on SQLite and on PostgreSQL."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, Table, create_engine, func, select
from sqlalchemy.exc import StatementError

from civicapps import UTCDateTime, utcnow

BST = timezone(timedelta(hours=1))
metadata = MetaData()
moments = Table("moments", metadata, Column("id", Integer, primary_key=True), Column("at", UTCDateTime))


@pytest.fixture
def connection(civic_database_url: Callable[[], str]) -> Iterator[Connection]:
    engine = create_engine(civic_database_url())
    metadata.create_all(engine)
    with engine.begin() as connection:
        yield connection
    engine.dispose()


def test_a_stored_moment_comes_back_aware_and_in_utc(connection: Connection) -> None:
    noon = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    connection.execute(moments.insert(), [{"at": noon}, {"at": None}])
    read = connection.scalars(select(moments.c.at).order_by(moments.c.id)).all()
    assert read == [noon, None]
    assert read[0].tzinfo is UTC
    assert connection.scalar(select(func.max(moments.c.at))).tzinfo is UTC


def test_a_moment_in_another_zone_is_stored_as_the_same_instant(connection: Connection) -> None:
    connection.execute(moments.insert(), {"at": datetime(2026, 6, 1, 13, 0, tzinfo=BST)})
    assert connection.scalar(select(moments.c.at)) == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    # Compared in SQL as instants too (SQLite compares the stored text: both sides must be UTC).
    earlier = datetime(2026, 6, 1, 12, 30, tzinfo=BST)  # 11:30 UTC
    assert connection.scalar(select(func.count()).where(moments.c.at < earlier)) == 0


def test_a_naive_datetime_is_refused(connection: Connection) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        connection.execute(moments.insert(), {"at": datetime(2026, 6, 1, 12, 0)})


def test_utcnow_is_aware_utc() -> None:
    now = utcnow()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=1)
