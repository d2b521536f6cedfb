"""Residents' pages: postcode, then address, then that address's collections, calendar and .ics.

Everything is a GET with plain links and forms, so it works without JavaScript; the printable
calendar is an ordinary page whose print styles come from GOV.UK Frontend.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from flask import Response, render_template, request
from sqlalchemy import select

from civicapps import db_session, error_response, external_url, gettext, postcode_in
from civicapps_bin_collections import clock
from civicapps_bin_collections.disruptions import current_notices
from civicapps_bin_collections.ics import calendar
from civicapps_bin_collections.models import Address, Disruption
from civicapps_bin_collections.schedule import monday_of, parse_rounds
from civicapps_bin_collections.settings import current_settings
from civicapps_bin_collections.store import Pickup, address, addresses_in, pickups, round_ids
from civicapps_bin_collections.web import bp
from civicapps_bin_collections.words import day_words, moved_words


@dataclass(frozen=True)
class Week:
    """One week's collections, for the list and the printable calendar."""

    monday: dt.date
    pickups: list[Pickup]
    this_week: bool


def weeks(found: list[Pickup], today: dt.date) -> list[Week]:
    return [
        Week(monday, list(group), monday == monday_of(today))
        for monday, group in groupby(found, key=lambda p: monday_of(p.day))
    ]


def next_per_bin(found: list[Pickup]) -> list[Pickup]:
    """Each round's next collection, soonest first."""
    seen: dict[str, Pickup] = {}
    for pickup in found:
        seen.setdefault(pickup.round.reference, pickup)
    return list(seen.values())


def address_or_404(uprn: str) -> Address | Any:
    found = address(uprn)
    return (
        found if found is not None else error_response(404, gettext("We do not have that address. Search by postcode."))
    )


@bp.app_template_filter("bin_day")
def bin_day(day: dt.date) -> str:
    return day_words(day)


@bp.app_template_filter("bin_rounds")
def bin_rounds(text: str) -> str:
    """A rounds cell as read: "all" (or nothing) in words, in the page's language; ids as given."""
    named = parse_rounds(text)
    return gettext("All rounds") if not named else " ".join(sorted(named))


@bp.app_template_filter("bin_moved")
def bin_moved(pickup: Pickup) -> str:
    moved = pickup.collection.moved_from
    return moved_words(moved, pickup.day, pickup.collection.reason) if moved else ""


@bp.get("/")
def index() -> Any:
    """Find your address: a postcode, then the addresses in it."""
    query = request.args.get("postcode", "").strip()
    error, postcode, found = None, None, []
    if "postcode" in request.args:
        postcode = postcode_in(query)
        if postcode is None:
            error = gettext("Enter a full postcode, like YO1 7HH")
        else:
            found = addresses_in(postcode)
            if not found:
                error = gettext("We have no addresses for %(postcode)s. Check the postcode.", postcode=postcode)
    return search_page(query, postcode, found, error)


def search_page(
    query: str, postcode: str | None, found: list[Address], error: str | None, choice_error: str | None = None
) -> Any:
    """The search page; ``error`` is the postcode's problem, ``choice_error`` the address list's."""
    status = 400 if error or choice_error else 200
    return render_template(
        "bin_collections/index.html",
        query=query,
        postcode=postcode,
        addresses=found,
        error=error,
        choice_error=choice_error,
    ), status


@bp.get("/address")
def choose() -> Any:
    """Where the address radio buttons go (no JavaScript needed); none chosen shows the list again."""
    found = address(request.args.get("uprn", ""))
    if found is not None:
        return collections_page(found)
    query = request.args.get("postcode", "").strip()
    postcode = postcode_in(query)
    listed = addresses_in(postcode) if postcode else []
    if not listed:
        return error_response(400, gettext("Choose your address from the list."))
    return search_page(query, postcode, listed, None, gettext("Choose your address from the list."))


@bp.get("/address/<uprn>")
def address_page(uprn: str) -> Any:
    found = address_or_404(uprn)
    return collections_page(found) if isinstance(found, Address) else found


def collections_page(found: Address) -> Any:
    settings = current_settings()
    today = clock.today()
    start = monday_of(today)
    upcoming = pickups(
        round_ids(found.rounds), today, start + dt.timedelta(weeks=settings.weeks_shown) - dt.timedelta(days=1)
    )
    return render_template(
        "bin_collections/address.html",
        address=found,
        next_bins=next_per_bin(upcoming),
        weeks=weeks(upcoming, today),
        notices=current_notices(round_ids(found.rounds), today),
        weeks_shown=settings.weeks_shown,
    )


@bp.get("/address/<uprn>/calendar")
def printable(uprn: str) -> Any:
    """The year ahead on one page, to print and put on the fridge."""
    found = address_or_404(uprn)
    if not isinstance(found, Address):
        return found
    today = clock.today()
    start = monday_of(today)
    end = start + dt.timedelta(weeks=current_settings().calendar_weeks) - dt.timedelta(days=1)
    return render_template(
        "bin_collections/calendar.html", address=found, weeks=weeks(pickups(round_ids(found.rounds), start, end), today)
    )


@bp.get("/address/<uprn>/collections.ics")
def ics(uprn: str) -> Any:
    """The address's collections as an iCalendar feed (add it to a phone as webcal://)."""
    found = address_or_404(uprn)
    if not isinstance(found, Address):
        return found
    today = clock.today()
    start = today - dt.timedelta(weeks=4)
    end = today + dt.timedelta(weeks=current_settings().calendar_weeks)
    body = calendar(
        gettext("Bin collections: %(address)s", address=found.address),
        found.reference,
        pickups(round_ids(found.rounds), start, end),
        clock.now(),
    )
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": "inline; filename=bins.ics"})


@bp.get("/disruptions.atom")
def disruptions_feed() -> Any:
    """Current disruption notices for every round, newest first, as an Atom 1.0 feed."""
    today = clock.today()
    notices = db_session().scalars(select(Disruption).where(Disruption.ends_on >= today).order_by(Disruption.id.desc()))
    found = list(notices)
    body = render_template(
        "bin_collections/disruptions.atom.xml",
        notices=found,
        self_url=external_url("bin_collections.disruptions_feed"),
        page_url=external_url("bin_collections.index"),
        updated=(found[0].created_at if found else clock.now()).isoformat(),
    )
    return Response(body, mimetype="application/atom+xml")
