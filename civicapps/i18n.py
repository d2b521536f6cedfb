"""Translations: which language a page is in, and the gettext catalogues it is translated with.

A visitor's language is, in order: the one they just chose (``?lang=cy``, the language switcher's
links), the one they chose before (a cookie), the first their browser asks for (Accept-Language) that
the site offers, or ``default_language``. Strings are translated with Flask-Babel from one catalogue
merged from every package's own: the core's (domain ``civicapps``, in civicapps/translations) and each
plugin's that implements ``register_translations`` (domain = its top-level package name).

Why one merged catalogue rather than a gettext domain per plugin: Jinja's i18n extension installs one
``_``/``gettext`` for every template, so a template cannot pick its package's domain without each
plugin wrapping every call; merged, a plugin's templates and Python code use the same ``_()`` as the
core's. Flask-Babel 4 merges the directories listed in ``BABEL_TRANSLATION_DIRECTORIES``, each with the
domain at the same position in ``BABEL_DOMAIN``; later catalogues override earlier ones, so the core's
is listed last and its translations win a clash (see the ``register_translations`` hook).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import flask_babel
from babel import Locale
from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import Babel, get_locale
from flask_babel.speaklater import LazyString

from civicapps.web.absolute_urls import base_url, external_url

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from civicapps.plugins import PluginRegistry
    from civicapps.settings import CoreSettings

CORE_TRANSLATIONS = Path(__file__).parent / "translations"
CORE_DOMAIN = "civicapps"
#: The language every msgid is written in; it needs no catalogue.
SOURCE_LANGUAGE = "en"
#: The query parameter of the language switcher's links, and the cookie that remembers the choice.
LANGUAGE_PARAMETER = "lang"
LANGUAGE_COOKIE = "civicapps_lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600
#: BCP 47 tags for ``<html lang>`` where the bare language code is not the best one to give.
HTML_LANG = {"en": "en-GB"}
#: Times are stored in UTC and shown, on pages and in messages, in the UK's time zone (GMT or BST).
TIME_ZONE = "Europe/London"



def gettext(string: str, **variables: Any) -> str:
    """``string`` in the language of the current request (as written where nothing translates it).

    Give values as ``%(name)s`` placeholders and keywords, never pre-formatted: the translator sees
    the whole sentence and may move the values. Outside a request (a command, a worker) the default
    language is used.
    """
    return flask_babel.gettext(string, **variables)


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural of a message for ``num`` (``%(num)s`` in it), in the current language.

    Welsh has six plural forms; the catalogue holds them all, so pass the English two and the count.
    """
    return flask_babel.ngettext(singular, plural, num, **variables)


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """Like :func:`gettext`, but translated each time it is shown rather than now.

    For text fixed at import time (form labels, validator messages, constants), which must follow the
    language of each request that shows it.
    """
    return flask_babel.lazy_gettext(string, **variables)


_ = gettext


@dataclass(frozen=True)
class Catalogue:
    """One package's gettext catalogues: ``<directory>/<locale>/LC_MESSAGES/<domain>.po|.mo``."""

    plugin: str
    domain: str
    directory: Path

    @property
    def source_directory(self) -> Path:
        """The package whose Python code and templates the catalogue's strings are extracted from."""
        return self.directory.parent


def core_languages() -> list[str]:
    """The languages the core can show pages in: English (its source) and each compiled catalogue's."""
    compiled = sorted(mo.parent.parent.name for mo in CORE_TRANSLATIONS.glob(f"*/LC_MESSAGES/{CORE_DOMAIN}.mo"))
    return [SOURCE_LANGUAGE, *(code for code in compiled if code != SOURCE_LANGUAGE)]


def catalogues(registry: PluginRegistry) -> list[Catalogue]:
    """Every registered catalogue, the core's last (it wins when two translate the same text)."""
    found = [
        Catalogue(name, registry.plugins[name].module.__name__.partition(".")[0], Path(directory))
        for name, directory in registry.call_each("register_translations").items()
    ]
    return sorted(found, key=lambda catalogue: catalogue.domain == CORE_DOMAIN)


def install_translations(app: Flask, registry: PluginRegistry, settings: CoreSettings) -> None:
    """Set up Flask-Babel with the merged catalogue, the language choice and the switcher's links."""
    found = catalogues(registry)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(catalogue.directory) for catalogue in found)
    app.config["BABEL_DOMAIN"] = ";".join(catalogue.domain for catalogue in found)
    Babel(
        app, default_locale=settings.default_language, default_timezone=TIME_ZONE, locale_selector=select_language
    )
    # {% trans %} blocks collapse their whitespace, so a msgid does not change when a template is re-indented.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.after_request(_remember_choice)
    # Globals rather than a context processor: message templates, rendered outside requests, use html_lang too.
    app.jinja_env.globals.update(html_lang=html_lang, language_links=language_links)


