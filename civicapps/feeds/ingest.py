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

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from civicapps.feeds.datasets import Dataset
from civicapps.feeds.models import RecordVersion
from civicapps.feeds.pipeline import Row

KEY_CHUNK = 500  # references per IN (...) query
_ENCODE = json.JSONEncoder(
    default=str, ensure_ascii=False, separators=(",", ":")
).encode  # one encoder, not one per row


@dataclass
class _Known:
    id: int | None
    digest: str
    version: int
    touched: bool = False  # already written (inserted or versioned) by this pull


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
    _known: dict[tuple[str, str], _Known] = field(default_factory=dict)

    @property
    def table(self) -> Table:
        return self.dataset.model.__table__  # type: ignore[attr-defined,no-any-return]

    def write(self, rows: Sequence[Row]) -> None:
        self._load([(r.values["authority"], r.values["reference"]) for r in rows])
        inserts: dict[tuple[str, str], dict[str, Any]] = {}
        updates: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:
            key = (row.values["authority"], row.values["reference"])
            data = self._data(row)
            known = self._known.get(key)
            if known is None:
                inserts[key] = data
                self._known[key] = _Known(None, data["content_hash"], 1, touched=True)
            elif known.id is None:  # listed again before its insert was flushed
                inserts[key] = data
                known.digest = data["content_hash"]
            elif known.digest == data["content_hash"]:
                if key not in updates:
                    self.unchanged += 1
            else:
                updates[key] = data
                known.digest = data["content_hash"]
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
        first_change = {key: self._known[key] for key in updates if not self._known[key].touched}
        self._keep_versions([k.id for k in first_change.values() if k.id is not None])
        t = self.table
        rows = []
        for key, data in updates.items():
            known = self._known[key]
            if not known.touched:
                known.version += 1
                known.touched = True
                self.changed.append(known.id)  # type: ignore[arg-type]
            rows.append({**data, "_id": known.id, "version": known.version, "last_changed_at": self.now})
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


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
