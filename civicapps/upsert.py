"""Insert-or-update many rows in one statement, on SQLite and PostgreSQL alike.

Both dialects speak ``INSERT ... ON CONFLICT (key) DO UPDATE`` (:func:`civicapps.db.dialect_insert`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from civicapps.db import dialect_insert


def upsert(session: Session, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]) -> None:
    """Write ``rows`` into ``table``, replacing the non-key columns of rows whose ``key`` exists."""
    if not rows:
        return
    statement = dialect_insert(session.get_bind().dialect.name, table)
    updates = {name: statement.excluded[name] for name in rows[0] if name not in key}
    session.execute(statement.on_conflict_do_update(index_elements=list(key), set_=updates), list(rows))
