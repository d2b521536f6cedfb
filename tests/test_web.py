"""The web shell: pages, health, introspection, staff login, CSRF, headers and error pages."""
import re
import threading
from pathlib import Path

import pytest
from flask import Blueprint
from sqlalchemy import select, text

import civicapps
from civicapps import Link, auth, current_actor, hookimpl, staff_required
from civicapps.auth import User, create_user
from civicapps.db import db_session, get_database

PASSWORD = "a-long-staff-password"


class Parks:
    """A plugin with a public page, a staff-only page and navigation for both."""

    @hookimpl
    def register_blueprint(self, app):
        bp = Blueprint("parks", __name__)
        bp.add_url_rule("/", "index", lambda: "parks index")
        bp.add_url_rule("/staff", "staff", staff_required(lambda: f"hello {current_actor().name}"))
        bp.add_url_rule("/admin", "admin", staff_required(role="admin")(lambda: "admin only"))
        return bp

    @hookimpl
    def menu_links(self, actor):
        links = [Link("Parks & play areas", "/parks/", "Opening times <and> events")]
        if actor is not None:
            links.append(Link("Parks staff", "/parks/staff"))
        return links


@pytest.fixture
def app(civic_app_factory):
    app = civic_app_factory(plugins=[("parks", Parks())], config={"council": {"name": "Douglas <City> Council"}})
    with app.app_context():
        create_user("officer@douglas.example", "Pat Officer", PASSWORD, "staff")
        create_user("boss@douglas.example", "Sam Admin", PASSWORD, "admin")
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, email, password=PASSWORD, next_url=None):
    page = client.get("/-/login")
    url = "/-/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": csrf_token(page.text)})


