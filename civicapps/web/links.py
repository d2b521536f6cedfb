"""Navigation links contributed by plugins through the ``menu_links`` hook."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    """One navigation entry.

    ``description`` is shown on the plugin's home-page card (the first link a plugin returns).
    """

    label: str
    href: str
    description: str | None = None
