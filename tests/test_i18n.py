"""Pages in English and Welsh: the language a visitor chose (remembered), or their browser's, or the
default; the switcher on every page; form errors and error pages translated; the core's Welsh
catalogue complete and its compiled .mo in step with the .po."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale

from civicapps import StartupError, create_app, gettext, lazy_gettext, ngettext
from civicapps.i18n import CORE_TRANSLATIONS, LANGUAGE_COOKIE

WELSH_PO = CORE_TRANSLATIONS / "cy/LC_MESSAGES/civicapps.po"


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def test_lang_switch_renders_welsh_and_is_remembered(civic_app):
    client = civic_app.test_client()
    home = client.get("/?lang=cy")
    assert html_lang(home.text) == "cy"
    assert "Gwasanaethau lleol Example Council" in home.text and "local services" not in home.text
    assert f"{LANGUAGE_COOKIE}=cy" in home.headers["Set-Cookie"]

    about = client.get("/about")  # no ?lang: the cookie remembers
    assert html_lang(about.text) == "cy"
    assert (
        "Ffynonellau data a thrwyddedau" in about.text and "<title>Ynglŷn â&#39;r wefan hon a&#39;i data" in about.text
    )
    assert "Set-Cookie" not in about.headers, "a remembered choice is not set again"
    login = client.get("/-/login")
    assert "Mewngofnodi staff" in login.text and "Cyfeiriad e-bost" in login.text
    assert re.search(r">\s*Mewngofnodi\s*</button>", login.text), "the GOV.UK button's text is Welsh too"

    back = client.get("/about?lang=en")
    assert html_lang(back.text) == "en-GB" and "Data sources and licences" in back.text
    assert html_lang(client.get("/").text) == "en-GB", "switching back is remembered too"


def test_accept_language_picks_an_offered_language(civic_app):
    welsh = civic_app.test_client().get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"})
    assert html_lang(welsh.text) == "cy" and "Offer i breswylwyr" in welsh.text
    assert {"Cookie", "Accept-Language"} <= set(welsh.headers["Vary"].replace(" ", "").split(","))
    french = civic_app.test_client().get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert html_lang(french.text) == "en-GB"
    chosen = civic_app.test_client()
    chosen.get("/?lang=en")
    assert html_lang(chosen.get("/", headers={"Accept-Language": "cy"}).text) == "en-GB", "a choice beats the browser"


def test_default_language_from_settings(civic_app_factory):
    app = civic_app_factory(config={"default_language": "cy"})
    assert html_lang(app.test_client().get("/").text) == "cy"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"languages": ["en", "fr"]}, "no catalogue for fr"),
        ({"languages": ["en", "en"]}, "different language codes"),
        ({"languages": ["en"], "default_language": "cy"}, "default_language 'cy' must be one of languages"),
    ],
)
def test_language_settings_are_checked_at_startup(config, message):
    with pytest.raises(StartupError, match=message):
        create_app({"database_url": "sqlite://", **config}, load_entrypoints=False)


def test_switcher_links_to_this_page_in_the_other_language(civic_app):
    page = civic_app.test_client().get("/about?x=1&lang=cy&y=2").text
    link = re.search(r'<nav aria-label="Iaith">.*?</nav>', page, re.S).group(0)
    expected = 'href="/about?x=1&amp;y=2&amp;lang=en" lang="en-GB" hreflang="en-GB" rel="alternate">English</a>'
    assert re.search(r'<a class="govuk-link" ' + re.escape(expected), link)
    english = civic_app.test_client().get("/-/login").text
    assert 'href="/-/login?lang=cy" lang="cy" hreflang="cy" rel="alternate">Cymraeg</a>' in english


def test_one_language_offered_shows_no_switcher(civic_app_factory):
    page = civic_app_factory(config={"languages": ["en"]}).test_client().get("/").text
    assert 'hreflang="' not in page and "?lang=" not in page


def test_form_errors_and_error_pages_are_translated(civic_app):
    client = civic_app.test_client()
    form = client.get("/-/login?lang=cy").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    refused = client.post("/-/login", data={"email": "", "password": "", "csrf_token": token})
    assert refused.status_code == 422
    assert "Mae problem wedi codi" in refused.text and "Rhowch eich cyfeiriad e-bost" in refused.text
    assert "Rhowch eich cyfrinair" in refused.text
    assert '<span class="govuk-visually-hidden">Gwall:</span>' in refused.text
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Heb ddod o hyd i&#39;r dudalen" in missing.text
    as_json = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert as_json.json["error"] == "Heb ddod o hyd i'r dudalen"


def test_python_api_translates_in_the_current_language(civic_app):
    label = lazy_gettext("Email address")
    with civic_app.test_request_context("/?lang=cy"):
        assert gettext("Continue") == "Parhau"
        assert str(label) == "Cyfeiriad e-bost", "lazy strings translate when used, in the language of that request"
        assert ngettext("%(num)s feed", "%(num)s feeds", 3) == "3 feeds", "no translation: the English form"
    with civic_app.test_request_context("/"):
        assert gettext("Continue") == "Continue" and str(label) == "Email address"


def test_dates_are_formatted_for_the_language(civic_app):
    when = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    template = civic_app.jinja_env.from_string('{{ when|datetimeformat("d MMMM y") }}')
    with civic_app.test_request_context("/?lang=cy"):
        assert template.render(when=when) == "6 Rhagfyr 2026"
    with civic_app.test_request_context("/"):
        assert template.render(when=when) == "6 December 2026"


def test_messages_render_in_the_language_in_force(civic_app):
    """What a subscriber's stored language will use: the message templates translate like the pages."""
    from civicapps.notify.channels import KINDS
    from civicapps.notify.render import Notification, render_default

    notification = Notification(
        kind="confirm", topic="t", topic_title="Planning applications", area="within 500 m of SW1A 1AA",
        unsubscribe_url="", manage_url="", council="Example Council", code="048213",
    )
    with civic_app.app_context(), force_locale("cy"):
        message = render_default(civic_app, notification, KINDS["email"])
    assert message.title == "Cadarnhewch eich hysbysiadau gan Example Council"
    assert '<html lang="cy">' in message.body
    assert "Neu rhowch y cod hwn lle gwnaethoch gofrestru: <strong>048213</strong>" in message.body


