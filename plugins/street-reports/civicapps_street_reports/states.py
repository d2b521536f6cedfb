"""A report's lifecycle: the states, what each is called, and which are open, fixed or closed.

FixMyStreet's experience is that residents want to know more than "open/closed" ("closed, not fixed"
is a common complaint), so staff choose a precise state and the Open311 API collapses it to the
spec's ``open``/``closed``.
"""

from __future__ import annotations

from typing import Any, Literal

from civicapps import lazy_gettext

Kind = Literal["unconfirmed", "open", "fixed", "closed"]

#: state -> (label residents see, kind). Order is the order staff pick from.
STATES: dict[str, tuple[Any, Kind]] = {
    "unconfirmed": (lazy_gettext("Waiting for the reporter to confirm"), "unconfirmed"),
    "open": (lazy_gettext("Open"), "open"),
    "investigating": (lazy_gettext("Investigating"), "open"),
    "action_scheduled": (lazy_gettext("Action scheduled"), "open"),
    "in_progress": (lazy_gettext("In progress"), "open"),
    "fixed": (lazy_gettext("Fixed"), "fixed"),
    "not_responsible": (lazy_gettext("Not the council's responsibility"), "closed"),
    "duplicate": (lazy_gettext("Duplicate"), "closed"),
    "no_further_action": (lazy_gettext("No further action"), "closed"),
    "closed": (lazy_gettext("Closed"), "closed"),
}
PUBLIC_STATES = tuple(state for state, (_, kind) in STATES.items() if kind != "unconfirmed")
OPEN_STATES = tuple(state for state, (_, kind) in STATES.items() if kind == "open")
CLOSED_STATES = tuple(state for state, (_, kind) in STATES.items() if kind in ("fixed", "closed"))
STAFF_STATES = PUBLIC_STATES


def label(state: str) -> str:
    """What residents read for a state, in the language of the request (or message) being made."""
    return str(STATES.get(state, (state, "open"))[0])


def kind(state: str) -> Kind:
    return STATES.get(state, (state, "open"))[1]


def open311_status(state: str) -> str:
    """GeoReport v2 has two statuses: every open state is ``open``, fixed and closed ones ``closed``."""
    return "open" if kind(state) == "open" else "closed"
