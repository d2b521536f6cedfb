"""``civicapps bin-collections next|calendar|check|pull``: one-off answers and the data check."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app

from civicapps import postcode_in
from civicapps_bin_collections import clock
from civicapps_bin_collections.data_check import data_check
from civicapps_bin_collections.feeds import pull_all
from civicapps_bin_collections.ics import calendar as ics_calendar
from civicapps_bin_collections.models import Address
from civicapps_bin_collections.schedule import monday_of
from civicapps_bin_collections.settings import current_settings
from civicapps_bin_collections.store import address, addresses_in, pickups, round_ids
from civicapps_bin_collections.words import day_words, moved_words


def _addresses(query: str) -> list[Address]:
    postcode = postcode_in(query)
    found = addresses_in(postcode) if postcode else [a for a in [address(query.strip())] if a is not None]
    if not found:
        raise click.ClickException(f"No address has the postcode or UPRN {query!r}.")
    return found


@click.command("next")
@click.argument("postcode_or_uprn")
def next_collections(postcode_or_uprn: str) -> None:
    """The next collection of each bin at an address (or every address in a postcode)."""
    today = clock.today()
    end = today + dt.timedelta(weeks=current_settings().weeks_shown)
    for found in _addresses(postcode_or_uprn):
        click.echo(f"{found.reference} {found.address}")
        seen: set[str] = set()
        for p in pickups(round_ids(found.rounds), today, end):
            if p.round.reference in seen:
                continue
            seen.add(p.round.reference)
            moved = p.collection.moved_from
            note = f" ({moved_words(moved, p.day, p.collection.reason)})" if moved else ""
            click.echo(f"  {p.round.bin}: {day_words(p.day)} {p.day.year}{note}")


@click.command("calendar")
@click.argument("uprn")
@click.option("--ics", "as_ics", is_flag=True, help="Print an iCalendar document instead of a list.")
def calendar_command(uprn: str, as_ics: bool) -> None:
    """Every collection at an address for the weeks ahead."""
    found = address(uprn)
    if found is None:
        raise click.ClickException(f"No address has the UPRN {uprn!r}.")
    start = monday_of(clock.today())
    found_pickups = pickups(
        round_ids(found.rounds), start, start + dt.timedelta(weeks=current_settings().calendar_weeks, days=-1)
    )
    if as_ics:
        click.echo(
            ics_calendar(f"Bin collections: {found.address}", found.reference, found_pickups, clock.now()).decode(),
            nl=False,
        )
        return
    for p in found_pickups:
        moved = p.collection.moved_from
        note = f" ({moved_words(moved, p.day, p.collection.reason)})" if moved else ""
        click.echo(f"{p.day.isoformat()} {p.round.bin}{note}")


@click.command("check")
def check() -> None:
    """The data check: addresses without a round, rounds without addresses, exceptions off schedule."""
    report = data_check(clock.today())
    sections = [
        ("Addresses without a loaded round", report.addresses_without_round),
        ("Rounds without addresses", report.rounds_without_addresses),
        ("Exceptions for a day with no collection", report.exceptions_off_schedule),
    ]
    for heading, lines in sections:
        click.echo(f"{heading}: {len(lines)}")
        for line in lines:
            click.echo(f"  {line}")
    if report.problems:
        raise click.ClickException(f"{report.problems} problem(s) in the bin collection data.")


@click.command("pull")
@click.option("--force", is_flag=True, help="Pull even feeds that have not changed.")
def pull(force: bool) -> None:
    """Pull the rounds, then the addresses, then the exceptions feeds now."""
    results = pull_all(current_app, force=force)
    for result in results:
        click.echo(result.summary())
        for issue in result.issues:
            click.echo(f"  {issue}")
    if any(r.outcome == "failed" for r in results):
        raise click.ClickException("A feed could not be pulled.")


def commands() -> list[click.Command]:
    return [next_collections, calendar_command, check, pull]
