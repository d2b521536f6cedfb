"""An app with the bin_collections plugin, and the fixtures' rounds and exceptions as engine values."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import civicapps_bin_collections as bin_collections
import pytest
from civicapps_bin_collections import clock
from civicapps_bin_collections.feeds import pull_all
from civicapps_bin_collections.schedule import LONDON, Change, RoundRule, parse_rounds

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


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


@pytest.fixture
def bins_app(civic_app_factory, civic_feed_server, civic_notification_sink):
    """``bins_app(rounds=..., addresses=..., exceptions=..., **settings)``: an app whose standard feeds
    are served from 127.0.0.1 (the fixtures' files unless other text is given)."""

    def make(
        rounds: str | None = None,
        addresses: str | None = None,
        exceptions: str | None = None,
        notify: dict | None = None,
        **settings,
    ):
        urls = {
            "rounds_url": civic_feed_server.add("/rounds.csv", rounds or fixture_text("rounds.csv")),
            "addresses_url": civic_feed_server.add("/addresses.csv", addresses or fixture_text("addresses.csv")),
            "exceptions_url": civic_feed_server.add("/exceptions.csv", exceptions or fixture_text("exceptions.csv")),
        }
        config = {
            "queue_url": "immediate:",
            "plugins": {
                "feeds": {"retries": 1, "backoff_seconds": 0.01, "timeout_seconds": 2},
                "notify": civic_notification_sink.notify_settings(**(notify or {})),
                "bin_collections": {"week_a_starts": "2027-01-04", **urls, **settings},
            },
        }
        return civic_app_factory(plugins=[PLUGIN], config=config)

    return make


@pytest.fixture
def loaded_app(bins_app):
    """The fixtures' rounds, addresses and exceptions pulled; the plugin's clock at ``set_now``."""

    def make(**settings):
        app = bins_app(**settings)  # the same keywords as bins_app
        with app.app_context():
            results = pull_all(app)
        assert all(r.outcome == "ingested" and not r.skipped for r in results), [r.summary() for r in results]
        return app

    return make


@pytest.fixture
def set_now(monkeypatch):
    """Sets the plugin's clock to an aware datetime (or a London wall time given as text)."""

    def at(when: dt.datetime | str) -> dt.datetime:
        if isinstance(when, str):
            when = dt.datetime.fromisoformat(when).replace(tzinfo=LONDON)
        monkeypatch.setattr(clock, "now", lambda: when)
        return when

    return at
