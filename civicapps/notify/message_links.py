"""The signed links a message to a subscriber carries: confirm, unsubscribe, manage.

Each is a token for its own purpose (civicapps.signing), so an unsubscribe link cannot confirm and a
leaked confirmation reference cannot manage. The purposes keep the salts links were always signed
with, so links in messages already sent keep working.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask

from civicapps.i18n import LANGUAGE_PARAMETER
from civicapps.notify.models import Subscription
from civicapps.notify.settings import notify_settings
from civicapps.signing import sign
from civicapps.web.absolute_urls import external_url

CONFIRM = "civicapps.notify.confirm"  # the link in the confirmation message
REF = "civicapps.notify.ref"  # the page where the code from that message is entered
UNSUBSCRIBE = "civicapps.notify.unsubscribe"
MANAGE = "civicapps.notify.manage"  # every subscription of one target


def confirm_max_age(app: Flask) -> timedelta:
    """How long confirmation links and references work: as long as an unconfirmed subscription lives."""
    return timedelta(hours=notify_settings(app).confirm_within_hours)


def links(subscription: Subscription, language: str, confirm: bool = False) -> dict[str, str]:
    """The links a message to ``subscription`` carries (every one: unsubscribe and manage).

    Each opens its page in ``language``, the message's (``?lang=``, as the language switcher's links
    do): a subscriber reading Welsh alerts confirms, manages and stops them on Welsh pages, whatever
    browser they open the link in.
    """
    chosen = {LANGUAGE_PARAMETER: language}
    result = {
        "unsubscribe_url": external_url("notify.unsubscribe", token=sign(UNSUBSCRIBE, subscription.id), **chosen),
        "manage_url": external_url("notify.manage", token=sign(MANAGE, subscription.target_hash), **chosen),
    }
    if confirm:
        result["confirm_url"] = external_url("notify.confirm_link", token=sign(CONFIRM, subscription.id), **chosen)
    return result
