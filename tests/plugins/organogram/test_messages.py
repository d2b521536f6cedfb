"""The plugin's emails really leave through the core notifications layer (apprise, SMTP, a worker)."""

from __future__ import annotations

from civicapps_organogram.models import Group
from flask import Flask
from sqlalchemy import select

from civicapps import db_session
from civicapps.jobs import queue_for
from civicapps.testing import AppFactory, MailSink

from .conftest import PLUGIN, csrf, link_in, messages, post_form

GROUP = {
    "name": "Port Erin Beach Cleans",
    "description": "Monthly beach cleans.",
    "theme": "environment",
    "area": "Port Erin",
    "parent_id": "0",
    "contact_email": "hello@beach.example.org",
    "your_email": "ann@example.org",
}


def test_a_sign_in_link_is_emailed_once_through_the_core_outbox(
    civic_app_factory: AppFactory, civic_mail_sink: MailSink
) -> None:
    app = civic_app_factory(plugins=[PLUGIN], mail_port=civic_mail_sink.port, config={"queue_url": "immediate:"})
    client = app.test_client()
    post_form(client, "/organogram/sign-in", email="Ann@Example.org")
    [mail] = civic_mail_sink.wait_for(1)
    assert mail["To"] == "ann@example.org" and mail["From"] == "groups@council.example"
    assert mail["Subject"] == "Your sign-in link"
    assert "/organogram/sign-in/" in mail.get_payload(decode=True).decode()
    queue_for(app).run_once()  # the sweeper and every other periodic job: nothing goes twice
    assert len(civic_mail_sink.messages) == 1


def test_without_email_set_up_sign_in_says_so_and_stores_nothing(civic_app_factory: AppFactory) -> None:
    app = civic_app_factory(plugins=[PLUGIN], config={"plugins": {"notify": {"mail_url": None}}})
    client = app.test_client()
    response = post_form(client, "/organogram/register", **GROUP)
    assert response.status_code == 503
    assert "cannot send email yet" in response.get_data(as_text=True)
    with app.app_context():
        assert db_session().scalars(select(Group)).all() == [], "the group waits for a link that could be sent"


def test_sign_in_links_to_one_address_are_limited_per_hour(app: Flask) -> None:
    """Anyone can type any address: without a limit the form would flood someone's mailbox."""
    client = app.test_client()
    for _ in range(5):
        assert post_form(client, "/organogram/sign-in", email="ann@example.org").status_code == 200
    refused = post_form(client, "/organogram/sign-in", email="ANN@example.org")
    assert refused.status_code == 429
    assert "We have sent several sign-in links to this address in the last hour" in refused.get_data(as_text=True)
    assert len(messages(app, "ann@example.org")) == 5
    assert post_form(client, "/organogram/sign-in", email="bob@example.org").status_code == 200


def test_a_sign_in_link_brings_the_resident_back_only_to_this_site(app: Flask) -> None:
    """``next=`` survives the emailed link, so a crafted sign-in link must not end on another site."""
    client = app.test_client()
    cases = {
        "/%09/evil.example": "/organogram/my-data",  # a tab: browsers drop it and go to //evil.example
        "/%0D%0A/evil.example": "/organogram/my-data",  # CR LF: once a 500 (header injection refused)
        "/%5Cevil.example": "/organogram/my-data",
        "https://evil.example/": "/organogram/my-data",
        "/organogram/groups": "/organogram/groups",
    }
    for number, (target, expected) in enumerate(cases.items()):
        email = f"resident{number}@example.org"
        page = f"/organogram/sign-in?next={target}"
        assert post_form(client, page, page, email=email).status_code == 200
        link = link_in(messages(app, email)[-1])
        response = post_form(client, link)
        assert response.status_code == 302 and response.headers["Location"] == expected, target
        client.post("/organogram/sign-out", data={"csrf_token": csrf(client, "/organogram/my-data")})
