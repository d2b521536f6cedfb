"""Topics: what residents subscribe to, registered by plugins through ``register_topics``."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from flask import Flask

from civicapps.app_switches import paused_topics
from civicapps.errors import StartupError

if TYPE_CHECKING:  # pragma: no cover
    from civicapps.plugins import PluginRegistry

TOPIC_NAME = re.compile(r"[a-z][a-z0-9_]*")
MATCHERS = ("area", "key")
EVENTS = ("new", "changed")


@dataclass(frozen=True)
class Item:
    """One record as a topic presents it: for matching (``lon``/``lat`` or ``key``) and for messages.

    ``id`` is the record's primary key in its dataset. ``version`` tells changes apart: an item that
    changes alerts once per version (for ``"changed"`` topics), never once per ingest.
    """

    id: int | str
    title: str
    url: str | None = None
    summary: str = ""
    lon: float | None = None
    lat: float | None = None
    key: str | None = None
    version: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def snapshot(self) -> dict[str, Any]:
        """What the outbox keeps, so a message can be sent later without the plugin's tables.

        ``details`` (JSON-serialisable) is for the topic's own message templates, e.g. a planning
        application's reference and address shown separately.
        """
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "summary": self.summary,
            "lon": self.lon,
            "lat": self.lat,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class Topic:
    """Something residents can subscribe to, returned by a plugin's ``register_topics`` hook.

    ``dataset`` is the ``<plugin>.<dataset>`` whose ingests the topic watches; ``load(app, ids)``
    returns the :class:`Item` for each of those primary keys it wants to alert on (it may skip some).
    ``matcher`` is ``"area"`` (point and radius, or polygon, subscriptions; items need ``lon``/``lat``)
    or ``"key"`` (subscriptions name an item ``key``). ``events`` picks new records, changed ones, or both.

    Per-subscription filters (e.g. application types or keywords) are optional: ``clean_filters``
    turns what a resident asked for into the JSON object stored with the subscription (raising
    ``ValueError`` with a message for the resident), ``accepts(item, filters)`` says whether an item
    passes them, and ``describe_filters(filters)`` words them for pages and messages. Matching calls
    ``accepts`` only for subscriptions that have filters.

    ``label(app, key)`` names the item a ``"key"`` subscription follows in words a resident knows (an
    application's reference and address, a report's title), or returns None when there is no such
    item. Pages and every message's footer say "about <label>" rather than the key (often an
    internal id), and a subscription to a key the topic cannot label is refused.
    """

    name: str
    title: str
    dataset: str
    load: Callable[[Flask, Sequence[Any]], Iterable[Item]]
    matcher: Literal["area", "key"] = "area"
    events: tuple[str, ...] = ("new",)
    description: str = ""
    clean_filters: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    accepts: Callable[[Item, Mapping[str, Any]], bool] | None = None
    describe_filters: Callable[[Mapping[str, Any]], str] | None = None
    label: Callable[[Flask, str], str | None] | None = None


def collect_topics(app: Flask, registry: PluginRegistry) -> dict[str, Topic]:
    """Every plugin's topics keyed ``<plugin>.<topic>``; refuses malformed ones at startup."""
    topics: dict[str, Topic] = {}
    for plugin, registered in registry.call_each("register_topics", app=app).items():
        for topic in registered:
            where = f"Plugin '{plugin}': topic {getattr(topic, 'name', topic)!r}"
            if not isinstance(topic, Topic):
                raise StartupError(
                    f"Plugin '{plugin}': register_topics must return civicapps.Topic objects, not {topic!r}."
                )
            if not TOPIC_NAME.fullmatch(topic.name):
                raise StartupError(f"{where} must have a snake_case name.")
            if topic.matcher not in MATCHERS:
                raise StartupError(f"{where} has matcher {topic.matcher!r}; expected one of {', '.join(MATCHERS)}.")
            if not topic.events or set(topic.events) - set(EVENTS):
                raise StartupError(f"{where} has events {topic.events!r}; expected some of {', '.join(EVENTS)}.")
            if topic.label is not None and topic.matcher != "key":
                raise StartupError(f"{where} has a label but matches by area; label names the items of key topics.")
            if (topic.clean_filters is None) != (topic.accepts is None):
                raise StartupError(f"{where} must give both clean_filters and accepts, or neither.")
            if "." not in topic.dataset:
                raise StartupError(f"{where} watches dataset {topic.dataset!r}; expected '<plugin>.<dataset>'.")
            full = f"{plugin}.{topic.name}"
            if full in topics:
                raise StartupError(f"{where} is registered twice.")
            topics[full] = topic
    return topics


def topics_of(app: Flask) -> dict[str, Topic]:
    return app.extensions["civicapps"].topics


def offered_topics(app: Flask) -> dict[str, Topic]:
    """The topics residents may subscribe to now: those of apps that are switched on."""
    paused = paused_topics(app)
    return {name: t for name, t in topics_of(app).items() if name not in paused}


def watching(app: Flask, dataset: str, event: str) -> dict[str, Topic]:
    """The topics that alert on ``event`` ("new" or "changed") records of ``dataset``."""
    return {name: t for name, t in topics_of(app).items() if t.dataset == dataset and event in t.events}
