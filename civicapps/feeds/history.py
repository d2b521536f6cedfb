"""What ingested records were before they changed: ``civicapps.past_versions``.

When a pull really changes a record, the record's row is updated in place and the state it replaced
is kept in the feeds' version table. A plugin shows that history ("decision: none → granted") and
words its change alerts from it, so it needs those past states as plain data, not the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from civicapps.db import db_session
from civicapps.feeds.models import RecordVersion


@dataclass(frozen=True)
class PastVersion:
    """A state a record was in before a change replaced it.

    ``data`` holds the record's dataset fields as they were (as JSON values: dates are ISO text);
    it was current from ``valid_from`` until ``replaced_at``, as read from ``source_feed``. The
    record's own row is always the current version, numbered one more than its newest past version.
    """

    record_id: int
    version: int
    data: dict[str, Any]
    valid_from: datetime
    replaced_at: datetime
    source_feed: str


def past_versions(dataset: str, record_ids: Iterable[int]) -> dict[int, list[PastVersion]]:
    """The past versions of each record (newest first; an empty list for a record never changed).

    ``dataset`` is the full name (``"planning_alerts.application"``) and ``record_ids`` the records'
    primary keys; one query answers them all, so a job can ask for every changed record of a pull.
    Reads through :func:`civicapps.db_session`, so call it inside an application context.
    """
    found: dict[int, list[PastVersion]] = {record_id: [] for record_id in record_ids}
    if not found:
        return found
    rows = db_session().scalars(
        select(RecordVersion)
        .where(RecordVersion.dataset == dataset, RecordVersion.record_id.in_(list(found)))
        .order_by(RecordVersion.record_id, RecordVersion.version.desc())
    )
    for row in rows:
        found[row.record_id].append(
            PastVersion(
                row.record_id,
                row.version,
                dict(row.data),
                row.valid_from,
                row.replaced_at,
                row.source_feed,
            )
        )
    return found
