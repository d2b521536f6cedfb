"""The shared HTTP session: it names the council, times out, and retries only what is safe to retry,
when the server says (Retry-After in seconds or as an HTTP date). Real HTTP on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import formatdate
from typing import Any

import pytest
import requests
from http_support import Scripted, scripted_server

import civicapps
from civicapps.feeds.pull import fetcher_for
from civicapps.geo.geocoding import postcode_service
from civicapps.http import build_session, retry_after_seconds


@pytest.fixture
def server() -> Iterator[Scripted]:
    with scripted_server() as state:
        yield state


def test_the_apps_session_names_the_council_and_civicapps(civic_app_factory: Any, server: Scripted) -> None:
    app = civic_app_factory(
        config={"council": {"name": "City of York Council", "website": "https://www.york.gov.uk"}}, migrate=False
    )
    with app.app_context():
        session = civicapps.http_session()
        assert session.get(server.url).status_code == 200
    assert civicapps.http_session(app) is session, "one session per app, shared"
    agent = server.seen[0][1]["User-Agent"]
    assert agent == f"civicapps/{civicapps.__version__} (City of York Council; +https://www.york.gov.uk)"


def test_feed_pulls_and_postcode_lookups_carry_the_same_user_agent(civic_app_factory: Any, server: Scripted) -> None:
    """With no ``[plugins.feeds] user_agent`` set, every request the host makes names the council alike."""
    app = civic_app_factory(
        config={
            "council": {"name": "City of York Council", "website": "https://www.york.gov.uk"},
            "plugins": {"geo": {"postcodes_io_url": server.url}},
        },
        migrate=False,
    )
    fetcher_for(app).get(server.url)
    online = postcode_service(app).online
    assert online is not None
    online.lookup("YO1 7HH")
    expected = civicapps.http_session(app).headers["User-Agent"]
    assert [headers["User-Agent"] for _, headers, _ in server.seen] == [expected, expected]


def test_a_503_with_retry_after_in_seconds_is_retried_after_the_wait(server: Scripted) -> None:
    server.answers = [(503, {"Retry-After": "1"}), (200, {})]
    response = build_session("test").get(server.url)
    assert response.status_code == 200 and len(server.seen) == 2
    assert server.seen[1][2] - server.seen[0][2] >= 0.9


def test_a_retry_after_http_date_is_honoured(server: Scripted) -> None:
    server.answers = [(503, {"Retry-After": formatdate(time.time() + 2, usegmt=True)}), (200, {})]
    response = build_session("test").get(server.url)
    assert response.status_code == 200 and len(server.seen) == 2
    assert server.seen[1][2] - server.seen[0][2] >= 0.9  # the date has one-second resolution


def test_a_post_is_never_sent_twice(server: Scripted) -> None:
    server.answers = [(503, {"Retry-After": "0"}), (200, {})]
    response = build_session("test").post(server.url, data={"report": "pothole"})
    assert response.status_code == 503 and len(server.seen) == 1


def test_out_of_retries_the_caller_gets_the_servers_last_answer(server: Scripted) -> None:
    server.answers = [(502, {})]
    response = build_session("test", retries=2).get(server.url)
    assert response.status_code == 502 and len(server.seen) == 3


def test_a_long_retry_after_goes_back_to_the_caller_at_once(server: Scripted) -> None:
    server.answers = [(429, {"Retry-After": "3600"}), (200, {})]
    started = time.monotonic()
    response = build_session("test").get(server.url)
    assert response.status_code == 429 and response.headers["Retry-After"] == "3600"
    assert len(server.seen) == 1 and time.monotonic() - started < 1


def test_other_errors_are_not_retried(server: Scripted) -> None:
    server.answers = [(500, {}), (200, {})]
    assert build_session("test").get(server.url).status_code == 500 and len(server.seen) == 1


def test_a_default_timeout_applies_when_the_caller_gives_none(server: Scripted) -> None:
    server.delay = 0.5
    with pytest.raises(requests.ReadTimeout):
        build_session("test", timeout=(1.0, 0.1)).get(server.url)
    assert build_session("test", timeout=(1.0, 0.1)).get(server.url, timeout=2).status_code == 200


def test_retry_after_in_both_forms() -> None:
    assert retry_after_seconds("120") == 120
    assert 58 <= retry_after_seconds(formatdate(time.time() + 60, usegmt=True)) <= 60
    assert retry_after_seconds(formatdate(time.time() - 60, usegmt=True)) == 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
