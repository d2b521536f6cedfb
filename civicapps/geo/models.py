"""The geo plugin's tables: the offline postcode directory and the cache of online lookups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from civicapps.db import Model


class Postcode(Model):
    """One postcode from an imported ONS Postcode Directory or OS Code-Point Open file.

    Postcodes without a grid reference (Isle of Man, Channel Islands, some PO boxes) are kept with
    empty coordinates so a lookup can say "known, but no coordinates" instead of "unknown".
    """

    __tablename__ = "geo_postcode"

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    quality: Mapped[int | None] = mapped_column(Integer)
    terminated: Mapped[str | None] = mapped_column(String(6), doc="YYYYMM the postcode went out of use")
    source: Mapped[str] = mapped_column(String(20))


class LookupCache(Model):
    """Answers from online geocoders (postcodes.io), negative ones included, so a postcode is asked once."""

    __tablename__ = "geo_lookup_cache"

    query: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(40))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
