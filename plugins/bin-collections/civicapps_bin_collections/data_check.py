"""The data check: what in the loaded data cannot work, for staff to fix at the source."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from civicapps import db_session
from civicapps_bin_collections.models import Address, Change
from civicapps_bin_collections.schedule import parse_rounds
from civicapps_bin_collections.settings import current_settings
from civicapps_bin_collections.store import round_ids, rounds_by_id, rule_of


@dataclass
class DataCheck:
    """Each list holds one line per problem; ``upcoming`` lists the exceptions still to come."""

    addresses_without_round: list[str] = field(default_factory=list)
    rounds_without_addresses: list[str] = field(default_factory=list)
    exceptions_off_schedule: list[str] = field(default_factory=list)
    upcoming: list[Change] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return (
            len(self.addresses_without_round) + len(self.rounds_without_addresses) + len(self.exceptions_off_schedule)
        )


def data_check(today: dt.date) -> DataCheck:
    """Addresses whose rounds are not loaded, rounds no address uses, exceptions for a day their
    rounds do not collect on (rounds change after exceptions were published), and upcoming exceptions."""
    report = DataCheck()
    rounds = rounds_by_id()
    used: set[str] = set()
    for uprn, text in db_session().execute(select(Address.reference, Address.rounds).order_by(Address.reference)):
        ids = round_ids(text)
        used.update(ids)
        if not ids or not set(ids) <= set(rounds):
            report.addresses_without_round.append(f"{uprn}: rounds {text!r}")
    report.rounds_without_addresses = [f"{r.reference} ({r.bin})" for r in rounds.values() if r.reference not in used]
    week_a = current_settings().week_a_starts
    for change in db_session().scalars(select(Change).order_by(Change.original_date)):
        named = parse_rounds(change.rounds)
        concerned = [r for r in rounds.values() if named is None or r.reference in named]
        if not any(
            change.original_date in rule_of(r, week_a).dates(change.original_date, change.original_date)
            for r in concerned
        ):
            report.exceptions_off_schedule.append(
                f"{change.original_date.isoformat()} ({change.rounds}): no collection that day"
            )
        if change.original_date >= today or (change.new_date and change.new_date >= today):
            report.upcoming.append(change)
    return report
