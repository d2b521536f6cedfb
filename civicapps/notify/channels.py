"""Typed channels: what a resident types (an email address, an ntfy topic...) and the apprise URL we build.

Residents never type apprise URLs: apprise URLs carry methods, headers and hosts, which is too much
power for a form field. Each kind validates its target strictly and builds the URL with the
deployment's own credentials (mail relay, Telegram bot, Matrix bot). Staff may register raw apprise
URLs for their own teams; those are still held to the scheme allow-list and the egress guard.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from flask_babel.speaklater import LazyString

from civicapps.email_addresses import normalise_email
from civicapps.i18n import gettext
from civicapps.i18n import lazy_gettext as _l
from civicapps.notify.reasons import Reason

if TYPE_CHECKING:  # pragma: no cover - the settings validate channel names against KINDS
    from civicapps.notify.settings import NotifySettings

#: Schemes whose host part is a destination someone chose (checked against the egress policy at once).
HOST_SCHEMES = {
    "json",
    "jsons",
    "xml",
    "xmls",
    "form",
    "forms",
    "ntfy",
    "ntfys",
    "mailto",
    "mailtos",
    "matrix",
    "matrixs",
}
DEFAULT_PORTS = {"http": 80, "https": 443, "json": 80, "jsons": 443, "xml": 80, "xmls": 443, "form": 80, "forms": 443}


class ChannelError(ValueError):
    """A target that cannot be used; the message is for the resident who typed it."""


@dataclass(frozen=True)
class ChannelKind:
    """One kind of channel: how its target is checked, turned into an apprise URL and shown masked.

    ``format`` is the body format messages are rendered in: ``html``, ``markdown`` or ``text``.
    """

    name: str
    label: str | LazyString  # translated when shown
    hint: str | LazyString
    format: str
    normalise: Callable[[str], str]
    build: Callable[[str, NotifySettings], str]
    mask: Callable[[str], str]
    resident_host: bool = False


def _email(target: str) -> str:
    address = normalise_email(target)
    if address is None:
        raise ChannelError(gettext("Enter an email address in the correct format, like name@example.org"))
    return address


def _matching(pattern: str, message: str | LazyString) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def normalise(target: str) -> str:
        target = target.strip()
        if not compiled.fullmatch(target):
            raise ChannelError(message)
        return target

    return normalise


def _https_url(target: str) -> str:
    parts = urlsplit(target.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChannelError(gettext("Enter a web address starting with https://"))
    if parts.fragment:
        raise ChannelError(gettext("Enter the web address without a # part"))
    return urlunsplit(parts)


def add_query(url: str, params: Mapping[str, str]) -> str:
    """``url`` with extra query parameters (apprise options such as ``to`` or ``+Header``)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _email_url(target: str, settings: NotifySettings) -> str:
    assert settings.mail_url is not None  # settings refuse an enabled email channel without it
    return add_query(settings.mail_url.get_secret_value(), {"to": target})


def _ntfy_url(target: str, settings: NotifySettings) -> str:
    server = urlsplit(settings.ntfy_server)
    return f"{'ntfys' if server.scheme == 'https' else 'ntfy'}://{server.netloc}/{target}"


def _telegram_url(target: str, settings: NotifySettings) -> str:
    assert settings.telegram_bot_token is not None
    return f"tgram://{settings.telegram_bot_token.get_secret_value()}/{target}"


def _matrix_url(target: str, settings: NotifySettings) -> str:
    assert settings.matrix_url is not None
    return f"{settings.matrix_url.get_secret_value().rstrip('/')}/{quote(target, safe='')}"


def _slack_url(target: str, _settings: NotifySettings) -> str:
    return "slack://" + target.removeprefix("https://hooks.slack.com/services/")


def _discord_url(target: str, _settings: NotifySettings) -> str:
    return "discord://" + re.sub(r"^https://(discord|discordapp)\.com/api/webhooks/", "", target)


def _webhook_url(target: str, _settings: NotifySettings) -> str:
    # The resident's own query parameters become apprise's "-name" (pass-through) parameters, so
    # nothing they type can set apprise options such as method=, +Header= or :payload=.
    parts = urlsplit(target)
    query = urlencode([(f"-{k}", v) for k, v in parse_qsl(parts.query, keep_blank_values=True)])
    scheme = "jsons" if parts.scheme == "https" else "json"
    return urlunsplit((scheme, parts.netloc, parts.path or "/", query, ""))


