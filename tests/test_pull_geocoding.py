"""Postcodes in a pull of the 2,498-row Isle of Man weekly file: the imported table first, then
postcodes.io in bulk (100 a request), each distinct postcode asked once, a failure asked once per pull
(offline: one failed connection, not one per row), and ``--since`` applied before anything is placed.
Counted on real HTTP servers on 127.0.0.1."""

import csv
import io
import json
import socket
import threading
import time

import pytest
from feeds_support import IOM_WEEKLY, PLANNING
from test_pull_command import MAPPING

from civicapps.db import get_database
from civicapps.geo.models import Postcode
from civicapps.geo.postcodes import find_postcode
from civicapps.testing import CivicRunner

#: Postcodes with coordinates in the imported table of these tests (the first rows' postcodes).
TABLE = {"IM2 2QY": (54.16731, -4.49732), "IM1 2LW": (54.15189, -4.47787), "IM2 2EF": (54.16020, -4.49300)}


def weekly_postcodes(since: str = "") -> set[str]:
    """Distinct postcodes in the Details of rows received on or after ``since`` (ISO)."""
    found = set()
    with IOM_WEEKLY.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            received = time.strftime("%Y-%m-%d", time.strptime(row["Date"], "%d %b %Y"))
            postcode = find_postcode(row["Details"].replace("\\n", " "))
            if postcode and received >= since:
                found.add(postcode)
    return found


@pytest.fixture
def asked(civic_feed_server, civic_postcodes_io):
    """Each bulk request's postcodes, in order; single lookups are counted on their route."""
    requests: list[list[str]] = []

    def bulk(request):
        requests.append(json.loads(request.body)["postcodes"])
        return civic_postcodes_io.bulk(request)

    civic_feed_server.add("/postcodes.io/postcodes", handler=bulk)
    return requests


def app_with_table(civic_app_factory, postcodes_io_url):
    app = civic_app_factory(
        plugins=[("planning", PLANNING)], config={"plugins": {"geo": {"postcodes_io_url": postcodes_io_url}}}
    )
    with get_database(app).sessionmaker() as session:
        session.add_all(
            Postcode(postcode=pc, latitude=lat, longitude=lon, source="onspd") for pc, (lat, lon) in TABLE.items()
        )
        session.commit()
    return app


def test_postcodes_go_in_bulk_each_once_and_the_table_first(
    civic_app_factory, civic_postcodes_io, civic_feed_server, asked, tmp_path
):
    (tmp_path / "iom.toml").write_text(MAPPING)
    app = app_with_table(civic_app_factory, civic_postcodes_io.url)
    result = CivicRunner(app).invoke(["pull", str(IOM_WEEKLY), "--mapping", str(tmp_path / "iom.toml")])
    assert result.exit_code == 0, result.output
    rows = {r["reference"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["24/91042/B"]["latitude"] == "54.16731"  # from the table
    every = [pc for request in asked for pc in request]
    assert len(every) == len(set(every)) == len(weekly_postcodes() - set(TABLE))  # each distinct postcode once
    assert not set(every) & set(TABLE) and all(len(request) <= 100 for request in asked)
    assert len(asked) <= -(-len(every) // 100) + 1  # full requests; each 2,000-row batch may leave one part-full
    assert civic_feed_server.hits("/postcodes.io/postcodes/") == 0  # never one GET per postcode


class Unreachable:
    """A "postcodes.io" on 127.0.0.1 that accepts each connection and hangs up at once (counted)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def test_offline_a_pull_costs_one_failed_connection_not_one_per_row(civic_app_factory, tmp_path):
    (tmp_path / "iom.toml").write_text(MAPPING)
    server = Unreachable()
    try:
        app = app_with_table(civic_app_factory, server.url)
        result = CivicRunner(app).invoke(["pull", str(IOM_WEEKLY), "--mapping", str(tmp_path / "iom.toml")])
    finally:
        server.sock.close()
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2498 and sum(1 for r in rows if r["latitude"]) == sum(1 for r in rows if r["postcode"] in TABLE)
    assert server.connections == 1
    assert "could not be looked up: postcodes.io unreachable" in result.stderr


def test_since_is_applied_before_any_postcode_is_looked_up(civic_app_factory, civic_postcodes_io, asked, tmp_path):
    (tmp_path / "iom.toml").write_text(MAPPING)
    app = app_with_table(civic_app_factory, civic_postcodes_io.url)
    args = ["pull", str(IOM_WEEKLY), "--mapping", str(tmp_path / "iom.toml"), "--since", "2024-10-01"]
    result = CivicRunner(app).invoke(args)
    assert result.exit_code == 0, result.output
    recent = weekly_postcodes("2024-10-01")
    assert {pc for request in asked for pc in request} == recent - set(TABLE)
    assert len(recent) < len(weekly_postcodes()) / 5
    kept = list(csv.DictReader(io.StringIO(result.stdout)))
    assert kept and all(r["received"] >= "2024-10-01" for r in kept)


class Blackhole:
    """A 127.0.0.1 port whose connections never complete, as a firewalled or offline host behaves:
    a listening socket with a full backlog that never accepts, so further SYNs are dropped."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.fillers = []
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(self.sock.getsockname())
            self.fillers.append(filler)

    def close(self):
        for s in (*self.fillers, self.sock):
            s.close()


def test_postcodes_lookup_fails_fast_offline_and_says_what_to_do(civic_app_factory):
    hole = Blackhole()
    try:
        app = civic_app_factory(config={"plugins": {"geo": {"postcodes_io_url": hole.url}}})
        runner = CivicRunner(app)
        started = time.monotonic()
        result = runner.invoke(["postcodes", "lookup", "SW1A 1AA"])
        took = time.monotonic() - started
        started = time.monotonic()
        again = runner.invoke(["postcodes", "lookup", "EX16 5BL"])  # e.g. the next resident's search
        took_again = time.monotonic() - started
    finally:
        hole.close()
    assert took < 6, f"took {took:.1f} s"
    assert result.exit_code == 1
    assert "SW1A 1AA: postcode SW1A 1AA could not be looked up: postcodes.io unreachable" in result.stdout
    assert "civicapps postcodes import FILE.csv" in result.stderr
    assert took_again < 1, f"the next lookup waited {took_again:.1f} s on a postcodes.io known to be unreachable"
    assert again.exit_code == 1 and "EX16 5BL: postcode EX16 5BL could not be looked up" in again.stdout
