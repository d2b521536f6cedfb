"""Raw records -> checked canonical rows, in batches: map, validate, locate.

Bad rows become :class:`RowIssue` reports and are skipped; rows that cannot be placed are kept with a
warning unless the feed's location is ``required``. The same pipeline serves scheduled pulls (which
then store the rows) and ``civicapps pull`` (which writes them out instead).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from civicapps.feeds.datasets import Invalid
from civicapps.feeds.errors import RowIssue
from civicapps.feeds.locate import locate
from civicapps.feeds.readers import RawRecord
from civicapps.feeds.registry import FeedPlan
from civicapps.geo.geocoding import postcode_service

BATCH = 2000
MAX_ISSUES = 200  # kept per pull for staff; the counts are always complete
# Values inside reasons (quoted text, postcodes) are blanked when counting kinds of issue.
_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|\b[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}\b")


@dataclass
class Row:
    """One canonical row: field values, where it came from, and (lon, lat) if placed."""

    position: int
    values: dict[str, Any]
    point: tuple[float, float] | None = None


@dataclass
class Tally:
    """Counts for one pull, the first issues in full, and every issue's reason counted."""

    feed: str
    read: int = 0
    kept: int = 0
    skipped: int = 0
    warnings: int = 0
    issues: list[RowIssue] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)

    def report(self, issue: RowIssue) -> None:
        if issue.severity == "skipped":
            self.skipped += 1
        else:
            self.warnings += 1
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(issue)
        field_name = f"{issue.field}: " if issue.field else ""
        self.reasons[f"{issue.severity} - {field_name}{_VALUES.sub('…', issue.reason)}"] += 1


def canonical_rows(
    app: Flask,
    plan: FeedPlan,
    records: Iterable[RawRecord],
    tally: Tally,
    *,
    persist: bool = True,
    exclude: Callable[[dict[str, Any]], str | None] | None = None,
) -> Iterator[list[Row]]:
    """Batches of rows ready to store or write out; ``tally`` counts everything on the way.

    ``exclude`` (``civicapps pull --since``) gives the reason to leave a mapped row out, or None; it
    runs before rows are placed, so rows left out cost no geocoding. A postcode whose lookup failed
    is asked once per pull, not once per batch.
    """
    with postcode_service(app).remembering_failures():
        batch: list[tuple[RawRecord, dict[str, Any]]] = []
        for raw in records:
            tally.read += 1
            if raw.problem:
                tally.report(RowIssue(tally.feed, raw.position, None, raw.problem))
                continue
            values = _values(plan, raw, tally)
            if values is None:
                continue
            reason = plan.dataset.check(values) if plan.dataset and plan.dataset.check else None
            if reason:
                tally.report(RowIssue(tally.feed, raw.position, None, reason))
                continue
            reason = exclude(values) if exclude else None
            if reason:
                tally.report(RowIssue(tally.feed, raw.position, None, reason))
                continue
            batch.append((raw, values))
            if len(batch) >= BATCH:
                yield _placed(app, plan, batch, tally, persist)
                batch = []
        if batch:
            yield _placed(app, plan, batch, tally, persist)


def _values(plan: FeedPlan, raw: RawRecord, tally: Tally) -> dict[str, Any] | None:
    if not plan.fields:  # civicapps pull with no mapping: the source's own columns
        return dict(raw.fields)
    values: dict[str, Any] = {}
    specs = plan.specs
    for name, compiled in plan.fields.items():
        spec = specs[name]
        value = compiled.get(raw.fields, values)
        if value is None or value == "":
            if spec.required:
                tally.report(
                    RowIssue(tally.feed, raw.position, name, f"is required but empty (from {compiled.source})")
                )
                return None
            values[name] = None
            continue
        try:
            value = spec.coerce(value, compiled.formats)
        except Invalid as exc:
            tally.report(RowIssue(tally.feed, raw.position, name, str(exc)))
            return None
        if spec.max_length is not None and len(value) > spec.max_length:
            tally.report(
                RowIssue(
                    tally.feed, raw.position, name, f"is {len(value)} characters, over the limit of {spec.max_length}"
                )
            )
            return None
        values[name] = value
    return values


def _placed(
    app: Flask, plan: FeedPlan, batch: list[tuple[RawRecord, dict[str, Any]]], tally: Tally, persist: bool
) -> list[Row]:
    rows = []
    for (raw, values), where in zip(batch, locate(app, plan.location, batch, persist=persist), strict=True):
        if where.point is None and where.reason:
            severity = "skipped" if plan.location.required else "warning"
            tally.report(RowIssue(tally.feed, raw.position, where.field, where.reason, severity))
            if severity == "skipped":
                continue
        rows.append(Row(raw.position, values, where.point))
    tally.kept += len(rows)
    return rows
