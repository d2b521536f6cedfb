"""Insert-or-update many rows in one statement, on SQLite and PostgreSQL alike.

Both dialects speak ``INSERT ... ON CONFLICT (key) DO UPDATE``; SQLAlchemy spells it the same way for
each, so choosing the dialect module is the only difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(session: Session, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]) -> None:
    """Write ``rows`` into ``table``, replacing the non-key columns of rows whose ``key`` exists."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    module = {"sqlite": sqlite, "postgresql": postgresql}.get(dialect)
    if module is None:  # pragma: no cover - only the two supported databases reach here
        raise NotImplementedError(f"upsert is not implemented for {dialect}")
    statement = module.insert(table)
    updates = {name: statement.excluded[name] for name in rows[0] if name not in key}
    session.execute(statement.on_conflict_do_update(index_elements=list(key), set_=updates), list(rows))
