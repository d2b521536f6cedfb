"""An app with the bin_collections plugin, and the fixtures' rounds and exceptions as engine values."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import civicapps_bin_collections as bin_collections
from civicapps_bin_collections.schedule import Change, RoundRule, parse_rounds

PLUGIN = ("bin_collections", bin_collections)
FIXTURES = Path(__file__).parent / "fixtures"
WEEK_A = dt.date(2027, 1, 4)


def day(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, "%d/%m/%Y").date() if text else None


def fixture_rules() -> list[RoundRule]:
    with (FIXTURES / "rounds.csv").open() as f:
        return [
            RoundRule.build(r["round_id"], r["weekday"], r["frequency"], day(r["reference_date"]), r["week"], WEEK_A)
            for r in csv.DictReader(f)
        ]


def fixture_changes() -> list[Change]:
    with (FIXTURES / "exceptions.csv").open() as f:
        return [
            Change(day(r["original_date"]), day(r["new_date"]), parse_rounds(r["rounds"]), r["reason"])
            for r in csv.DictReader(f)
        ]
