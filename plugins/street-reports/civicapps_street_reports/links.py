"""What the signed links in this plugin's messages are for (confirm a report or an update, stop updates).

Each purpose is a separate salt for ``civicapps.sign``/``civicapps.unsign``, so a link for one thing
can never be used for another, and nothing needs storing to check them. The purposes keep the
salts links were always signed with, so links in messages already sent keep working.
"""

from __future__ import annotations

from datetime import timedelta

from civicapps_street_reports.settings import NAME

CONFIRM_DAYS = 14
CONFIRM_MAX_AGE = timedelta(days=CONFIRM_DAYS)
CONFIRM_REPORT = f"{NAME}.confirm-report"
CONFIRM_UPDATE = f"{NAME}.confirm-update"
STOP_UPDATES = f"{NAME}.stop-updates"
