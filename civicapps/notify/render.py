"""What a message says: the ``render_notification`` hook and the core's template-based default."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from jinja2 import Environment, Template
from markupsafe import Markup

from civicapps.notify.channels import ChannelKind
from civicapps.notify.escaping import finalizer, own_link
from civicapps.web.absolute_urls import DEV_BASE_URL

EXTENSIONS = {"html": "html", "markdown": "md", "text": "txt"}


@dataclass(frozen=True)
class Notification:
    """One message to render. ``kind``: ``"confirm"``, ``"alert"`` (one item) or ``"digest"``.

    ``items`` are the snapshots taken at match time (``id``, ``title``, ``url``, ``summary``,
    ``lon``, ``lat``). Every rendering must show ``unsubscribe_url``; confirmations show
    ``confirm_url`` and ``code``, and ``confirm_until``, when the link and code stop working (UTC;
    show it with Flask-Babel's ``datetimeformat``/``dateformat``/``timeformat`` filters, which write
    it in the subscriber's language and the UK's time zone).

    It is rendered in the subscriber's language (``flask_babel.force_locale``): ``gettext``, ``_()``
    and ``{% trans %}`` in templates and in a ``render_notification`` provider translate into it.
    """

    kind: str
    topic: str
    topic_title: str
    area: str
    unsubscribe_url: str
    manage_url: str
    council: str
    items: tuple[dict[str, Any], ...] = ()
    confirm_url: str | None = None
    code: str | None = None
    frequency: str = "instant"
    confirm_until: datetime | None = None


@dataclass(frozen=True)
class Message:
    """A rendered message: ``body`` is in the channel's format (``channel.format``)."""

    title: str
    body: str


def template_names(notification: Notification, channel: ChannelKind) -> list[str]:
    """The topic's own template first, then the core's; a council overrides either in instance/templates."""
    name = f"{notification.kind}.{EXTENSIONS[channel.format]}"
    return [f"civicapps/notify/{notification.topic}/{name}", f"civicapps/notify/{name}"]


def environment(app: Flask, body_format: str) -> Environment:
    """The Jinja environment message templates of ``body_format`` are compiled in, made once per app.

    HTML templates autoescape (by their extension); Markdown and text ones escape every printed value
    for their format through ``finalize`` (see :mod:`civicapps.notify.escaping`), with their own cache
    since finalize is compiled into a template. Every one has the ``link`` filter: a URL printed only
    if it points into ``base_url``.
    """
    made: dict[str, Environment] = app.extensions.setdefault("civicapps_notify_environments", {})
    if body_format not in made:
        if body_format == "html":
            env = app.jinja_env.overlay(cache_size=100)
        else:
            env = app.jinja_env.overlay(finalize=finalizer(body_format), autoescape=False, cache_size=100)
        base_url = app.extensions["civicapps"].settings.base_url or DEV_BASE_URL
        env.filters = {**env.filters, "link": lambda url: own_link(url, base_url, html=body_format == "html")}
        made[body_format] = env
    return made[body_format]


def _template(app: Flask, notification: Notification, channel: ChannelKind) -> Template:
    """The template for this topic, kind and format; which one exists is looked up once per app.

    Jinja caches templates it found but not the names it failed to find, and most topics have no
    templates of their own: asking again for every message cost more than rendering it.
    """
    env = environment(app, channel.format)
    chosen: dict[tuple[str, str, str], str] = app.extensions.setdefault("civicapps_notify_templates", {})
    key = (notification.topic, notification.kind, channel.format)
    if key not in chosen:
        chosen[key] = env.select_template(template_names(notification, channel)).name or ""
    return env.get_template(chosen[key])


def render_default(app: Flask, notification: Notification, channel: ChannelKind) -> Message:
    """Render the first template found: its ``title`` block is the title, the whole of it the body."""
    template = _template(app, notification, channel)
    context = {"n": notification, "channel": channel}
    title_block = template.blocks.get("title")
    title = "".join(title_block(template.new_context(context))) if title_block else notification.topic_title
    if channel.format == "html":  # a subject line is text: the entities autoescaping made are undone
        title = Markup(title).unescape()
    return Message(title=" ".join(title.split()), body=template.render(context).strip() + "\n")


def render(app: Flask, notification: Notification, channel: ChannelKind) -> Message:
    """Ask the ``render_notification`` providers; the core's default answers last."""
    registry = app.extensions["civicapps"].registry
    return registry.call_first("render_notification", app=app, notification=notification, channel=channel)
