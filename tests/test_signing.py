"""civicapps.sign / unsign: one signer for every link; purposes kept apart, tampering and old tokens refused."""
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from civicapps import sign, unsign


@pytest.fixture
def app(civic_app_factory):
    app = civic_app_factory(migrate=False)
    with app.app_context():
        yield app


@pytest.mark.parametrize("value", [7, "4f2a" * 16, {"e": "ann@example.org", "g": 3}, "Pen-y-bryn, Ynys Môn"])
def test_a_token_gives_back_its_value_for_its_purpose_only(app, value):
    token = sign("notice_board.confirm", value)
    assert unsign("notice_board.confirm", token) == value
    assert unsign("notice_board.unsubscribe", token) is None, "a token for one purpose opens nothing else"
    assert unsign("other_plugin.confirm", token) is None


def test_forged_and_mangled_tokens_give_none(app, civic_app_factory):
    token = sign("notice_board.confirm", 42)
    assert unsign("notice_board.confirm", token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert unsign("notice_board.confirm", "not-a-token") is None
    assert unsign("notice_board.confirm", "") is None
    other = civic_app_factory(config={"secret_key": "another-secret"}, migrate=False)
    with other.app_context():
        assert unsign("notice_board.confirm", token) is None, "another deployment's key opens nothing here"


def test_max_age_refuses_old_tokens(app, monkeypatch):
    token = sign("notice_board.confirm", 42)
    assert unsign("notice_board.confirm", token, timedelta(hours=1)) == 42
    later = int(time.time()) + 3601
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    assert unsign("notice_board.confirm", token, timedelta(hours=1)) is None
    assert unsign("notice_board.confirm", token, timedelta(hours=2)) == 42
    assert unsign("notice_board.confirm", token) == 42, "without max_age any age is accepted"


@pytest.mark.parametrize(
    "salt, value",
    [
        ("civicapps.notify.unsubscribe", 12),
        ("street_reports.confirm-report", 5),
        ("civicapps-organogram-sign-in", {"e": "ann@example.org", "n": "/organogram/" * 20, "t": 1.5}),
    ],
)
def test_links_already_sent_keep_working(app, salt, value):
    """Tokens the three former signers made (plain itsdangerous, compressed when that was shorter) still
    open, and new ones are plain itsdangerous tokens."""
    plain = URLSafeTimedSerializer(app.secret_key, salt=salt)
    old = plain.dumps(value)
    assert unsign(salt, old) == value
    assert plain.loads(sign(salt, value)) == value