def test_home_has_one_card_per_plugin_with_escaped_text(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "<title>Douglas &lt;City&gt; Council</title>" in page.text
    assert page.text.count('class="civic-card"') == 1
    assert '<a href="/parks/" class="govuk-link">Parks &amp; play areas</a>' in page.text
    assert "Opening times &lt;and&gt; events" in page.text
    assert "Parks staff" not in page.text, "staff links are for staff only"


def test_health_reports_database_and_migrations(client, civic_app_factory):
    response = client.get("/-/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
    unmigrated = civic_app_factory(migrate=False).test_client().get("/-/health")
    assert unmigrated.status_code == 503
    assert unmigrated.json["checks"]["migrations"] == {
        "core": "not installed (4 migrations pending)",
        **{name: "not installed (1 migration pending)" for name in ("feeds", "jobs")},
        "geo": "not installed (2 migrations pending)",
        "notify": "not installed (9 migrations pending)",
    }


def test_plugins_json_lists_versions_to_staff_only(client):
    """Anyone sees plugins, hooks and prefixes; exact versions (which flaws to try) are for staff."""
    public = {p["name"]: p for p in client.get("/-/plugins.json").json}
    assert "version" not in public["core"] and public["core"]["migrations"] == {"status": "up to date"}
    assert public["parks"]["hooks"] == ["menu_links", "register_blueprint"]
    login(client, "officer@douglas.example")
    plugins = {p["name"]: p for p in client.get("/-/plugins.json").json}
    assert plugins["core"]["distribution"] == "civicapps"
    assert plugins["core"]["version"] == "0.1.0"
    assert plugins["core"]["migrations"]["status"] == "up to date"
    assert plugins["parks"]["hooks"] == ["menu_links", "register_blueprint"]
    assert plugins["parks"]["url_prefix"] == "/parks"


def test_staff_login_and_logout(client):
    assert client.get("/parks/staff").headers["Location"] == "/-/login?next=/parks/staff"
    response = login(client, "OFFICER@douglas.example", next_url="/parks/staff")
    assert response.status_code == 302 and response.headers["Location"] == "/parks/staff"
    assert client.get("/parks/staff").text == "hello Pat Officer"
    home = client.get("/")
    assert "Signed in as Pat Officer" in home.text and "Parks staff" in home.text
    assert client.get("/parks/admin").status_code == 403
    client.post("/-/logout", data={"csrf_token": csrf_token(home.text)})
    assert client.get("/parks/staff").status_code == 302


def staff_page_with(app, cookie):
    """GET the staff page with nothing but a saved session cookie, as someone who copied it would."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/parks/staff")


def session_cookie(client):
    return client.get_cookie("session").value


def test_a_saved_session_cookie_stops_working_after_logout(app, client):
    login(client, "officer@douglas.example")
    saved = session_cookie(client)
    boss = app.test_client()
    login(boss, "boss@douglas.example")
    assert staff_page_with(app, saved).text == "hello Pat Officer"
    client.post("/-/logout", data={"csrf_token": csrf_token(client.get("/").text)})
    assert staff_page_with(app, saved).status_code == 302, "the copied cookie must be signed out too"
    assert boss.get("/parks/staff").text == "hello Sam Admin", "other accounts' sessions are unaffected"
    login(client, "officer@douglas.example")
    assert client.get("/parks/staff").text == "hello Pat Officer", "signing in again works"


@pytest.mark.parametrize(
    "change",
    [
        lambda: auth.change_password("Officer@douglas.example", "a-brand-new-password"),
        lambda: auth.change_role("officer@douglas.example", "admin"),
    ],
    ids=["password", "role"],
)
def test_a_new_password_or_role_ends_the_accounts_sessions(app, client, change):
    login(client, "officer@douglas.example")
    boss = app.test_client()
    login(boss, "boss@douglas.example")
    saved = session_cookie(client)
    with app.app_context():
        change()
    assert client.get("/parks/staff").status_code == 302
    assert staff_page_with(app, saved).status_code == 302
    assert boss.get("/parks/staff").text == "hello Sam Admin"


def test_changing_an_unknown_account_says_so(app):
    with app.app_context(), pytest.raises(auth.CivicappsError, match="no staff account for nobody@douglas.example"):
        auth.change_role("nobody@douglas.example", "admin")


def test_login_succeeds_while_another_process_writes(app, client, monkeypatch):
    """On SQLite a read transaction cannot turn into a write once another connection has committed
    (a worker does, every message): signing in must not fail with "database is locked". The login
    holds the write lock from its start, so the other writer (a thread here) waits for it instead."""
    check = auth.check_password_hash
    writers = []

    def other_writer():
        with get_database(app).engine.begin() as other:
            other.execute(text("UPDATE core_user SET name = 'Sam Boss' WHERE email = 'boss@douglas.example'"))

    def check_while_a_worker_commits(hashed, password):
        writers.append(threading.Thread(target=other_writer))
        writers[-1].start()
        writers[-1].join(0.5)  # it commits now unless the login's lock makes it wait
        return check(hashed, password)

    monkeypatch.setattr(auth, "check_password_hash", check_while_a_worker_commits)
    response = login(client, "officer@douglas.example")
    assert response.status_code == 302, response.text
    writers[0].join(10)
    with app.app_context():
        assert db_session().scalar(select(User.name).where(User.email == "boss@douglas.example")) == "Sam Boss"


def test_a_plugin_failing_in_menu_links_loses_only_its_own_links(civic_app_factory, caplog):
    class Broken:
        @hookimpl
        def menu_links(self, actor):
            raise KeyError("no such setting")

    app = civic_app_factory(plugins=[("parks", Parks()), ("broken", Broken())])
    home = app.test_client().get("/")
    assert home.status_code == 200 and "Parks &amp; play areas" in home.text
    assert "Plugin 'broken' failed in menu_links" in caplog.text and "KeyError" in caplog.text


def test_admin_role_reaches_admin_pages(client):
    login(client, "boss@douglas.example")
    assert client.get("/parks/admin").text == "admin only"


def test_wrong_password_shows_error_without_saying_which_part(client):
    response = login(client, "officer@douglas.example", "wrong-password-here")
    assert response.status_code == 422, "a refused form answers 422 with the page"
    assert "The email address or password is not right" in response.text
    assert 'class="govuk-error-summary"' in response.text


def test_empty_login_shows_errors_next_to_fields(client):
    page = client.get("/-/login")
    response = client.post("/-/login", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 422
    assert 'id="email-error"' in response.text and "Enter your email address" in response.text
    assert 'id="password-error"' in response.text and 'aria-describedby="password-error"' in response.text
    assert '<a href="#email">Enter your email address</a>' in response.text


def test_login_is_throttled_after_repeated_failures(client):
    for _ in range(5):
        assert login(client, "officer@douglas.example", "wrong-password-here").status_code == 422
    assert login(client, "officer@douglas.example").status_code == 429


def test_login_never_redirects_off_site(app):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", "/parks/staff"):
        response = login(app.test_client(), "officer@douglas.example", next_url=target)
        if target.startswith("/parks"):
            assert response.headers["Location"] == target
            continue
        assert response.headers["Location"] == "/"


def test_forms_without_csrf_token_are_refused(client):
    response = client.post("/-/login", data={"email": "officer@douglas.example", "password": PASSWORD})
    assert response.status_code == 400
    assert "The form had expired or was sent from another site" in response.text
    assert "Signed in" not in client.get("/").text


def test_security_headers_on_every_page(client):
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    cookie = login(client, "officer@douglas.example").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_council_colour_is_served_as_a_stylesheet(civic_app_factory):
    client = civic_app_factory(config={"council": {"colour": "#0b0c0c"}}).test_client()
    css = client.get("/-/theme.css").text.strip()
    assert css == ":root { --govuk-brand-colour: #0b0c0c; --council-colour: #0b0c0c; }"


def test_friendly_404_page_and_json_404(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "<h1 class=\"govuk-heading-l\">Page not found</h1>" in page.text
    api = client.get("/parks/api/nothing", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.json["error"] == "Page not found"


def test_abort_message_reaches_the_user(civic_app_factory):
    from flask import abort

    class Strict:
        @hookimpl
        def register_blueprint(self, app):
            bp = Blueprint("strict", __name__)
            bp.add_url_rule("/api/search", "search", lambda: abort(400, "radius must be between 100 and 2000 metres"))
            return bp

    response = civic_app_factory(plugins=[("strict", Strict())]).test_client().get("/strict/api/search")
    assert response.status_code == 400
    assert response.json == {
        "error": "Bad request",
        "detail": "radius must be between 100 and 2000 metres",
        "status": 400,
    }


def test_friendly_500_page(civic_app_factory):
    class Broken:
        @hookimpl
        def register_blueprint(self, app):
            bp = Blueprint("broken", __name__)

            @bp.get("/")
            def boom():
                raise RuntimeError("database password is hunter2")

            return bp

    app = civic_app_factory(plugins=[("broken", Broken())])
    app.config["TESTING"] = False  # behave as in production: no exception propagation
    response = app.test_client().get("/broken/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text
    assert "hunter2" not in response.text


def test_council_templates_override_core_templates(civic_app_factory, tmp_path):
    app = civic_app_factory()
    override = tmp_path / "instance-0" / "templates" / "civicapps"
    override.mkdir(parents=True)
    (override / "home.html").write_text(
        "{% extends 'civicapps/base.html' %}{% block content %}<h1>Our own home</h1>{% endblock %}"
    )
    assert "<h1>Our own home</h1>" in app.test_client().get("/").text


def test_uploads_are_size_capped(client):
    response = client.post("/-/login", data=b"x" * (21 * 1024 * 1024), content_type="application/octet-stream")
    assert response.status_code == 413


#: A wrong password shows the sign-in page again with its error, as an unprocessable form (422).
WRONG = 422


def wrong_guesses(client, count, forwarded_for=None, first=0):
    """``count`` wrong sign-ins at different accounts (so only the per-address limit can refuse them)."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    page = client.get("/-/login", headers=headers)
    codes = []
    for n in range(first, first + count):
        data = {
            "email": f"guess{n}@douglas.example",
            "password": "wrong-password-here",
            "csrf_token": csrf_token(page.text),
        }
        codes.append(client.post("/-/login", data=data, headers=headers).status_code)
    return codes


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(client):
    codes = [wrong_guesses(client, 1, forwarded_for=f"198.51.100.{n}", first=n)[0] for n in range(21)]
    assert codes == [WRONG] * 20 + [429]


def test_behind_a_trusted_proxy_each_client_is_limited_separately(civic_app_factory):
    app = civic_app_factory(config={"trusted_proxies": 1})
    client = app.test_client()
    assert wrong_guesses(client, 21, forwarded_for="203.0.113.7") == [WRONG] * 20 + [429]
    assert wrong_guesses(client, 1, forwarded_for="203.0.113.8", first=30) == [WRONG], "another client is not limited"
    forged = wrong_guesses(client, 1, forwarded_for="203.0.113.8, 203.0.113.7", first=40)
    assert forged == [429], "only the address the proxy saw counts, not one the client added before it"


def test_guesses_at_one_account_are_limited_whatever_address_they_come_from(civic_app_factory):
    app = civic_app_factory(config={"trusted_proxies": 1})
    with app.app_context():
        create_user("officer@douglas.example", "Pat Officer", PASSWORD, "staff")
    codes = []
    for n in range(6):
        client = app.test_client()
        headers = {"X-Forwarded-For": f"203.0.113.{n}"}
        token = csrf_token(client.get("/-/login", headers=headers).text)
        data = {"email": "Officer@douglas.example", "password": "wrong-password-here", "csrf_token": token}
        codes.append(client.post("/-/login", data=data, headers=headers).status_code)
    assert codes == [WRONG] * 5 + [429]


def test_trusted_proxies_by_address(civic_app_factory):
    """Only a request from a listed proxy has its X-Forwarded-For believed, through a chain of them."""
    app = civic_app_factory(config={"trusted_proxies": ["127.0.0.1", "10.0.0.0/8"]})

    @app.get("/whoami")
    def whoami():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    def seen(forwarded, peer="127.0.0.1", proto=None):
        headers = {"X-Forwarded-For": forwarded} | ({"X-Forwarded-Proto": proto} if proto else {})
        return app.test_client().get("/whoami", headers=headers, environ_base={"REMOTE_ADDR": peer}).text

    assert seen("203.0.113.7, 10.1.2.3", proto="https") == "203.0.113.7 https"
    assert seen("198.51.100.1, 203.0.113.7, 10.1.2.3") == "203.0.113.7 http", "a forged first entry is ignored"
    assert seen("203.0.113.7", peer="192.0.2.9", proto="https") == "192.0.2.9 http", "not a trusted proxy"
    assert seen("10.9.9.9, 10.1.2.3") == "10.9.9.9 http", "all trusted: the furthest one is the client"


def test_trusted_proxies_setting_is_checked(civic_app_factory):
    from civicapps import StartupError

    with pytest.raises(StartupError, match="'nginx' is not an IP address or network"):
        civic_app_factory(config={"trusted_proxies": ["nginx"]})
    with pytest.raises(StartupError, match="from 0 to 10"):
        civic_app_factory(config={"trusted_proxies": 99})


def test_the_request_log_names_the_real_client_behind_a_trusted_proxy(
    civic_app_factory, civic_live_server_factory, caplog
):
    import logging

    import requests

    base = civic_live_server_factory(civic_app_factory(config={"trusted_proxies": 1}))
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        requests.get(base + "/-/theme.css", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}, timeout=10)
    lines = [r.getMessage() for r in caplog.records if "/-/theme.css" in r.getMessage()]
    assert lines and lines[0].startswith("203.0.113.9 "), lines


def test_about_page_credits_gov_uk_frontend_with_its_version_and_licence(client):
    page = client.get("/about").text
    version = (Path(civicapps.__file__).parent / "web/static/govuk/VERSION").read_text().strip()
    assert re.search(rf"GOV.UK Frontend</a>\s+{re.escape(version)} from the GOV.UK Design System", page)
    assert "under the MIT licence" in page


def test_council_branding_reaches_every_page(civic_app_factory):
    config = {"council": {"name": "Ramsey Town", "logo_url": "/-/static/favicon.svg", "phase": "beta"}}
    page = civic_app_factory(config=config).test_client().get("/-/no-such-page").text
    assert '<img src="/-/static/favicon.svg" alt="" class="civic-header__logo">Ramsey Town' in page
    assert re.search(r'<strong class="govuk-tag govuk-phase-banner__content__tag">\s*Beta\s*</strong>', page)
    assert civic_app_factory().test_client().get("/").text.count("govuk-phase-banner") == 0, "no phase, no banner"
