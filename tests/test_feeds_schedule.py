"""Scheduling (intervals, a lease so two schedulers pull once), staleness and the failing flag, as
staff see them in ``civicapps feeds list|show|pull`` and on ``/-/feeds``."""

import json
import re
from datetime import timedelta

from feeds_support import count, planning_app_fixture  # noqa: F401 - the planning_app fixture

from civicapps.auth import create_user
from civicapps.clock import utcnow
from civicapps.db import get_database
from civicapps.feeds import pull_due_feeds, pull_feed
from civicapps.feeds.models import FeedState
from civicapps.feeds.schedule import _claim, statuses
from civicapps.testing import CivicRunner

FEED = {
    "dataset": "planning.application",
    "format": "csv",
    "authority": "T",
    "mapping": {"reference": "ref", "description": "desc"},
}


def app_with_feeds(planning_app, civic_feed_server, **extra):
    good = civic_feed_server.add("/good.csv", "ref,desc\n1,Shed\n2,Porch\n")
    feeds = {
        "hourly": {**FEED, "url": good, "interval": "1h"},
        "daily": {**FEED, "url": good + "?daily", "interval": "1d"},
        "off": {**FEED, "url": good, "enabled": False},
        "broken": {**FEED, "url": civic_feed_server.url("/gone.csv"), "interval": "1h", "failing_after": "1d"},
    }
    return planning_app(feeds=feeds, **extra)


def fail_for(app, name, days):
    with get_database(app).sessionmaker() as session:
        session.get(FeedState, name).failing_since = utcnow() - timedelta(days=days)
        session.commit()


def test_pull_due_feeds_respects_intervals(planning_app, civic_feed_server):
    app = app_with_feeds(planning_app, civic_feed_server)
    first = pull_due_feeds(app)
    assert sorted(r.feed for r in first) == ["broken", "daily", "hourly"]
    assert pull_due_feeds(app) == [], "nothing is due straight after"
    later = pull_due_feeds(app, utcnow() + timedelta(hours=2))
    assert sorted(r.feed for r in later) == ["broken", "hourly"]
    assert [r.outcome for r in later if r.feed == "hourly"] == ["not_modified"]
    assert count(app) == 2


def test_two_schedulers_pull_a_feed_once(planning_app, civic_feed_server):
    app = app_with_feeds(planning_app, civic_feed_server)
    now = utcnow()
    assert _claim(app, "hourly", now) is True
    assert _claim(app, "hourly", now) is False
    assert _claim(app, "hourly", now + timedelta(hours=1)) is True, "a dead scheduler's lease runs out"


def test_failing_feed_is_flagged_after_its_threshold(planning_app, civic_feed_server):
    app = app_with_feeds(planning_app, civic_feed_server)
    pull_due_feeds(app)
    broken = {s.name: s for s in statuses(app)}["broken"]
    assert broken.failing_for is not None and not broken.flagged
    fail_for(app, "broken", 2)
    broken = {s.name: s for s in statuses(app)}["broken"]
    assert broken.flagged and broken.state.last_success_at is None
    civic_feed_server.add("/gone.csv", "ref,desc\n9,Back\n")
    pull_feed(app, "broken")
    assert {s.name: s for s in statuses(app)}["broken"].failing_for is None, "a success clears the flag"


def test_feeds_list_shows_health_staleness_and_counts(planning_app, civic_feed_server):
    app = app_with_feeds(planning_app, civic_feed_server)
    runner = CivicRunner(app)
    runner.invoke(["feeds", "pull"])
    fail_for(app, "broken", 3)
    table = runner.invoke(["feeds", "list"]).output.splitlines()
    assert table[0].split() == [
        "feed",
        "dataset",
        "format",
        "every",
        "last",
        "success",
        "read/kept/skipped",
        "health",
        "last",
        "error",
    ]
    hourly = next(line for line in table if line.startswith("hourly"))
    assert re.search(r"hourly\s+planning.application\s+csv\s+1 h\s+0 min\s+2/2/0\s+ok", hourly)
    broken = next(line for line in table if line.startswith("broken"))
    assert "FAILING 3 days" in broken and "Cannot fetch" in broken
    assert "never pulled" in next(line for line in table if line.startswith("off"))
    listed = {f["name"]: f for f in json.loads(runner.invoke(["feeds", "list", "--json"]).output)}
    assert listed["broken"]["flagged"] is True and listed["hourly"]["rows"]["ingested"] == 2


def test_feeds_pull_exit_status_and_messages(planning_app, civic_feed_server):
    runner = CivicRunner(app_with_feeds(planning_app, civic_feed_server))
    ok = runner.invoke(["feeds", "pull", "hourly"])
    assert ok.exit_code == 0 and ok.output.startswith(
        "hourly: read 2, ingested 2 (2 new, 0 changed, 0 unchanged), skipped 0"
    )
    assert runner.invoke(["feeds", "pull", "hourly"]).output == "hourly: not modified since the last pull (1 request)\n"
    assert "hourly: read 2" in runner.invoke(["feeds", "pull", "hourly", "--force"]).output
    failed = runner.invoke(["feeds", "pull", "broken"])
    assert (
        failed.exit_code == 1 and "broken: FAILED - Cannot fetch" in failed.output and "Traceback" not in failed.output
    )
    unknown = runner.invoke(["feeds", "pull", "nope"])
    assert (
        unknown.exit_code == 1 and unknown.output == "Error: No feed named 'nope'; feeds: hourly, daily, off, broken.\n"
    )
    everything = runner.invoke(["feeds", "pull", "--all"])
    assert "daily:" in everything.output and "off:" not in everything.output


