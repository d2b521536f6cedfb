"""The signed links a message to a subscriber carries: confirm, unsubscribe, manage.

Each is a token for its own purpose (civicapps.signing), so an unsubscribe link cannot confirm and a
leaked confirmation reference cannot manage. The purposes keep the salts links were always signed
with, so links in messages already sent keep working.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask

from civicapps.i18n import external_url_in_language
from civicapps.notify.models import Subscription
from civicapps.notify.settings import notify_settings
from civicapps.signing import sign

CONFIRM = "civicapps.notify.confirm"  # the link in the confirmation message
REF = "civicapps.notify.ref"  # the page where the code from that message is entered
UNSUBSCRIBE = "civicapps.notify.unsubscribe"
MANAGE = "civicapps.notify.manage"  # every subscription of one target


def confirm_max_age(app: Flask) -> timedelta:
    """How long confirmation links and references work: as long as an unconfirmed subscription lives."""
    return timedelta(hours=notify_settings(app).confirm_within_hours)


def links(subscription: Subscription, confirm: bool = False) -> dict[str, str]:
    """The links a message to ``subscription`` carries (every one: unsubscribe and manage).

    Called inside ``in_language(subscription.language)``: each opens its page in the message's
    language (``?lang=``, as the language switcher's links do), so a subscriber reading Welsh alerts
    confirms, manages and stops them on Welsh pages, whatever browser they open the link in.
    """
    result = {
        "unsubscribe_url": external_url_in_language("notify.unsubscribe", token=sign(UNSUBSCRIBE, subscription.id)),
        "manage_url": external_url_in_language("notify.manage", token=sign(MANAGE, subscription.target_hash)),
    }
    if confirm:
        result["confirm_url"] = external_url_in_language("notify.confirm_link", token=sign(CONFIRM, subscription.id))
    return result
