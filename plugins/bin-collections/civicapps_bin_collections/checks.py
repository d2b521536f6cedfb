"""Each dataset's row check: what a feed row must satisfy beyond its column types.

A refused row is skipped and reported with its feed and line (``Dataset(check=...)``); the rest of
the feed is loaded, and rows stored by earlier pulls stay as they were.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from civicapps import db_session
from civicapps_bin_collections.models import Round
from civicapps_bin_collections.schedule import RoundRule, parse_rounds
from civicapps_bin_collections.settings import current_settings
from civicapps_bin_collections.store import rounds_by_id, rule_of


def check_round(values: dict[str, Any]) -> str | None:
    """A round the engine can place in time: a weekday, a frequency, and which weeks."""
    try:
        RoundRule.build(
            values["reference"],
            values["weekday"],
            values["frequency"],
            values.get("reference_date"),
            values.get("week"),
            current_settings().week_a_starts,
        )
    except ValueError as exc:
        return f"round {values['reference']!r}: {exc}"
    return None


def check_address(values: dict[str, Any]) -> str | None:
    """An address served by rounds that are loaded."""
    ids = parse_rounds(values["rounds"]) or frozenset()
    if not ids:
        return f"address {values['reference']!r} names no round"
    known = set(db_session().scalars(select(Round.reference).where(Round.reference.in_(list(ids)))))
    unknown = sorted(ids - known)
    if unknown:
        return f"address {values['reference']!r} names unknown round(s) {', '.join(unknown)}"
    return None


def check_change(values: dict[str, Any]) -> str | None:
    """An exception that moves a real collection of known rounds."""
    original: dt.date = values["original_date"]
    ids = parse_rounds(values["rounds"])
    rounds = rounds_by_id(ids)
    if ids is not None and set(ids) - set(rounds):
        return (
            f"exception for {original.isoformat()} names unknown round(s) {', '.join(sorted(set(ids) - set(rounds)))}"
        )
    week_a = current_settings().week_a_starts
    if not any(original in rule_of(r, week_a).dates(original, original) for r in rounds.values()):
        which = "any round" if ids is None else ", ".join(sorted(ids))
        return f"exception for {original.isoformat()}: that is not a collection day of {which}"
    new = values.get("new_date")
    if new is not None and abs((new - original).days) > 28:
        return f"exception moves {original.isoformat()} to {new.isoformat()}, more than 4 weeks away"
    return None
