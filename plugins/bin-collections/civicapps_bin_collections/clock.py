"""Now and today in London: the one place the plugin reads the clock (tests set it here)."""

from __future__ import annotations

import datetime as dt

from civicapps import utcnow
from civicapps_bin_collections.schedule import LONDON


def now() -> dt.datetime:
    """The current instant, aware, in UTC."""
    return utcnow()


def today() -> dt.date:
    """Today's date in London (after midnight BST it is already tomorrow in London, not in UTC)."""
    return now().astimezone(LONDON).date()
