"""The development inbox: in the demo every message really goes through apprise, to this host.

apprise posts JSON (``json://`` on 127.0.0.1, which the operator allow-list must admit) to a secret
path on the app itself; staff read the messages at ``/-/inbox``. A new user sees the whole loop,
subscribe -> confirm -> alert, in the browser without any mail server: each message shown as its
app would show it (HTML, Markdown made HTML, or text with its links), with working links, and to
the whole target it was sent to (the developer's own test address: nothing to mask on this page).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from html import escape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urlsplit

import markdown
from flask import Flask
from markupsafe import Markup

from civicapps.db import db_session
from civicapps.notify.models import InboxMessage
from civicapps.web.absolute_urls import DEV_BASE_URL


def inbox_token(app: Flask) -> str:
    """The secret path part apprise posts to; anyone else posting there gets a 404."""
    return hmac.new(app.secret_key.encode(), b"civicapps.notify.inbox", hashlib.sha256).hexdigest()[:32]  # type: ignore[union-attr]  # CivicFlask makes a str key


def inbox_url(app: Flask, channel: str, recipient: str, body_format: str) -> str:
    """The apprise URL of this host's inbox (127.0.0.1 at base_url's port), tagging the message with its
    channel, recipient and body format."""
    base = urlsplit(app.extensions["civicapps"].settings.base_url or DEV_BASE_URL)
    query = urlencode({":channel": channel, ":recipient": recipient, ":format": body_format})
    return f"json://127.0.0.1:{base.port or 80}{base.path.rstrip('/')}/-/inbox/receive/{inbox_token(app)}?{query}"


def receive(payload: dict[str, Any]) -> None:
    """Store one message apprise posted."""
    session = db_session()
    session.add(
        InboxMessage(
            channel=str(payload.get("channel", "?"))[:20],
            recipient=str(payload.get("recipient", "?"))[:2000],
            title=str(payload.get("title", "")),
            body=str(payload.get("message", "")),
            body_format=str(payload.get("format", "text")) if payload.get("format") in FORMATS else "text",
        )
    )
    session.commit()


FORMATS = ("html", "markdown", "text")
#: The tags a message may keep on the page; everything else is dropped and its text kept, escaped.
ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "hr", "i", "li", "ol", "p", "pre",
    "strong", "ul",
}  # fmt: skip
LINK_SCHEMES = ("http", "https", "mailto")
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


class _Cleaner(HTMLParser):
    """HTML rebuilt from an allow-list: known tags without attributes, links to http(s)/mailto only
    (opening in a new tab), the text of everything else escaped, scripts and styles dropped whole."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skipping += 1
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            if urlsplit(href).scheme.lower() in LINK_SCHEMES:
                self.out.append(f'<a href="{escape(href)}" rel="noopener noreferrer">')
            else:
                self.out.append("<a>")
        elif tag in ALLOWED_TAGS:
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skipping = max(0, self.skipping - 1)
        elif tag in ALLOWED_TAGS and tag not in ("br", "hr"):
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(escape(data, quote=False))


def clean_html(html: str) -> str:
    """``html`` reduced to the allow-list (unclosed tags are closed by the browser within the message's box)."""
    cleaner = _Cleaner()
    cleaner.feed(html)
    cleaner.close()
    return "".join(cleaner.out)


def as_html(body: str, body_format: str) -> Markup:
    """A message body as safe HTML for the inbox page: Markdown converted (raw HTML in it escaped
    first), HTML cleaned, text escaped with its web addresses made links."""
    if body_format == "markdown":
        html = markdown.markdown(body.replace("<", "&lt;"))
    elif body_format == "html":
        html = body
    else:
        text = escape(body, quote=False)
        html = "<p>" + URL_IN_TEXT.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', text) + "</p>"
        html = html.replace("\n", "<br>")
    return Markup(clean_html(html))
