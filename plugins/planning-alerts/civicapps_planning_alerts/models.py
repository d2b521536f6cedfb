"""The canonical planning application: one row per (authority, reference), whatever feed it came from.

Everything a resident or a council's feed cares about is a typed column, so the feeds machinery can
validate each source into it (``civicapps.Record`` adds the key, provenance, version and point).
Older versions of a row live in the core's ``feeds_record_version`` table: see :mod:`.history`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civicapps import Dataset, Model, Record, lazy_gettext

DATASET = "planning_alerts.application"


class Application(Model, Record):
    """A planning application as its council last published it; ``first_seen_at`` is the alert clock."""

    __tablename__ = "planning_alerts_application"

    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(8))
    local_area: Mapped[str | None] = mapped_column(String(200), doc="ward, parish or local authority as published")
    site: Mapped[str | None] = mapped_column(Text, doc="site boundary as published (WKT or GeoJSON), WGS84")
    info_url: Mapped[str | None] = mapped_column(String(1000))
    comment_url: Mapped[str | None] = mapped_column(String(1000))
    date_received: Mapped[dt.date | None] = mapped_column(Date)
    date_validated: Mapped[dt.date | None] = mapped_column(Date)
    consultation_end: Mapped[dt.date | None] = mapped_column(Date)
    application_type: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str | None] = mapped_column(String(100))
    decision: Mapped[str | None] = mapped_column(String(200))
    decision_date: Mapped[dt.date | None] = mapped_column(Date)

    @property
    def title(self) -> str:
        """How messages and lists name an application: its reference and, when known, where it is."""
        place = self.address or self.postcode
        return f"{self.reference}, {place}" if place else self.reference


# Record declares the table's unique key; these serve the searches residents and the API make.
Index("ix_planning_alerts_application_first_seen_at", Application.first_seen_at)
Index("ix_planning_alerts_application_latitude", Application.latitude, Application.longitude)

APPLICATIONS = Dataset("application", Application, "Planning applications, one per council reference")

#: Fields residents see in history and "changed" alerts, with their labels (translated when shown), in display order.
LABELS = {
    "description": lazy_gettext("Proposal"),
    "address": lazy_gettext("Address"),
    "postcode": lazy_gettext("Postcode"),
    "local_area": lazy_gettext("Area"),
    "application_type": lazy_gettext("Type"),
    "status": lazy_gettext("Status"),
    "decision": lazy_gettext("Decision"),
    "decision_date": lazy_gettext("Decision date"),
    "date_received": lazy_gettext("Received"),
    "date_validated": lazy_gettext("Validated"),
    "consultation_end": lazy_gettext("Comments close"),
    "info_url": lazy_gettext("Council page"),
    "comment_url": lazy_gettext("Comment page"),
}
