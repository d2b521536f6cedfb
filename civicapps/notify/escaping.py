"""Escaping per message format: what residents wrote must reach subscribers as text, never as markup.

A report's title is written by anyone. Put into a Markdown message as it is, a title like
``Pothole](https://evil.example) **URGENT** [re-confirm here](...)`` or ``![](https://evil/t.png)``
becomes a working link or a tracking image in every ntfy, Slack, Discord, Telegram and Matrix
subscriber's app, under the council's name. So every value a message template prints is escaped
for the template's format by the renderer itself (Jinja's ``finalize``): a template cannot forget.
HTML templates use Jinja's autoescaping; Markdown ones :func:`escape_markdown`; plain text ones
:func:`plain_text`. Links are the one thing printed unescaped, through the ``link`` filter, and
only when they point into this deployment's own ``base_url``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

from markupsafe import Markup

#: Characters that start inline Markdown anywhere: emphasis, code, links and images, strikethrough.
#: Parentheses only matter after a ``]``, which is escaped, so ordinary "(deep)" stays readable.
_INLINE = re.compile(r"([\\`*_\[\]~|])")
#: Block syntax at the start of a line: headings, quotes, lists, rules, setext underlines, tables.
_LINE_START = re.compile(r"^([ \t]*)([#>+\-=|]|\d+[.)])", re.MULTILINE)
#: C0 control characters other than tab and newline (and DEL): nothing a person means to send.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Characters that could end a Markdown link target or an HTML attribute, percent-encoded in links.
_URL_SAFE = "/:?#[]@!$&'*+,;=%-._~"


def plain_text(value: Any) -> str:
    """A value as plain text: control characters (other than newlines and tabs) removed."""
    return _CONTROL.sub("", str(value))


def escape_markdown(value: Any) -> str:
    """A value as literal text inside Markdown, for CommonMark renderers and Python-Markdown alike.

    Inline syntax is backslash-escaped; ``<`` and ``>`` become entities, since Python-Markdown (which
    apprise uses to turn Markdown into Telegram's HTML) passes raw HTML through and ignores ``\\<``.
    """
    text = _INLINE.sub(r"\\\1", plain_text(value))
    text = _LINE_START.sub(lambda m: m.group(1) + "".join("\\" + c for c in m.group(2)), text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def finalizer(body_format: str) -> Any:
    """Jinja's ``finalize`` for templates of ``body_format`` ("markdown" or "text").

    Values already marked safe (:class:`markupsafe.Markup`, e.g. from the ``link`` filter) pass as
    they are; everything else is escaped for the format.
    """
    escape = escape_markdown if body_format == "markdown" else plain_text

    def finalize(value: Any) -> Any:
        if value is None:
            return ""
        return value if isinstance(value, Markup) else escape(value)

    return finalize


def own_link(url: Any, base_url: str, html: bool = False) -> Markup:
    """``url`` ready to print in any format if it points into ``base_url``; empty otherwise.

    Messages link only to this deployment, so nothing stored in an item (a feed's source link, a
    plugin's mistake) can send subscribers elsewhere under the council's name. Characters that could
    close a Markdown link or an HTML attribute are percent-encoded; for ``html`` ``&`` is written ``&amp;``.
    """
    if not url:
        return Markup("")
    text = str(url)
    base, target = urlsplit(base_url), urlsplit(text)
    prefix = base.path.rstrip("/") + "/"
    if (target.scheme, target.netloc) != (base.scheme, base.netloc) or not (target.path + "/").startswith(prefix):
        return Markup("")
    quoted = quote(text, safe=_URL_SAFE)
    return Markup(quoted.replace("&", "&amp;").replace("'", "%27")) if html else Markup(quoted)
