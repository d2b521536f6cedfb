"""Rounds, addresses and exceptions pulled from a council's feeds on 127.0.0.1, bad rows reported."""

from __future__ import annotations

from civicapps_bin_collections.feeds import pull_all, pull_in_order
from civicapps_bin_collections.models import Address, Change, Round
from sqlalchemy import event, select

from civicapps import db_session

from .conftest import fixture_text


def stored(app, model) -> dict[str, object]:
    with app.app_context():
        return {row.reference: row for row in db_session().scalars(select(model))}


def test_the_standard_feeds_load_rounds_then_addresses_then_exceptions(bins_app):
    app = bins_app()
    with app.app_context():
        results = pull_all(app)
    assert [(r.feed, r.outcome, r.new, r.skipped) for r in results] == [
        ("bin-rounds", "ingested", 4, 0),
        ("bin-addresses", "ingested", 4, 0),
        ("bin-exceptions", "ingested", 7, 0),
    ]
    assert stored(app, Round)["R3"].bin == "Garden waste"
    assert stored(app, Address)["100050535003"].postcode == "YO31 7EW", "postcodes are tidied"
    assert stored(app, Change)["29/03/2027|all"].reason == "Easter Monday"


def test_bad_rows_are_reported_by_line_and_the_rest_and_earlier_data_are_kept(bins_app, civic_feed_server):
    app = bins_app()
    with app.app_context():
        pull_all(app)
    civic_feed_server.add(
        "/rounds.csv", fixture_text("rounds.csv") + "R5,Food,Grey,Funday,Weekly,,\nR6,Food,Grey,Tuesday,Weekly,,\n"
    )
    civic_feed_server.add(
        "/addresses.csv",
        fixture_text("addresses.csv").replace("R1;R2;R3", "R1;R2;R3;R6")
        + '100050600002,"12 Stonegate, York",YO1 8AS,R1;R9\n',
    )
    civic_feed_server.add(
        "/exceptions.csv", fixture_text("exceptions.csv") + "01/01/2027,02/01/2027,all,New Year's Day\n"
    )
    with app.app_context():
        rounds, addresses, changes = pull_all(app)
    assert (rounds.new, rounds.skipped) == (1, 1)
    # "record N" is the CSV file's line number (the header is line 1)
    assert [str(i) for i in rounds.issues] == [
        "bin-rounds: record 6: round 'R5': weekday 'Funday' is not a day of the week (Monday to Sunday)"
    ]
    assert (addresses.new, addresses.changed, addresses.skipped) == (0, 1, 1)
    assert [str(i) for i in addresses.issues] == [
        "bin-addresses: record 6: address '100050600002' names unknown round(s) R9"
    ]
    assert [str(i) for i in changes.issues] == [
        "bin-exceptions: record 9: exception for 2027-01-01: that is not a collection day of any round"
    ]
    assert set(stored(app, Round)) == {"R1", "R2", "R3", "R4", "R6"}
    assert stored(app, Address)["100050535001"].rounds == "R1;R2;R3;R6"
    assert len(stored(app, Change)) == 7, "the earlier exceptions are all still there"


def test_a_feed_that_cannot_be_read_leaves_what_was_loaded(bins_app, civic_feed_server):
    app = bins_app()
    with app.app_context():
        pull_all(app)
    civic_feed_server.add("/rounds.csv", "", status=500)
    with app.app_context():
        results = pull_all(app, force=True)
    assert results[0].outcome == "failed"
    assert len(stored(app, Round)) == 4


def test_the_address_and_exception_checks_read_the_rounds_once_per_pull(bins_app, civic_feed_server):
    many = "".join(f'1000999{n:05d},"{n} Long Street, York",YO31 7EW,R1;R2\n' for n in range(300))
    app = bins_app(addresses=fixture_text("addresses.csv") + many)
    reads: list[str] = []

    def count(conn, cursor, statement, *args):
        if "FROM bin_collections_round" in statement:
            reads.append(statement)

    with app.app_context():
        pull_in_order(app, ["bin-rounds"])
        engine = db_session().get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            addresses, changes = pull_in_order(app, ["bin-addresses", "bin-exceptions"])
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert (addresses.new, addresses.skipped, changes.new) == (304, 0, 7)
    assert len(reads) == 1, "one read of the rounds for 304 addresses and 7 exceptions, not one per row"
