"""Each dataset's row check: what a feed row must satisfy beyond its column types.

A refused row is skipped and reported with its feed and line (``Dataset(check=...)``); the rest of
the feed is loaded, and rows stored by earlier pulls stay as they were.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g

from civicapps_bin_collections.schedule import RoundRule, parse_rounds
from civicapps_bin_collections.settings import current_settings
from civicapps_bin_collections.store import rounds_by_id, rule_of

_RULES = "bin_collections_round_rules"


def stored_rules() -> dict[str, RoundRule]:
    """The stored rounds' rules by round id, read once per application context (one pull) rather
    than once per row: 100,000 addresses cost one query, not 100,000. A round row being checked
    means the rounds are about to change, so :func:`check_round` forgets them."""
    rules = g.get(_RULES)
    if rules is None:
        week_a = current_settings().week_a_starts
        rules = {reference: rule_of(r, week_a) for reference, r in rounds_by_id().items()}
        setattr(g, _RULES, rules)
    return rules


def check_round(values: dict[str, Any]) -> str | None:
    """A round the engine can place in time: a weekday, a frequency, and which weeks."""
    g.pop(_RULES, None)
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
    unknown = sorted(ids - set(stored_rules()))
    if unknown:
        return f"address {values['reference']!r} names unknown round(s) {', '.join(unknown)}"
    return None


def check_change(values: dict[str, Any]) -> str | None:
    """An exception that moves a real collection of known rounds."""
    original: dt.date = values["original_date"]
    ids = parse_rounds(values["rounds"])
    stored = stored_rules()
    if ids is not None and set(ids) - set(stored):
        unknown = ", ".join(sorted(set(ids) - set(stored)))
        return f"exception for {original.isoformat()} names unknown round(s) {unknown}"
    rules = stored.values() if ids is None else [stored[i] for i in ids]
    if not any(original in rule.dates(original, original) for rule in rules):
        which = "any round" if ids is None else ", ".join(sorted(ids))
        return f"exception for {original.isoformat()}: that is not a collection day of {which}"
    new = values.get("new_date")
    if new is not None and abs((new - original).days) > 28:
        return f"exception moves {original.isoformat()} to {new.isoformat()}, more than 4 weeks away"
    return None