def test_welsh_catalogue_is_complete():
    with WELSH_PO.open("rb") as fh:
        catalogue = read_po(fh, locale="cy")
    untranslated = [
        message.id
        for message in catalogue
        if message.id
        and (message.fuzzy or not all(message.string if isinstance(message.string, tuple) else [message.string]))
    ]
    assert not untranslated


def _messages(catalogue) -> dict:
    """id -> translation, plural forms as tuples (read_mo gives lists, read_po tuples)."""
    plain = lambda value: tuple(value) if isinstance(value, list | tuple) else value  # noqa: E731
    return {plain(message.id): plain(message.string) for message in catalogue if message.id}


def test_compiled_catalogue_is_in_step_with_the_po_file():
    with WELSH_PO.open("rb") as fh:
        source = _messages(read_po(fh, locale="cy"))
    with WELSH_PO.with_suffix(".mo").open("rb") as fh:
        compiled = _messages(read_mo(fh))
    assert compiled == source, "run `civicapps i18n compile` and commit the .mo file"


def test_the_page_template_is_welsh_too(civic_app_factory):
    """Skip link, phase banner, menu label and footer come from base.html, around every page."""
    client = civic_app_factory(config={"council": {"name": "Cyngor Prawf", "phase": "beta"}}).test_client()
    page = client.get("/?lang=cy").text
    assert re.search(r"Neidio i('|&#39;)r prif gynnwys", page) and "Mae hwn yn wasanaeth newydd" in page
    assert "Mewngofnodi staff" in page and "System Ddylunio GOV.UK" in page
    assert "Skip to main content" not in page and "This is a new service" not in page


def test_links_to_this_site_open_in_the_current_language(civic_app):
    """An alert's item link, stored once for every subscriber, opens in each message's language."""
    from civicapps.i18n import in_language, link_in_language

    with civic_app.app_context(), in_language("cy"):
        site = civic_app.extensions["civicapps"].settings.base_url or "http://127.0.0.1:5000"
        assert link_in_language(f"{site}/applications/7") == f"{site}/applications/7?lang=cy"
        assert link_in_language(f"{site}/a?page=2&lang=en") == f"{site}/a?page=2&lang=cy"
        assert link_in_language(site) == f"{site}?lang=cy"
        for elsewhere in ("https://planning.council.example/app/7", f"{site}.evil.example/a", None, ""):
            assert link_in_language(elsewhere) == elsewhere
