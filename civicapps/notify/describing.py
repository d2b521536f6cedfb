"""A subscription in words: what it follows, for pages and messages."""
from __future__ import annotations

import json

from flask import Flask

from civicapps.i18n import gettext
from civicapps.notify.models import Subscription
from civicapps.notify.topics import topics_of


def describe_area(subscription: Subscription, app: Flask | None = None) -> str:
    """The subscription's place (and, given the app, its topic's filters) in words for pages and messages.

    In the current language: a message's (its subscriber's, under ``force_locale``) or the page's.
    It follows the topic's title in a sentence ("Planning applications within 500 m of SW1A 1AA").
    """
    if subscription.radius_m is not None:
        where = subscription.place or f"{subscription.lat:.5f}, {subscription.lon:.5f}"
        distance = format(subscription.radius_m, "g")
        text = gettext("within %(distance)s m of %(place)s", distance=distance, place=where)
    elif subscription.polygon is not None:
        text = gettext("in the area you drew")
    else:
        key = subscription.key or ""
        text = gettext("about %(item)s", item=item_label(app, subscription.topic, key) if app is not None else key)
    topic = topics_of(app).get(subscription.topic) if app is not None else None
    if subscription.filters and topic is not None and topic.describe_filters is not None:
        text = gettext(
            "%(area)s (%(filters)s)", area=text, filters=topic.describe_filters(json.loads(subscription.filters))
        )
    return text


def item_label(app: Flask, topic_name: str, key: str) -> str:
    """What a key subscription follows, in words (the topic's ``label``), or the key when it has none.

    A followed item that has since gone (withdrawn, hidden) is "an item no longer published" rather
    than its id.
    """
    topic = topics_of(app).get(topic_name)
    if topic is None or topic.label is None:
        return key
    return topic.label(app, key) or gettext("an item that is no longer published")