def select_language() -> str:
    """The language of the current request (Flask-Babel's locale selector); see the module docstring."""
    settings = current_app.extensions["civicapps"].settings
    if not has_request_context():  # a worker rendering a message, a command
        return settings.default_language
    for asked in (request.args.get(LANGUAGE_PARAMETER), request.cookies.get(LANGUAGE_COOKIE)):
        if asked in settings.languages:
            return asked
    return request.accept_languages.best_match(settings.languages) or settings.default_language


def current_language() -> str:
    """The code of the language the current page is in, e.g. ``"cy"`` (outside a request, the default).

    Store it with what a resident gives you (a report, a registration) to write to them in it later,
    whoever's action causes the message (see :func:`in_language`).
    """
    locale = get_locale()
    return str(locale) if locale is not None else current_app.extensions["civicapps"].settings.default_language


@contextmanager
def in_language(code: str | None) -> Iterator[str]:
    """Translate into ``code`` inside the block, whoever's request (if any) this is; yields the code used.

    For messages to a resident who is not the one making the current request (a reporter told of a
    staff reply, a member approved by a group's admin, a worker's or a command's run): keep
    :func:`current_language` when the resident uses the site, and compose what they are sent inside
    ``with in_language(stored):``. ``None`` (nothing stored, e.g. rows older than the column) and a
    language the deployment no longer offers give its ``default_language``, as notifications do.
    """
    settings = current_app.extensions["civicapps"].settings
    language = code if code is not None and code in settings.languages else settings.default_language
    with flask_babel.force_locale(language):
        yield language


def external_url_in_language(endpoint: str, **values: Any) -> str:
    """:func:`~civicapps.external_url` to a page that opens in the current language (``?lang=cy``).

    For links in a message to one person, composed inside ``with in_language(stored):``: the page
    they open reads in the message's language whatever browser they open it in, as the core's alert
    links do, and the choice is remembered there as if they had used the language switcher.
    """
    return external_url(endpoint, **values, **{LANGUAGE_PARAMETER: current_language()})


def link_in_language(url: str | None) -> str | None:
    """``url`` opening in the current language when it is a page of this site (``?lang=`` set or
    replaced); any other address, or none, unchanged.

    For links stored with an alert's item when it was matched, once for every subscriber: each
    message then sends its reader to the page in their language, as its own links do.
    """
    site = base_url().rstrip("/") + "/"
    if not url or not (url + "/").startswith(site):
        return url
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != LANGUAGE_PARAMETER]
    query.append((LANGUAGE_PARAMETER, current_language()))
    return urlunsplit(parts._replace(query=urlencode(query)))


def html_lang(code: str | None = None) -> str:
    """The ``lang`` attribute for a language code (the current one by default): ``en-GB``, ``cy``."""
    code = code or current_language()
    return HTML_LANG.get(code, code.replace("_", "-"))


def language_links() -> list[dict[str, str]]:
    """The switcher's links: every other offered language, named in itself, to this page in it.

    Each link keeps the current path and query, so switching keeps the visitor where they are.
    """
    if not has_request_context():
        return []
    here = current_language()
    args = [(key, value) for key, value in request.args.items(multi=True) if key != LANGUAGE_PARAMETER]
    links = []
    for code in current_app.extensions["civicapps"].settings.languages:
        if code == here:
            continue
        query = urlencode([*args, (LANGUAGE_PARAMETER, code)])
        name = Locale.parse(code).get_display_name(code) or code
        links.append(
            {"code": code, "lang": html_lang(code), "name": name[:1].upper() + name[1:],
             "href": f"{request.script_root}{request.path}?{query}"}
        )
    return links


def _remember_choice(response: Response) -> Response:
    """Keep a language picked with ``?lang=`` for the next visits; pages vary with the language."""
    asked = request.args.get(LANGUAGE_PARAMETER)
    offered = current_app.extensions["civicapps"].settings.languages
    if asked in offered and request.cookies.get(LANGUAGE_COOKIE) != asked:
        response.set_cookie(
            LANGUAGE_COOKIE, asked, max_age=LANGUAGE_COOKIE_MAX_AGE, secure=request.is_secure, httponly=True,
            samesite="Lax",
        )
    if response.mimetype == "text/html":
        response.vary.update(("Cookie", "Accept-Language"))
    return response