def test_feeds_show_lists_row_issues(planning_app, civic_feed_server):
    url = civic_feed_server.add("/issues.csv", "ref,desc\n1,Shed\n2,\n")
    runner = CivicRunner(planning_app(feeds={"i": {**FEED, "url": url}}))
    runner.invoke(["feeds", "pull", "i"])
    shown = runner.invoke(["feeds", "show", "i"]).output
    assert "issues in the last pull (1 skipped, 0 warnings; first 1):" in shown
    assert "record 3, field 'description': is required but empty (from desc) (skipped)" in shown


def test_staff_page_shows_feeds_and_flags_failing_ones(planning_app, civic_feed_server):
    app = app_with_feeds(planning_app, civic_feed_server)
    pull_due_feeds(app)
    fail_for(app, "broken", 2)
    client = app.test_client()
    assert client.get("/-/feeds").status_code == 302, "staff only"
    with app.app_context():
        create_user("clerk@council.example", "Clerk", "a-long-staff-password")
    page = client.get("/-/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    client.post(
        "/-/login", data={"email": "clerk@council.example", "password": "a-long-staff-password", "csrf_token": token}
    )
    html = client.get("/-/feeds").text
    assert "1 feed failing for too long" in html and 'href="#feed-broken"' in html
    assert "2 read, 2 ingested (2 new, 0 changed), 0 skipped, 0 warnings" in html
    assert "Failing for 2 days" in html and "HTTP 404 Not Found" in html
    current = (
        r'href="/-/feeds" aria-current="page">\s*<strong class="govuk-service-navigation__active-fallback">Data feeds<'
    )
    assert re.search(current, html)


def test_feeds_list_before_migrations_is_one_line(civic_app_factory):
    result = CivicRunner(civic_app_factory(migrate=False)).invoke(["feeds", "list"])
    assert result.exit_code == 1 and result.output.startswith("Error: Cannot read the feeds' state (")
    assert result.output.rstrip().endswith("run 'civicapps db upgrade'.") and "Traceback" not in result.output


def test_worker_pulls_due_feeds_on_its_schedule(planning_app, civic_feed_server):
    """The feeds plugin's periodic job is what runs scheduled pulls: one worker tick pulls what is due."""
    app = app_with_feeds(planning_app, civic_feed_server, queue_url="immediate:")
    job = app.extensions["civicapps"].jobs["feeds.pull_due"]
    assert job.cron == "*/5 * * * *"
    result = CivicRunner(app).invoke(["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "feeds.pull_due: ok" in result.output
    assert count(app) == 2
    succeeded = {s.name: s.state is not None and s.state.last_success_at is not None for s in statuses(app)}
    assert succeeded == {"hourly": True, "daily": True, "off": False, "broken": False}


def test_a_pull_that_runs_out_of_time_is_a_failure_not_an_empty_success(planning_app, civic_feed_server):
    """A server sending a byte every 0.05 s: the pull stops at max_seconds, says why, ingests nothing."""
    url = civic_feed_server.add("/trickle.csv", "ref,desc\n1,Shed\n2,Porch\n", trickle=0.05)
    feeds_settings = {"retries": 1, "backoff_seconds": 0.01, "timeout_seconds": 2, "max_seconds": 0.5}
    feeds = {"slow": {**FEED, "url": url, "interval": "1h"}}
    app = planning_app(feeds=feeds, plugin_settings={"feeds": feeds_settings})
    result = pull_feed(app, "slow")
    assert result.outcome == "failed"
    limit = r"the server sent only \d+ bytes in 0\.\d s; the limit is 0\.5 s per fetch \(max_seconds\)"
    assert re.search(limit, result.error), result.error
    state = {s.name: s for s in statuses(app)}["slow"].state
    assert state.last_success_at is None and "the server sent only" in state.last_error
    assert count(app) == 0


def test_a_feed_as_toml_is_read_back_as_the_same_feed():
    """``Feed.as_toml`` (public: plugins print feeds with it) round-trips through tomllib and Feed."""
    import tomllib
    from datetime import timedelta

    from civicapps import Feed

    feed = Feed(
        name="weekly",
        dataset="planning.application",
        url='https://x.example/a.csv?q="1"',
        format="csv",
        interval=timedelta(hours=1, minutes=30),
        failing_after="2d",
        mapping={"reference": {"columns": ["PA Ref", "Application Number"]}, "Odd key": {"replace": {"\\n": " "}}},
        location={"postcode": {"field": "postcode"}},
    )
    text = feed.as_toml()
    assert 'interval = "1h30m"' in text and 'failing_after = "2d"' in text and "authority" not in text
    table = tomllib.loads(text)["feeds"]["weekly"]
    assert Feed(name="weekly", **table) == feed
