"""The app directory: staff switch apps on and off at /-/apps or with ``civicapps apps``; the process
that switches sees it at its next request or job and every other one within a second; the core can
never be switched off; each switch is logged."""
from __future__ import annotations

import json
import re
import types

from flask import Blueprint, url_for
from sqlalchemy import insert

from civicapps import Job, Link, PluginSettings, app_enabled, hookimpl
from civicapps.app_switches import SWITCH_STATE_TTL, AppSwitch
from civicapps.auth import create_user
from civicapps.jobs import queue_for
from civicapps.testing import CivicRunner

RAN: list[str] = []


class KioskSettings(PluginSettings):
    """The kiosk needs to know its screen (a required setting)."""

    screen: str


def kiosk_plugin() -> types.ModuleType:
    """A small app: a page, a menu link, a job, and a required setting."""
    bp = Blueprint("kiosk", __name__)
    bp.get("/")(lambda: "the kiosk page")
    module = types.ModuleType("kiosk")
    module.__doc__ = "A kiosk showing notices in the town hall."
    module.register_blueprint = hookimpl(lambda app: bp)
    module.register_settings = hookimpl(lambda: KioskSettings)
    module.menu_links = hookimpl(lambda app, actor: [Link("Kiosk", url_for("kiosk.index"), "The town hall kiosk")])
    module.register_jobs = hookimpl(lambda app: [Job("refresh", lambda app: RAN.append("refresh"))])
    return module


def kiosk_app(civic_app_factory, database_url=None):
    config = {"queue_url": "immediate:", "plugins": {"kiosk": {"screen": "foyer"}}}
    if database_url:
        config["database_url"] = database_url
    return civic_app_factory(plugins=[("kiosk", kiosk_plugin())], config=config)


def signed_in(app):
    with app.app_context():
        create_user("clerk@council.example", "Clerk", "a-long-staff-password")
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/-/login").text).group(1)
    client.post(
        "/-/login", data={"email": "clerk@council.example", "password": "a-long-staff-password", "csrf_token": token}
    )
    return client


