"""A report's lifecycle: the states, what each is called, and which are open, fixed or closed.

FixMyStreet's experience is that residents want to know more than "open/closed" ("closed, not fixed"
is a common complaint), so staff choose a precise state and the Open311 API collapses it to the
spec's ``open``/``closed``.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["unconfirmed", "open", "fixed", "closed"]

#: state -> (label residents see, kind). Order is the order staff pick from.
STATES: dict[str, tuple[str, Kind]] = {
    "unconfirmed": ("Waiting for the reporter to confirm", "unconfirmed"),
    "open": ("Open", "open"),
    "investigating": ("Investigating", "open"),
    "action_scheduled": ("Action scheduled", "open"),
    "in_progress": ("In progress", "open"),
    "fixed": ("Fixed", "fixed"),
    "not_responsible": ("Not the council's responsibility", "closed"),
    "duplicate": ("Duplicate", "closed"),
    "no_further_action": ("No further action", "closed"),
    "closed": ("Closed", "closed"),
}
PUBLIC_STATES = tuple(state for state, (_, kind) in STATES.items() if kind != "unconfirmed")
OPEN_STATES = tuple(state for state, (_, kind) in STATES.items() if kind == "open")
CLOSED_STATES = tuple(state for state, (_, kind) in STATES.items() if kind in ("fixed", "closed"))
STAFF_STATES = PUBLIC_STATES


def label(state: str) -> str:
    return STATES.get(state, (state, "open"))[0]


def kind(state: str) -> Kind:
    return STATES.get(state, (state, "open"))[1]


def open311_status(state: str) -> str:
    """GeoReport v2 has two statuses: every open state is ``open``, fixed and closed ones ``closed``."""
    return "open" if kind(state) == "open" else "closed"
