"""The geo plugin's tables: the offline postcode directory, the street list, the cache of online lookups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from civicapps.clock import UTCDateTime
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
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Street(Model):
    """A named street (or other place a resident would type) with one representative point.

    Imported from OS Open Names ("Named Road" rows) or a simple name/latitude/longitude CSV, so that
    "Clarence Street" finds a place with no network, the way a postcode does. ``key`` is the name in
    lower case with single spaces, for case-insensitive prefix and word search.
    """

    __tablename__ = "geo_street"
    __table_args__ = (UniqueConstraint("key", "locality", name="uq_geo_street_key_locality"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    locality: Mapped[str] = mapped_column(
        String(200), default="", doc="town or district, to tell same-named streets apart"
    )
    key: Mapped[str] = mapped_column(String(200), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(40))
