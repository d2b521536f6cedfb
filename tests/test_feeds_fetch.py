"""Fetching: validators (one 304 for an unchanged feed), retries with backoff, timeouts, size cap,
truncated downloads, file:// and local paths, a polite User-Agent."""

import re
import time
from email.utils import formatdate

import pytest
from http_support import scripted_server

from civicapps.feeds.errors import FeedError
from civicapps.feeds.fetch import Fetcher, FetchSettings


def fetcher(**overrides):
    settings = {
        "user_agent": "civicapps/test (+https://council.example)",
        "timeout": 1.0,
        "retries": 2,
        "backoff": 0.01,
        **overrides,
    }
    return Fetcher(FetchSettings(**settings))


def test_unchanged_feed_costs_one_304(civic_feed_server):
    url = civic_feed_server.add("/a.csv", "ref\n1\n")
    f = fetcher()
    first = f.get(url)
    assert first.body == b"ref\n1\n" and first.etag
    again = f.get(url, etag=first.etag)
    assert again.not_modified and civic_feed_server.hits("/a.csv") == 2
    assert civic_feed_server.requests[-1][2]["If-None-Match"] == first.etag


def test_if_modified_since_is_sent_and_honoured(civic_feed_server):
    url = civic_feed_server.add("/b.csv", "ref\n1\n", etag=False, last_modified=True)
    first = fetcher().get(url)
    assert first.last_modified and first.etag is None
    assert fetcher().get(url, last_modified=first.last_modified).not_modified


def test_polite_user_agent(civic_feed_server):
    fetcher().get(civic_feed_server.add("/c.csv", "x\n"))
    assert civic_feed_server.requests[-1][2]["User-Agent"] == "civicapps/test (+https://council.example)"


def test_server_errors_are_retried_with_backoff(civic_feed_server):
    url = civic_feed_server.add("/flaky.csv", "ref\n1\n", fail_times=2)
    assert fetcher(retries=2).get(url).body == b"ref\n1\n"
    assert civic_feed_server.hits("/flaky.csv") == 3


def test_persistent_500_is_one_clear_error(civic_feed_server):
    url = civic_feed_server.add("/down.csv", "ref\n", fail_times=99)
    with pytest.raises(
        FeedError,
        match=r"Cannot fetch .*/down.csv: the server answered HTTP 500 Internal Server Error \(tried 3 times\)",
    ):
        fetcher(retries=2).get(url)


def test_client_errors_are_not_retried(civic_feed_server):
    with pytest.raises(FeedError, match="HTTP 404"):
        fetcher().get(civic_feed_server.url("/missing.csv"))
    assert len(civic_feed_server.requests) == 1


def test_timeout_is_retried_then_reported(civic_feed_server):
    url = civic_feed_server.add("/slow.csv", "ref\n", delay=1.0)
    with pytest.raises(FeedError, match=r"no answer within 0.2 s \(timeout\) \(tried 2 times\)"):
        fetcher(timeout=0.2, retries=1).get(url)


def test_size_cap_stops_reading(civic_feed_server):
    url = civic_feed_server.add("/big.csv", "x" * 5000)
    with pytest.raises(FeedError, match="5,000 bytes, over the 1,000-byte limit"):
        fetcher(max_bytes=1000).get(url)


def test_truncated_download_is_reported(civic_feed_server):
    url = civic_feed_server.add("/cut.csv", "ref,desc\n1,one\n", truncate=True)
    with pytest.raises(FeedError, match="cut short"):
        fetcher(retries=0).get(url)


def test_api_keys_in_query_strings_stay_out_of_messages(civic_feed_server):
    with pytest.raises(FeedError) as caught:
        fetcher().get(civic_feed_server.url("/nope.json") + "?key=SECRET")
    assert "SECRET" not in str(caught.value)


@pytest.mark.parametrize("as_url", [True, False], ids=["file-url", "plain-path"])
def test_local_files_with_mtime_validators(tmp_path, as_url):
    path = tmp_path / "drop folder" / "list.csv"
    path.parent.mkdir()
    path.write_text("ref\n1\n")
    target = path.as_uri() if as_url else str(path)
    first = fetcher().get(target)
    assert first.body == b"ref\n1\n"
    assert fetcher().get(target, etag=first.etag).not_modified
    path.write_text("ref\n1\n2\n")
    assert fetcher().get(target, etag=first.etag).body == b"ref\n1\n2\n"


def test_missing_file_and_unsupported_scheme():
    with pytest.raises(FeedError, match="Cannot read /no/such/file.csv"):
        fetcher().get("/no/such/file.csv")
    with pytest.raises(FeedError, match="only http, https and file URLs"):
        fetcher().get("ftp://example.org/list.csv")


def test_a_trickling_server_is_cut_off_at_the_deadline(civic_feed_server):
    """One byte every 0.05 s never trips the 1 s read timeout; max_seconds ends the fetch anyway."""
    url = civic_feed_server.add("/trickle.csv", "ref,desc\n" + "1,x\n" * 48, trickle=0.05)
    started = time.monotonic()
    with pytest.raises(FeedError) as caught:
        fetcher(max_seconds=0.6, retries=2).get(url)
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert re.fullmatch(
        r"Cannot fetch http://127\.0\.0\.1:\d+/trickle\.csv: the server sent only \d+ bytes in 0\.\d s; "
        r"the limit is 0\.6 s per fetch \(max_seconds\)\.",
        message,
    ), message
    assert 0 < int(re.search(r"only (\d+) bytes", message).group(1)) < 201
    assert elapsed < 0.6 + 1.0, "within the limit (plus less than one read timeout), not after the whole body"
    assert civic_feed_server.hits("/trickle.csv") == 1, "running out of time is not retried"


def test_retry_after_is_honoured_as_seconds_or_as_an_http_date(monkeypatch):
    pauses = []
    monkeypatch.setattr("civicapps.feeds.fetch.time.sleep", pauses.append)
    with scripted_server() as server:
        server.answers = [
            (503, {"Retry-After": "7"}),
            (429, {"Retry-After": formatdate(time.time() + 30, usegmt=True)}),
            (200, {}),
        ]
        assert fetcher(retries=2, backoff=0.01).get(server.url).body == b"ok"
    assert pauses[0] == 7 and 28 <= pauses[1] <= 30, pauses
