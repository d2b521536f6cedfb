"""What can go wrong with a feed, in two sizes.

A :class:`FeedError` sinks a whole pull (cannot fetch, cannot parse, every row bad): the stored records
are left exactly as they were and the error is recorded on the feed for staff. A :class:`RowIssue` is
one bad or doubtful row: it is reported with the feed, line or record number, field and reason, and the
rest of the feed carries on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from civicapps.errors import CivicappsError


class FeedError(CivicappsError):
    """A whole feed pull failed; nothing it read was stored. The message says what and how to fix it."""


class ReaderError(FeedError):
    """A reader could not make records out of what the source sent.

    This is the only exception a reader may raise for bad input (random bytes included): the pull
    catches it, records it on the feed and leaves stored data untouched.
    """


@dataclass(frozen=True)
class RowIssue:
    """One row that was skipped (``skipped``) or kept with a doubt (``warning``, e.g. no location)."""

    feed: str
    position: int
    field: str | None
    reason: str
    severity: Literal["skipped", "warning"] = "skipped"

    def __str__(self) -> str:
        where = f"{self.feed}: record {self.position}" + (f", field '{self.field}'" if self.field else "")
        return f"{where}: {self.reason}" + (" (kept)" if self.severity == "warning" else "")

    def as_dict(self) -> dict[str, object]:
        return {
            "feed": self.feed,
            "position": self.position,
            "field": self.field,
            "reason": self.reason,
            "severity": self.severity,
        }
