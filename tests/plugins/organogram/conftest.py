"""Shared set-up for the organogram tests: an app with the plugin, and a resident's way through it.

Residents sign in and confirm groups by following links the plugin emails them, so the helpers read
the messages queued in the core outbox exactly as a resident reads their email (one test delivers
them for real to an SMTP sink).
"""

from __future__ import annotations

import re
from pathlib import Path

import civicapps_organogram as organogram
import pytest
from flask import Flask
from flask.testing import FlaskClient

from civicapps import messages_to
from civicapps.notify.direct import DirectMessage
from civicapps.testing import AppFactory, CivicRunner

PLUGIN = ("organogram", organogram)
FIXTURES = Path(__file__).parent / "fixtures"
SENIOR, JUNIOR = FIXTURES / "onr-senior.csv", FIXTURES / "onr-junior.csv"
CSRF = re.compile(r'name="(?:[a-z]+-)?csrf_token"[^>]*value="([^"]+)"')


def mail_config(sink_port: int = 25) -> dict[str, object]:
    """Email through an SMTP relay on 127.0.0.1 (a real sink, or a closed port when nothing is delivered)."""
    return {
        "plugins": {
            "notify": {
                "mail_url": f"mailto://127.0.0.1:{sink_port}?from=groups@council.example&mode=insecure",
                "egress_allow": [f"127.0.0.1:{sink_port}"],
            }
        }
    }


@pytest.fixture
def civic_app_factory(civic_app_factory: AppFactory) -> AppFactory:
    """The core factory, with email configured: the plugin emails sign-in and confirmation links."""

    def make(*, config: dict | None = None, mail_port: int = 25, **kwargs: object) -> Flask:
        merged = {**mail_config(mail_port), **(config or {})}
        merged["plugins"] = {**mail_config(mail_port)["plugins"], **(config or {}).get("plugins", {})}
        return civic_app_factory(config=merged, **kwargs)

    return make


@pytest.fixture
def app(civic_app_factory: AppFactory) -> Flask:
    return civic_app_factory(plugins=[PLUGIN])


def messages(app: Flask, to: str) -> list[DirectMessage]:
    """What the plugin has emailed to ``to``, oldest first."""
    with app.test_request_context():
        return messages_to("email", to, "organogram:")


def link_in(message: DirectMessage) -> str:
    """The path of the first link in a message (the test client needs no host)."""
    url = re.search(r"https?://[^\s]+", message.text)
    assert url, message.text
    return re.sub(r"^https?://[^/]+", "", url.group(0))


def csrf(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path``."""
    html = client.get(path).get_data(as_text=True)
    found = CSRF.search(html)
    assert found, f"no form on {path}"
    return found.group(1)


def post_form(client: FlaskClient, page: str, action: str | None = None, **data: object):  # noqa: ANN201
    """Submit the form found on ``page`` (to ``action``, default the page) with a genuine token."""
    return client.post(action or page, data={"csrf_token": csrf(client, page), **data})


def sign_in(app: Flask, client: FlaskClient, email: str) -> None:
    """Sign ``client`` in as ``email`` through the emailed link."""
    post_form(client, "/organogram/sign-in", email=email)
    link = link_in(messages(app, email)[-1])
    response = post_form(client, link)
    assert response.status_code == 302, response.get_data(as_text=True)


def register_group(
    app: Flask, client: FlaskClient, email: str, name: str = "Friends of Athol Park", **fields: object
) -> int:
    """Register and confirm a group as ``email`` (who becomes its admin); returns the group id."""
    data = {
        "name": name,
        "description": "We look after Athol Park.",
        "theme": "environment",
        "area": "Port Erin",
        "parent_id": "0",
        "contact_email": "friends@athol.example.org",
        "your_email": email,
    } | fields
    response = post_form(client, "/organogram/register", **data)
    assert "Check your email" in response.get_data(as_text=True), response.get_data(as_text=True)
    link = link_in(messages(app, email)[-1])
    response = post_form(client, link)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/groups/")[1].split("/")[0])


def import_fixture(app: Flask) -> None:
    result = CivicRunner(app).invoke(["organogram", "import", str(SENIOR), str(JUNIOR)])
    assert result.exit_code == 0, result.output
