"""Where to go after signing in: a ``next=`` address is followed only if it stays on this site."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: object, fallback: str | None = None) -> str:
    """``target`` if it is a path on this site, else ``fallback`` (the home page when not given).

    A ``next=`` parameter comes from a link anyone can send, so an unchecked one bounces a person
    who has just signed in to a look-alike site (an open redirect). Browsers are lenient about what
    they take for another host: they drop tabs and newlines anywhere (``/\\t/evil.example`` is
    ``//evil.example``), read a backslash as a slash (``/\\evil.example``), and a carriage return or
    line feed in a ``Location`` header is a header injection (werkzeug refuses it with a 500). So a
    target is kept only if it is text starting with exactly one ``/``, holds no backslash, no
    whitespace other than a plain space and no control character, and has no scheme or host once
    parsed. Percent-encoded forms (``/%2F%2Fevil.example``) are left encoded and are paths to a
    browser, so they stay on this site.
    """
    if not isinstance(target, str) or not _is_local_path(target):
        return fallback if fallback is not None else url_for("core.home")
    return target


def _is_local_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if not target.isprintable():  # tabs, CR, LF, other controls and Unicode line separators
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
