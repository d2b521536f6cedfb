"""Rate limits shared across processes: civicapps.RateLimit on the database and on Redis."""
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from civicapps import RateLimit
from civicapps import limits as limits_module
from civicapps.auth import create_user
from civicapps.db import db_session
from civicapps.limits import RateCount

HOUR = timedelta(hours=1)


@pytest.fixture(params=["database", "redis"])
def app(request, civic_app_factory):
    """An app counting in its database (the default), or in Redis (when the job queue is on Redis)."""
    if request.param == "redis":
        return civic_app_factory(config={"queue_url": request.getfixturevalue("redis_url")})
    return civic_app_factory()


def test_allows_the_limit_then_refuses_without_counting_refusals(app):
    signups = RateLimit("test.signup", limit=3, per=HOUR)
    with app.test_request_context():
        assert [signups.hit("203.0.113.7") for _ in range(5)] == [True, True, True, False, False]
        assert signups.hit("203.0.113.8"), "each key has its own count"
        assert RateLimit("test.other", limit=3, per=HOUR).hit("203.0.113.7"), "each limit has its own count"
        signups.undo("203.0.113.7")
        assert signups.hit("203.0.113.7"), "an undone hit no longer counts"
        assert not signups.hit("203.0.113.7"), "refused hits were not counted, so one undo frees exactly one"


def test_the_window_slides(app, monkeypatch):
    now = [1_000_000 * 3600.0]  # the start of an hour
    monkeypatch.setattr(limits_module.time, "time", lambda: now[0])
    signups = RateLimit("test.signup", limit=4, per=HOUR)
    with app.test_request_context():
        assert all(signups.hit("a") for _ in range(4))
        now[0] += 3600 + 900  # a quarter into the next hour: three quarters of the last hour's 4 still count
        assert signups.hit("a") and not signups.hit("a"), "3 + 1 allowed, 3 + 2 is over 4"
        now[0] += 2700  # the last hour's single hit is now the previous window, fully overlapping
        assert [signups.hit("a") for _ in range(4)] == [True, True, True, False]


def test_database_counts_are_hashed_and_pruned(civic_app_factory, monkeypatch):
    app = civic_app_factory()
    now = [1_000_000 * 3600.0]
    monkeypatch.setattr(limits_module.time, "time", lambda: now[0])
    signups = RateLimit("test.signup", limit=3, per=HOUR)
    with app.test_request_context():
        for address in ("203.0.113.7", "203.0.113.8"):
            signups.hit(address)
        keys = db_session().scalars(select(RateCount.key)).all()
        assert len(keys) == 2 and not any("203.0.113" in key for key in keys), "addresses are not stored"
        now[0] += 2 * 3600 + 1  # both windows have passed
        signups.hit("203.0.113.9")
        assert db_session().scalar(select(func.count()).select_from(RateCount)) == 1, "passed windows deleted"


def test_a_limit_is_shared_by_apps_on_the_same_database(civic_app_factory):
    """Two app instances (two web processes' worth of engines and sessions) on one database."""
    first = civic_app_factory()
    url = first.extensions["civicapps"].db.url.render_as_string(hide_password=False)
    second = civic_app_factory(config={"database_url": url}, migrate=False)
    signups = RateLimit("test.signup", limit=4, per=HOUR)
    allowed = 0
    for turn in range(10):
        with (first if turn % 2 else second).test_request_context():
            allowed += signups.hit("203.0.113.7")
    assert allowed == 4


def test_redis_store_leaves_the_database_alone(civic_app_factory, redis_url):
    app = civic_app_factory(config={"queue_url": redis_url})
    with app.test_request_context():
        assert RateLimit("test.signup", limit=1, per=HOUR).hit("a")
        assert db_session().scalar(select(func.count()).select_from(RateCount)) == 0


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        RateLimit("test.nothing", limit=0, per=HOUR)


# --- Real gunicorn, four worker processes: the finding was 20 of 60 guesses getting through.

GUNICORN_APP = """
from civicapps import create_app
app = create_app(load_entrypoints=False)
"""


@pytest.fixture(params=["database", "redis"])
def gunicorn_server(request, civic_app_factory, tmp_path):
    pytest.importorskip("gunicorn")
    config = {"queue_url": request.getfixturevalue("redis_url")} if request.param == "redis" else {}
    app = civic_app_factory(config=config)
    with app.app_context():
        create_user("officer@douglas.example", "Pat Officer", "a-long-staff-password")
    (tmp_path / "served.py").write_text(GUNICORN_APP)
    port = _free_port()
    env = {
        **os.environ,
        "CIVICAPPS_DATABASE_URL": app.extensions["civicapps"].db.url.render_as_string(hide_password=False),
        "CIVICAPPS_SECRET_KEY": "test-secret-key",
        "CIVICAPPS_INSTANCE_PATH": str(tmp_path / "served-instance"),
        **({"CIVICAPPS_QUEUE_URL": config["queue_url"]} if config else {}),
    }
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "--workers", "4",
            "--bind", f"127.0.0.1:{port}", "--chdir", str(tmp_path), "served:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/-/health", timeout=5)
            break
        except requests.RequestException:
            assert server.poll() is None, server.stderr.read().decode()
            time.sleep(0.2)
    yield base
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def _free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _guess(base, email):
    """One wrong sign-in from a fresh browser: True if it reached the password check, False if refused."""
    with requests.Session() as browser:
        page = browser.get(base + "/-/login", timeout=30)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        answer = browser.post(
            base + "/-/login", data={"email": email, "password": "wrong-password-here", "csrf_token": token}, timeout=30
        )
    assert answer.status_code in (422, 429), answer.text  # 422: the sign-in page again, with its error
    return answer.status_code == 422


@pytest.mark.slow
def test_sign_in_limits_hold_across_gunicorn_workers(gunicorn_server):
    with ThreadPoolExecutor(8) as pool:
        one_account = list(pool.map(lambda _: _guess(gunicorn_server, "officer@douglas.example"), range(60)))
        many_accounts = list(pool.map(lambda n: _guess(gunicorn_server, f"guess{n}@douglas.example"), range(60)))
    assert sum(one_account) == 5, "guesses at one account: 5 in 5 minutes, whichever worker answers"
    assert sum(one_account) + sum(many_accounts) == 20, "attempts from one address: 20 in 5 minutes"


def test_while_redis_is_down_the_database_counts(civic_app_factory, caplog):
    app = civic_app_factory(config={"queue_url": f"redis://127.0.0.1:{_free_port()}/0"})  # nothing listens there
    signups = RateLimit("test.signup", limit=2, per=HOUR)
    with app.test_request_context():
        assert [signups.hit("a") for _ in range(3)] == [True, True, False], "limits still hold, no request fails"
        assert db_session().scalar(select(func.sum(RateCount.count))) == 2
    assert "Rate limits are counted in the database while Redis is unreachable" in caplog.text


def test_an_ipv6_address_counts_for_its_whole_slash_64(civic_app_factory):
    app = civic_app_factory()
    signups = RateLimit("test.signup", limit=2, per=HOUR)
    with app.test_request_context():
        assert signups.hit("2001:db8:1:2::1") and signups.hit("2001:db8:1:2:ffff::9")
        assert not signups.hit("2001:db8:1:2:abcd::1"), "the same /64"
        assert signups.hit("2001:db8:1:3::1"), "the next /64 is someone else"
        assert signups.hit("::ffff:192.0.2.1") and signups.hit("192.0.2.1") and not signups.hit("192.0.2.1")