def csrf(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/-/apps").text).group(1)


def test_the_directory_is_for_staff_and_lists_each_app_with_what_it_needs(civic_app_factory):
    app = kiosk_app(civic_app_factory)
    assert app.test_client().get("/-/apps").status_code == 302, "to the sign-in page"
    assert app.test_client().get("/-/apps/log").status_code == 302
    client = signed_in(app)
    page = client.get("/-/apps").text
    assert "A kiosk showing notices in the town hall." in page
    assert "Setting screen in [plugins.kiosk]: done" in page
    assert "Third-party plugin" in page and "Switch kiosk off" in page
    assert "Switch core" not in page and "Switch notify" not in page, "the core's own parts have no switch"
    assert '<a class="govuk-service-navigation__link" href="/-/apps"' in page, "staff have a menu link to it"
    assert "/-/apps" not in app.test_client().get("/").text


def test_the_switch_form_needs_its_csrf_token_and_a_known_app(civic_app_factory):
    app = kiosk_app(civic_app_factory)
    client = signed_in(app)
    assert client.post("/-/apps/kiosk", data={"enabled": "off"}).status_code == 400
    assert client.post("/-/apps/kiosk", data={"csrf_token": csrf(client), "enabled": "maybe"}).status_code == 400
    assert client.post("/-/apps/core", data={"csrf_token": csrf(client), "enabled": "off"}).status_code == 404
    assert client.get("/kiosk/").status_code == 200, "nothing was switched"


def test_an_app_switched_off_is_hidden_and_its_jobs_wait_the_directory_stays(civic_app_factory):
    app = kiosk_app(civic_app_factory)
    client = signed_in(app)
    RAN.clear()
    queue_for(app).enqueue("kiosk.refresh")
    assert RAN == ["refresh"]
    answer = client.post("/-/apps/kiosk", data={"csrf_token": csrf(client), "enabled": "off"}, follow_redirects=True)
    assert "kiosk is switched off" in answer.text and "Switch kiosk on" in answer.text
    banners = re.findall(r'<div class="govuk-notification-banner( [^"]*)?"', answer.text)
    assert banners == [" govuk-notification-banner--success"], "one success banner, from the page template"
    assert app.test_client().get("/kiosk/").status_code == 404
    assert client.get("/kiosk/").status_code == 404, "staff too"
    assert "Kiosk" not in app.test_client().get("/").text
    assert client.get("/-/apps").status_code == 200 and client.get("/-/apps/log").status_code == 200
    queue_for(app).enqueue("kiosk.refresh")
    queue_for(app).run_once()
    assert RAN == ["refresh"], "its jobs do not run"
    with app.test_request_context("/"):
        assert not app_enabled("kiosk") and app_enabled("notify")
    client.post("/-/apps/kiosk", data={"csrf_token": csrf(client), "enabled": "on"})
    assert app.test_client().get("/kiosk/").text == "the kiosk page"
    queue_for(app).enqueue("kiosk.refresh")
    assert RAN == ["refresh", "refresh"]


def test_every_app_in_the_process_sees_a_switch_at_its_next_request(civic_app_factory, civic_database_url):
    url = civic_database_url()
    first, second = kiosk_app(civic_app_factory, url), kiosk_app(civic_app_factory, url)  # one process, two apps
    assert second.test_client().get("/kiosk/").status_code == 200
    CivicRunner(first).invoke(["apps", "disable", "kiosk"])
    assert second.test_client().get("/kiosk/").status_code == 404
    CivicRunner(first).invoke(["apps", "enable", "kiosk"])
    assert second.test_client().get("/kiosk/").status_code == 200


def test_another_process_sees_a_switch_within_a_second_without_a_query_per_request(civic_app_factory, monkeypatch):
    app = kiosk_app(civic_app_factory)
    clock = [1000.0]
    monkeypatch.setattr("civicapps.app_switches.time", types.SimpleNamespace(monotonic=lambda: clock[0]))
    client = app.test_client()
    assert client.get("/kiosk/").status_code == 200
    with app.extensions["civicapps"].db.engine.begin() as connection:  # a switch made by another process
        connection.execute(insert(AppSwitch).values(name="kiosk", enabled=False))
    clock[0] += SWITCH_STATE_TTL / 2
    assert client.get("/kiosk/").status_code == 200, "this process read the switches under a second ago"
    clock[0] += SWITCH_STATE_TTL / 2
    assert client.get("/kiosk/").status_code == 404


def test_the_cli_explains_what_it_can_switch(civic_app_factory):
    runner = CivicRunner(kiosk_app(civic_app_factory))
    unknown = runner.invoke(["apps", "disable", "kiosks"])
    assert unknown.exit_code == 1
    assert "There is no app named 'kiosks' to switch; apps: kiosk" in unknown.output
    core = runner.invoke(["apps", "disable", "notify"])
    assert core.exit_code == 1 and "the core's own parts cannot be switched off" in core.output
    assert runner.invoke(["apps", "enable", "kiosk"]).output == "kiosk was already on; nothing changed.\n"
    assert runner.invoke(["apps", "log"]).output == "No app has been switched on or off yet.\n"
    listing = runner.invoke(["apps", "list", "--json"])
    [entry] = json.loads(listing.output)
    assert entry["name"] == "kiosk" and entry["enabled"] is True and entry["source"] == "third-party"
    assert {"what": "Setting screen in [plugins.kiosk]", "done": True} in entry["requirements"]
    helped = runner.invoke(["apps", "--help"]).output
    assert all(word in helped for word in ("list", "enable", "disable", "log", "/-/apps"))
    for command in ("list", "enable", "disable", "log"):
        assert runner.invoke(["apps", command, "--help"]).exit_code == 0


def test_a_core_only_site_has_no_apps_to_switch(civic_app_factory):
    app = civic_app_factory()
    assert "No apps are installed" in signed_in(app).get("/-/apps").text
    assert CivicRunner(app).invoke(["apps", "list"]).output.startswith("No apps are installed")
