"""Shared set-up for the organogram tests: an app with the plugin, and a resident's way through it.

Residents sign in and confirm groups by following links that the plugin puts in its outbox, so the
helpers read the outbox exactly as a resident reads their email.
"""

from __future__ import annotations

import re
from pathlib import Path

import civicapps_organogram as organogram
import pytest
from civicapps_organogram.models import OutboxMessage
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from civicapps import db_session
from civicapps.testing import AppFactory, CivicRunner

PLUGIN = ("organogram", organogram)
FIXTURES = Path(__file__).parent / "fixtures"
SENIOR, JUNIOR = FIXTURES / "onr-senior.csv", FIXTURES / "onr-junior.csv"
CSRF = re.compile(r'name="(?:[a-z]+-)?csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def app(civic_app_factory: AppFactory) -> Flask:
    return civic_app_factory(plugins=[PLUGIN])


def messages(app: Flask, to: str | None = None) -> list[OutboxMessage]:
    """What the plugin would have sent (to ``to``), oldest first."""
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            query = query.where(OutboxMessage.to_email == to)
        return list(db_session().scalars(query))


def link_in(message: OutboxMessage) -> str:
    """The path of the first link in a message (the test client needs no host)."""
    url = re.search(r"https?://[^\s]+", message.body)
    assert url, message.body
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
