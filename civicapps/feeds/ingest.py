"""Storing canonical rows: an idempotent upsert on (authority, reference) with a content hash.

New keys are inserted (``first_seen_at`` set, never touched again). A known key whose content hash
differs is updated and its previous state kept as a ``feeds_record_version`` row. A known key with
the same hash costs nothing: no write at all, so an unchanged feed re-read is just reads. Versions
are per pull: a record listed several times in one file ends in its last state with one version row.
Everything happens in the caller's transaction, so a pull that fails half-way stores nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from civicapps.db import begin_writing
from civicapps.feeds.datasets import Dataset
from civicapps.feeds.models import RecordVersion
from civicapps.feeds.pipeline import Row

KEY_CHUNK = 500  # references per IN (...) query
_ENCODE = json.JSONEncoder(
    default=str, ensure_ascii=False, separators=(",", ":")
).encode  # one encoder, not one per row


@dataclass
class _Known:
    id: int | None  # None until its insert is flushed
    digest: str
    version: int
    listed: bool = False  # already listed earlier in this pull
    versioned: bool = False  # its pre-pull state is saved (or it did not exist before the pull)


@dataclass
class Ingest:
    """One pull's writes into one dataset's table."""

    session: Session
    dataset: Dataset
    feed: str
    now: dt.datetime
    new: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    unchanged: int = 0
    repeated: int = 0
    _known: dict[tuple[str, str], _Known] = field(default_factory=dict)
    _before: dict[int, dict[str, Any]] = field(default_factory=dict)  # provenance of records versioned now

    @property
    def table(self) -> Table:
        return self.dataset.model.__table__  # type: ignore[attr-defined]  # a mapped class: Record is its mixin

    def write(self, rows: Sequence[Row]) -> None:
        """Store one batch; counts go to ``new``, ``changed``, ``unchanged`` and ``repeated``.

        The first batch takes the database's write lock before reading what is stored (see
        :func:`civicapps.db.begin_writing`); the pull's transaction then holds it to its end.
        """
        begin_writing(self.session)
        self._load([(r.values["authority"], r.values["reference"]) for r in rows])
        inserts: dict[tuple[str, str], dict[str, Any]] = {}
        updates: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:
            key = (row.values["authority"], row.values["reference"])
            data = self._data(row)
            digest = data["content_hash"]
            known = self._known.get(key)
            if known is None:
                inserts[key] = data
                self._known[key] = _Known(None, digest, 1, listed=True, versioned=True)
                continue
            if known.listed:
                self.repeated += 1
            elif known.digest == digest:
                self.unchanged += 1
            known.listed = True
            if known.digest != digest:
                (inserts if known.id is None else updates)[key] = data
                known.digest = digest
        self._insert(inserts)
        self._update(updates)

    def _load(self, keys: list[tuple[str, str]]) -> None:
        """Fetch id, hash and version of the keys not seen yet in this pull.

        Grouped by authority so each query is ``authority = ? AND reference IN (...)``, which both
        databases answer from the unique (authority, reference) index; a row-value IN is a table
        scan on SQLite.
        """
        wanted: dict[str, set[str]] = {}
        for authority, reference in keys:
            if (authority, reference) not in self._known:
                wanted.setdefault(authority, set()).add(reference)
        t = self.table
        for authority, references in wanted.items():
            listed = list(references)
            for start in range(0, len(listed), KEY_CHUNK):
                query = select(t.c.reference, t.c.id, t.c.content_hash, t.c.version).where(
                    t.c.authority == authority, t.c.reference.in_(listed[start : start + KEY_CHUNK])
                )
                for reference, id_, digest, version in self.session.execute(query):
                    self._known[(authority, reference)] = _Known(id_, digest, version)

    def _data(self, row: Row) -> dict[str, Any]:
        lon, lat = row.point if row.point else (None, None)
        values = row.values
        payload = _ENCODE([values.get(name) for name in self.dataset.fields] + [lon, lat])
        return {
            **{name: values.get(name) for name in self.dataset.fields},
            "latitude": lat,
            "longitude": lon,
            "content_hash": hashlib.blake2b(payload.encode(), digest_size=20).hexdigest(),
            "source_feed": self.feed,
            "source_position": row.position,
        }

    def _insert(self, inserts: dict[tuple[str, str], dict[str, Any]]) -> None:
        if not inserts:
            return
        rows = [
            {**data, "version": 1, "first_seen_at": self.now, "last_changed_at": self.now} for data in inserts.values()
        ]
        statement = insert(self.table).returning(self.table.c.id, sort_by_parameter_order=True)
        ids = self.session.scalars(statement, rows).all()
        for key, id_ in zip(inserts, ids, strict=True):
            self._known[key].id = id_
            self.new.append(id_)

    def _update(self, updates: dict[tuple[str, str], dict[str, Any]]) -> None:
        if not updates:
            return
        first_change = [self._known[key] for key in updates if not self._known[key].versioned]
        self._keep_versions([known.id for known in first_change if known.id is not None])
        for known in first_change:
            known.version += 1
            known.versioned = True
            self.changed.append(known.id)  # type: ignore[arg-type]  # loaded rows have ids
        rows = [
            {**data, "_id": self._known[key].id, "version": self._known[key].version, "last_changed_at": self.now}
            for key, data in updates.items()
        ]
        t = self.table
        columns = {name: bindparam(name) for name in rows[0] if name != "_id"}
        self.session.execute(update(t).where(t.c.id == bindparam("_id")).values(columns), rows)

    def _keep_versions(self, ids: list[int]) -> None:
        """Copy each record's current state into feeds_record_version before it is overwritten."""
        t = self.table
        names = [*self.dataset.fields, "latitude", "longitude"]
        versions = []
        for start in range(0, len(ids), KEY_CHUNK):
            query = select(t).where(t.c.id.in_(ids[start : start + KEY_CHUNK]))
            for old in self.session.execute(query).mappings():
                self._before[old["id"]] = {
                    name: old[name]
                    for name in ("content_hash", "version", "last_changed_at", "source_feed", "source_position")
                }
                versions.append(
                    {
                        "dataset": self.dataset.full_name,
                        "record_id": old["id"],
                        "version": old["version"],
                        "content_hash": old["content_hash"],
                        "data": {name: _jsonable(old[name]) for name in names},
                        "source_feed": old["source_feed"],
                        "valid_from": old["last_changed_at"],
                        "replaced_at": self.now,
                    }
                )
        if versions:
            self.session.execute(insert(RecordVersion.__table__), versions)

    def finish(self) -> None:
        """Take back "changes" that later listings undid, before the pull commits.

        A re-published list may carry a record twice (an older and a newer publication); when its
        last listing is exactly what was stored before the pull, the record did not change: its
        version row goes and its version and provenance are restored.
        """
        undone = [
            k for k in self._known.values() if k.id in self._before and k.digest == self._before[k.id]["content_hash"]
        ]
        if not undone:
            return
        v = RecordVersion.__table__
        self.session.execute(
            delete(v).where(
                v.c.dataset == self.dataset.full_name, v.c.record_id == bindparam("_id"), v.c.version == bindparam("_v")
            ),
            [{"_id": k.id, "_v": self._before[k.id]["version"]} for k in undone],
        )
        t = self.table
        restore = [
            {"_id": k.id, **{n: x for n, x in self._before[k.id].items() if n != "content_hash"}} for k in undone
        ]
        columns = {name: bindparam(name) for name in restore[0] if name != "_id"}
        self.session.execute(update(t).where(t.c.id == bindparam("_id")).values(columns), restore)
        ids = {k.id for k in undone}
        self.changed = [i for i in self.changed if i not in ids]
        self.unchanged += len(undone)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
