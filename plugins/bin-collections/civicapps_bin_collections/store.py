"""Reading the stored rounds, addresses and exceptions as the engine's values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from civicapps import db_session
from civicapps_bin_collections.models import Address, Change, Round
from civicapps_bin_collections.schedule import Change as ChangeRule
from civicapps_bin_collections.schedule import Collection, RoundRule, collections, parse_rounds
from civicapps_bin_collections.settings import current_settings


def rule_of(round_: Round, week_a_starts: dt.date) -> RoundRule:
    """The engine's rule for a stored round (rows were checked on the way in)."""
    return RoundRule.build(
        round_.reference, round_.weekday, round_.frequency, round_.reference_date, round_.week, week_a_starts
    )


def rounds_by_id(ids: Iterable[str] | None = None) -> dict[str, Round]:
    """Stored rounds by round id: those named, or all."""
    query = select(Round).order_by(Round.reference)
    if ids is not None:
        query = query.where(Round.reference.in_(list(ids)))
    return {r.reference: r for r in db_session().scalars(query)}


def change_rules() -> list[ChangeRule]:
    """Every stored exception as the engine's value."""
    return [
        ChangeRule(c.original_date, c.new_date, parse_rounds(c.rounds), c.reason or "")
        for c in db_session().scalars(select(Change))
    ]


def round_ids(rounds: str) -> list[str]:
    """The round ids in an address's ``rounds`` cell."""
    return sorted(parse_rounds(rounds) or ())


@dataclass(frozen=True)
class Pickup:
    """A collection with its round's bin, for pages and messages."""

    collection: Collection
    round: Round

    @property
    def day(self) -> dt.date:
        return self.collection.day


def pickups(address_rounds: Iterable[str], start: dt.date, end: dt.date) -> list[Pickup]:
    """The collections of these rounds from ``start`` to ``end``, exceptions applied, by date."""
    rounds = rounds_by_id(address_rounds)
    week_a = current_settings().week_a_starts
    found = collections([rule_of(r, week_a) for r in rounds.values()], change_rules(), start, end)
    return [Pickup(c, rounds[c.round_id]) for c in found]


def address(uprn: str) -> Address | None:
    return db_session().scalar(select(Address).where(Address.reference == uprn))


def addresses_in(postcode: str) -> list[Address]:
    return list(db_session().scalars(select(Address).where(Address.postcode == postcode).order_by(Address.address)))
