"""The plugin's tables: three datasets the council's feeds fill, and two of its own.

Rounds, addresses and exceptions are canonical datasets (``civicapps.Record`` adds the key,
provenance and version), so a council loads them through ``[feeds.*]`` tables in whatever shape it
publishes; each dataset's ``check`` refuses rows the collection engine could not use, by line.
Disruption notices are written by staff; ``Evening`` is the ledger of reminder evenings already
announced, so a restarted worker does not announce an evening twice (the outbox's unique key makes
sure no message is sent twice even if it did).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civicapps import Model, Record, UTCDateTime, utcnow


class Round(Model, Record):
    """A collection round; ``reference`` is the council's round id."""

    __tablename__ = "bin_collections_round"

    bin: Mapped[str] = mapped_column(String(100), doc="the bin in the council's words: Recycling, Garden waste")
    colour: Mapped[str | None] = mapped_column(String(50))
    weekday: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(30))
    reference_date: Mapped[dt.date | None] = mapped_column(Date)
    week: Mapped[str | None] = mapped_column(String(1))


class Address(Model, Record):
    """A property and the rounds that serve it; ``reference`` is its UPRN."""

    __tablename__ = "bin_collections_address"

    address: Mapped[str] = mapped_column(Text)
    postcode: Mapped[str] = mapped_column(String(10), index=True)
    rounds: Mapped[str] = mapped_column(String(500), doc="round ids separated by spaces, commas or semicolons")


class Change(Model, Record):
    """An exception: collections due on ``original_date`` move to ``new_date`` (none: cancelled)."""

    __tablename__ = "bin_collections_change"

    original_date: Mapped[dt.date] = mapped_column(Date)
    new_date: Mapped[dt.date | None] = mapped_column(Date)
    rounds: Mapped[str] = mapped_column(String(500), doc='round ids, or "all"')
    reason: Mapped[str | None] = mapped_column(String(200))


class Disruption(Model):
    """A staff notice for some rounds (or all, when ``rounds`` is empty) from ``starts_on`` to ``ends_on``."""

    __tablename__ = "bin_collections_disruption"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message: Mapped[str] = mapped_column(Text)
    rounds: Mapped[str] = mapped_column(String(500), default="")
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class Evening(Model):
    """One reminder evening announced: the collection date it reminded of, and when."""

    __tablename__ = "bin_collections_evening"

    collection_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    announced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
