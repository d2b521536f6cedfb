"""Each topic's built area index, kept in the database so that a fresh worker need not rebuild it.

A worker that has just started (a deploy, a restart, a second machine) has no index in memory. Building
one means reading every active subscription of the topic through the database driver, projecting and
sorting them: 1.6-3 s at a million, most of it the driver making Python objects row by row. Loading the
arrays built last time is one row, decoded without copying through Python objects; the worker then
reads only the subscriptions changed since, exactly as it follows changes in memory.

Snapshots live in the database, not in a worker's instance folder: a database restored from a backup
or recreated must never be paired with an index of other subscriptions, and workers on several
machines share them. Each is tagged with the topic version it was built at; one that is ahead of the
topic's current version (a restored database whose snapshot row came from elsewhere, a reset
counter) belongs to another history and is ignored, then replaced by the next rebuild.
"""
from __future__ import annotations

import io
import logging
import zipfile

import numpy as np
from sqlalchemy import Connection, Engine, Select, delete, func, select

from civicapps.clock import utcnow
from civicapps.db import dialect_insert
from civicapps.notify.models import TopicIndex, TopicState

logger = logging.getLogger("civicapps.notify")

#: Topics with fewer indexed subscriptions than this are not stored: rebuilding 5,000 costs about
#: 15 ms (read, project, sort) once per worker start, and storing would cost a write of the whole index
#: on every rebuild of every small topic, and a row per topic, to save 10 ms.
MIN_ENTRIES = 5_000
#: The layout of the arrays; a snapshot of another layout (an older civicapps) is ignored and rebuilt.
#: 2: positions projected through OSTN15 (format 1 used a Helmert transform, 1-5 m out).
FORMAT = 2


def encode(arrays: dict[str, np.ndarray]) -> bytes:
    """The arrays as one uncompressed ``.npz`` (compression would cost more than it saves in reading)."""
    buffer = io.BytesIO()
    np.savez(buffer, format=np.array(FORMAT), **arrays)
    return buffer.getvalue()


def decode(data: bytes) -> dict[str, np.ndarray] | None:
    """The arrays :func:`encode` stored, or None if they are of another format or unreadable."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            if "format" not in stored.files or int(stored["format"]) != FORMAT:
                return None
            return {name: stored[name] for name in stored.files if name != "format"}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile):
        return None


def load(connection: Connection, topic: str, crs: str, newest: int) -> tuple[int, dict[str, np.ndarray]] | None:
    """(version, arrays) of the topic's snapshot in ``crs``, unless there is none, it is of a version
    after ``newest`` (the topic's current version), or it cannot be read."""
    wanted = (TopicIndex.topic == topic, TopicIndex.crs == crs)
    version = connection.scalar(select(TopicIndex.version).where(*wanted))
    if version is None or version > newest:
        return None
    data = _read_bytes(connection, select(TopicIndex.data).where(*wanted, TopicIndex.version == version))
    if data is None:  # another worker's rebuild replaced it meanwhile
        return None
    arrays = decode(data)
    if arrays is None:
        logger.warning("The stored index of topic %s is unreadable; rebuilding it", topic)
        return None
    return version, arrays


def _read_bytes(connection: Connection, query: Select) -> bytes | None:
    """One binary value. PostgreSQL sends bytea as hex text unless the driver asks for binary results:
    for 49 MB, 0.6 s against 0.25 s."""
    if connection.dialect.name != "postgresql":
        return connection.scalar(query)
    compiled = query.compile(dialect=connection.dialect)
    cursor = connection.connection.driver_connection.cursor(binary=True)
    try:
        found = cursor.execute(str(compiled), compiled.params).fetchone()
    finally:
        cursor.close()
    return None if found is None else bytes(found[0])


def save(engine: Engine, topic: str, crs: str, version: int, arrays: dict[str, np.ndarray]) -> bool:
    """Store the topic's index as built at ``version``, in a transaction of its own; True if stored.

    Two workers may rebuild at once: the newer version wins. A stored snapshot of the same version is
    replaced (it may be unreadable, or of another format), and so is one ahead of the topic's current
    version (see the module's docstring). Snapshots of the topic in other CRSs go: only one CRS is
    configured at a time. Failing to save costs the next fresh worker a rebuild, never this match, so
    errors are logged (the exception's type only: its message would quote the statement) and swallowed.
    """
    current = select(func.coalesce(func.max(TopicState.version), 0)).where(TopicState.topic == topic)
    try:
        row = {"topic": topic, "crs": crs, "version": version, "data": encode(arrays), "created_at": utcnow()}
        with engine.begin() as connection:
            insert = dialect_insert(connection.dialect.name, TopicIndex)
            connection.execute(delete(TopicIndex).where(TopicIndex.topic == topic, TopicIndex.crs != crs))
            stored = connection.execute(
                insert.values(row).on_conflict_do_update(
                    index_elements=[TopicIndex.topic, TopicIndex.crs],
                    set_={name: insert.excluded[name] for name in ("version", "data", "created_at")},
                    where=(TopicIndex.version <= insert.excluded.version)
                    | (TopicIndex.version > current.scalar_subquery()),
                ).returning(TopicIndex.version)
            ).first()
        return stored is not None
    except Exception as exc:  # noqa: BLE001 - see the docstring
        name = type(exc).__name__
        logger.warning("Could not store the index of topic %s (%s); a fresh worker will rebuild it", topic, name)
        return False
