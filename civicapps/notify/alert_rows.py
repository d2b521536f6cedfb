"""Writing a match's alerts to the outbox in bulk: each item's snapshot once, then a row of a few
numbers per (subscription, item) through the database's own bulk path.

At a million subscriptions 2,000 applications make about 600,000 outbox rows. Written as one dict
per row, each holding its item's JSON, through SQLAlchemy's ORM insert, that took 53 s and 2.7 GB;
SQLAlchemy's per-row parameter processing alone cost more than SQLite's insert. Here the rows are
tuples zipped from numpy columns as they are inserted, in subscription order so the outbox's
B-tree indexes grow at their ends, through one prepared INSERT and the driver's ``executemany`` on
SQLite, and ``COPY`` into a temporary table then one ``INSERT ... SELECT`` on PostgreSQL. Both keep
``ON CONFLICT DO NOTHING`` on the outbox's unique key, so matching twice still never sends twice.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from civicapps.db import insert_ignoring_conflicts
from civicapps.notify.models import QUEUED, ItemSnapshot, OutboxRow, utcnow
from civicapps.notify.topics import Item

OUTBOX = OutboxRow.__tablename__
#: The columns a bulk insert fills, in the order of each row's tuple.
COLUMNS = ("subscription_id", "item_key", "kind", "next_attempt_at", "created_at", "item_id", "distance_m")
LOOKUP_CHUNK = 500  # item snapshots looked up per IN (...) query
BULK_CACHE_KIB = 64 * 1024  # SQLite's page cache while writing a match's rows (default: 2 MB)


@dataclass
class Pairs:
    """Matched (item, subscription) pairs as parallel arrays: ``item`` indexes the match's item list,
    ``frequency`` indexes ``FREQUENCIES``, ``distance`` is metres from a circle's centre (NaN for
    polygons and keys)."""

    item: np.ndarray
    subscription: np.ndarray
    frequency: np.ndarray
    distance: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __post_init__(self) -> None:
        if len(self.distance) != len(self.item):
            self.distance = np.full(len(self.item), np.nan)

    @classmethod
    def empty(cls) -> Pairs:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int8))

    def where(self, keep: np.ndarray) -> Pairs:
        """The pairs where ``keep`` (a boolean array) is true."""
        return Pairs(self.item[keep], self.subscription[keep], self.frequency[keep], self.distance[keep])


@dataclass
class Alerts:
    """One event's outbox rows: ``keys[pairs.item]`` is each row's item key, ``item_ids`` (per pair)
    its stored snapshot."""

    kind: str
    keys: list[str]
    item_ids: np.ndarray
    pairs: Pairs


def store_items(session: Session, topic: str, title: str, items: Sequence[Item]) -> list[int]:
    """The ``notify_item`` id of each item's snapshot (with the topic's title), stored if new.

    An item is stored once per version: matching the same version again (a retried match) finds the
    snapshot already there, as its outbox rows will be.
    """
    rows = {
        (str(item.id), item.version or ""): {
            "topic": topic,
            "item_key": str(item.id),
            "version": item.version or "",
            "payload": json.dumps({"topic": topic, "topic_title": title, "item": item.snapshot()}),
            "created_at": utcnow(),
        }
        for item in items
    }
    if not rows:
        return []
    session.execute(insert_ignoring_conflicts(session.get_bind().dialect.name, ItemSnapshot), list(rows.values()))
    found: dict[tuple[str, str], int] = {}
    wanted = list(rows)
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        query = select(ItemSnapshot.id, ItemSnapshot.item_key, ItemSnapshot.version).where(
            ItemSnapshot.topic == topic,
            tuple_(ItemSnapshot.item_key, ItemSnapshot.version).in_(wanted[start : start + LOOKUP_CHUNK]),
        )
        found.update({(key, version): id_ for id_, key, version in session.execute(query)})
    return [found[(str(item.id), item.version or "")] for item in items]


def write_alerts(session: Session, alerts: Alerts, due: Sequence[datetime]) -> int:
    """Insert the outbox rows of ``alerts`` in the session's transaction (``due[f]``: when a row of
    frequency code ``f`` is due), skipping those already there; returns the rows inserted."""
    if not len(alerts.pairs.subscription):
        return 0
    connection = session.connection()
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    assert driver is not None  # a checked-out connection always has one
    if dialect.name == "postgresql":
        return _copy(driver, _rows(alerts, list(due), utcnow()))
    # SQLite stores datetimes as text: convert the few distinct ones once, as SQLAlchemy and then the
    # driver's adapter would per row (the adapter's isoformat per row was 40% of the insert's time).
    bind = OutboxRow.__table__.c.next_attempt_at.type.bind_processor(dialect) or (lambda value: value)

    def convert(value: datetime) -> Any:
        return sqlite3.adapt(bind(value))

    names = ", ".join((*COLUMNS, "status", "attempts", "payload"))
    values = ", ".join(["?"] * len(COLUMNS) + [f"'{QUEUED}'", "0", "'{}'"])
    sql = f"INSERT INTO {OUTBOX} ({names}) VALUES ({values}) ON CONFLICT DO NOTHING"
    cursor = driver.cursor()
    try:
        # The outbox's indexes outgrow SQLite's default 2 MB page cache a few hundred thousand rows
        # in, and every page evicted then is written out and read back: a bigger cache for this
        # statement only.
        (cache,) = cursor.execute("PRAGMA cache_size").fetchone()
        cursor.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
        try:
            cursor.executemany(sql, _rows(alerts, [convert(d) for d in due], convert(utcnow())))
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(cache)}")
        return cursor.rowcount
    finally:
        cursor.close()


def _rows(alerts: Alerts, due: list[Any], now: Any) -> Iterator[tuple[Any, ...]]:
    """Each row's values in ``COLUMNS`` order, in subscription order: columns made by numpy, zipped
    into tuples as the driver takes them (no Python code runs per row)."""
    pairs = alerts.pairs
    order = np.lexsort((pairs.item, pairs.subscription))
    distance = pairs.distance[order]
    metres = np.where(np.isnan(distance), 0, distance).astype(np.int64).astype(object)
    metres[np.isnan(distance)] = None
    return zip(
        pairs.subscription[order].tolist(),
        np.array(alerts.keys, dtype=object)[pairs.item[order]].tolist(),
        repeat(alerts.kind),
        np.array(due, dtype=object)[pairs.frequency[order]].tolist(),
        repeat(now),
        alerts.item_ids[order].tolist(),
        metres.tolist(),
    )


def _copy(connection: Any, rows: Iterator[tuple[Any, ...]]) -> int:
    """PostgreSQL: COPY the rows into a temporary table (dropped at commit), then move them into the
    outbox in one statement that skips the rows already there."""
    names = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS notify_outbox_incoming (subscription_id integer,"
            " item_key varchar(200), kind varchar(20), next_attempt_at timestamptz, created_at timestamptz,"
            " item_id integer, distance_m integer) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY notify_outbox_incoming ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {OUTBOX} ({names}, status, attempts, payload)"
            f" SELECT {names}, %s, 0, '{{}}' FROM notify_outbox_incoming"
            " ORDER BY subscription_id, item_key ON CONFLICT DO NOTHING",
            (QUEUED,),
        )
        inserted = cursor.rowcount
        cursor.execute("TRUNCATE notify_outbox_incoming")
        return inserted
