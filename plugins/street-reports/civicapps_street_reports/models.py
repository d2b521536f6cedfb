"""Stored street reports."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import DateTime, Float, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from civicapps import Model, db_session

#: A report starts open; staff mark it fixed, or closed when it will not be fixed.
STATUSES = ("open", "fixed", "closed")


class Report(Model):
    """One problem a resident reported at a point (WGS84 latitude and longitude)."""

    __tablename__ = "street_reports_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100))
    details: Mapped[str] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)  # explicit: SQLAlchemy 2.0 and 2.1 map float differently
    lon: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), index=True, default="open", server_default="open")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC), server_default=func.now()
    )


def reports_with_status(status: str) -> Sequence[Report]:
    """Reports in one status, newest first."""
    query = select(Report).where(Report.status == status).order_by(Report.created_at.desc(), Report.id.desc())
    return db_session().scalars(query).all()