def _mask_email(target: str) -> str:
    local, _, domain = target.partition("@")
    return f"{local[:1]}***@{domain}"


def _mask_tail(target: str) -> str:
    return f"***{target[-3:]}" if len(target) > 6 else "***"


def _mask_url(target: str) -> str:
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.hostname or '***'}/…"


KINDS: dict[str, ChannelKind] = {
    kind.name: kind
    for kind in (
        ChannelKind("email", _l("Email"), _l("Your email address"), "html", _email, _email_url, _mask_email),
        ChannelKind(
            "ntfy",
            "ntfy",
            _l("The ntfy topic you subscribe to in the ntfy app"),
            "markdown",
            _matching(r"[-_A-Za-z0-9]{1,64}", _l("Enter an ntfy topic: letters, digits, - and _ only, up to 64")),
            _ntfy_url,
            _mask_tail,
        ),
        ChannelKind(
            "telegram",
            "Telegram",
            _l("Your Telegram chat ID, or @channel name"),
            "markdown",
            _matching(
                r"-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31}", _l("Enter a Telegram chat ID (digits) or @channel name")
            ),
            _telegram_url,
            _mask_tail,
        ),
        ChannelKind(
            "matrix",
            "Matrix",
            _l("A Matrix room ID or alias, like #street:example.org"),
            "markdown",
            _matching(r"[!#][^\s:/]{1,200}:[A-Za-z0-9.-]{1,200}", _l("Enter a Matrix room, like #street:example.org")),
            _matrix_url,
            _mask_tail,
        ),
        ChannelKind(
            "slack",
            "Slack",
            _l("A Slack incoming webhook URL (https://hooks.slack.com/services/...)"),
            "markdown",
            _matching(
                r"https://hooks\.slack\.com/services/[A-Z0-9]{6,}/[A-Z0-9]{6,}/[A-Za-z0-9]{16,}",
                _l("Enter a Slack incoming webhook URL"),
            ),
            _slack_url,
            _mask_url,
        ),
        ChannelKind(
            "discord",
            "Discord",
            _l("A Discord webhook URL (https://discord.com/api/webhooks/...)"),
            "markdown",
            _matching(
                r"https://(discord|discordapp)\.com/api/webhooks/\d{10,24}/[-\w]{20,100}",
                _l("Enter a Discord webhook URL"),
            ),
            _discord_url,
            _mask_url,
        ),
        ChannelKind(
            "webhook",
            _l("Web address (webhook)"),
            _l("We will POST JSON to this https:// address"),
            "text",
            _https_url,
            _webhook_url,
            _mask_url,
            resident_host=True,
        ),
        ChannelKind(
            "apprise",
            _l("apprise URL (staff)"),
            _l("Any apprise URL the deployment allows"),
            "markdown",
            str.strip,
            lambda t, s: t,
            _mask_url,
        ),
    )
}


def enabled_kinds(settings: NotifySettings, staff: bool = False) -> dict[str, ChannelKind]:
    """The kinds offered: the deployment's choice, plus raw apprise URLs for staff."""
    names = [*settings.channels, "apprise"] if staff else list(settings.channels)
    names.sort(key=lambda name: name != "email")  # email first wherever residents choose (stable otherwise)
    return {name: KINDS[name] for name in names}


def scheme_refusal(url: str, settings: NotifySettings) -> Reason | None:
    """Why ``url`` may not be used under the deployment's scheme allow-list, or None.

    A :class:`~civicapps.notify.reasons.Reason`, because a worker records it for staff to read in
    their own language; a resident's page shows its ``translated()`` words at once.
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme not in settings.allowed_schemes:
        return Reason("scheme-not-enabled", {"scheme": scheme, "allowed": ", ".join(settings.allowed_schemes)})
    return None


def destination(kind: ChannelKind, target: str, url: str) -> tuple[str, int | None] | None:
    """The host and port a subscriber chose, to check against the egress policy now; None if ours.

    Typed kinds other than webhooks send to hosts the deployment picked (the vendor's, the relay),
    and a bot token in the host part of a URL must never be looked up in DNS.
    """
    if kind.resident_host:
        parts = urlsplit(target)
    elif kind.name == "apprise" and urlsplit(url).scheme.lower() in HOST_SCHEMES:
        parts = urlsplit(url)
    else:
        return None
    try:
        port = parts.port
    except ValueError:
        raise ChannelError(gettext("The address has a port that is not a number")) from None
    return parts.hostname or "", port or DEFAULT_PORTS.get(parts.scheme.lower())
