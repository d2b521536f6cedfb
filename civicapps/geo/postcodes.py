"""UK postcodes: one spelling, found in free text, and answers that say clearly why there is no point.

Councils write postcodes every way ("im22qy", "IM2  2QY", "Im2 2qy"); everything is normalised to the
canonical "OUTWARD INWARD" form (upper case, one space before the three-character inward code) before
any lookup or storage, so a cache or table hit never depends on spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")
_IN_TEXT = re.compile(r"(?<![A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})(?![A-Z0-9])", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0]+")

Status = Literal["found", "no_coordinates", "unknown", "invalid", "error"]


@dataclass(frozen=True)
class Location:
    """A WGS84 point and where it came from (e.g. ``"postcodes.io"``, ``"onspd"``, a plugin's name).

    Returned by ``geocode`` hook implementations.
    """

    latitude: float
    longitude: float
    source: str = ""


@dataclass(frozen=True)
class PostcodeAnswer:
    """The result of looking one postcode up; ``location`` is set only when ``status == "found"``."""

    postcode: str
    status: Status
    location: Location | None = None
    detail: str = ""

    @property
    def reason(self) -> str:
        """Why there is no location, in words for a staff report."""
        return {
            "found": f"postcode {self.postcode} found",
            "no_coordinates": f"postcode {self.postcode} exists but has no coordinates "
            "(Isle of Man, Channel Islands and some new or PO box postcodes)",
            "unknown": f"unknown postcode {self.postcode}",
            "invalid": f"{self.postcode!r} is not a UK postcode",
            "error": f"postcode {self.postcode} could not be looked up: {self.detail}",
        }[self.status]


def normalise_postcode(text: str) -> str | None:
    """``" sw1a1aa"`` -> ``"SW1A 1AA"``; ``None`` if ``text`` is not shaped like a UK postcode."""
    compact = _SPACES.sub("", text or "").upper()
    if compact == "GIR0AA":
        return "GIR 0AA"
    match = _POSTCODE.fullmatch(compact)
    return f"{match.group(1)} {match.group(2)}" if match else None


def find_postcode(text: str) -> str | None:
    """The last postcode in free text (addresses end with it), normalised; ``None`` if there is none."""
    matches = _IN_TEXT.findall(text or "")
    if not matches:
        return None
    outward, inward = matches[-1]
    return f"{outward.upper()} {inward.upper()}"
