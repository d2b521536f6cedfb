"""Which language a subscriber's messages are written in."""
from __future__ import annotations

from flask import Flask

from civicapps.notify.models import Subscription


def subscriber_language(app: Flask, subscription: Subscription) -> str:
    """The language the subscriber chose when subscribing, if the deployment still offers it.

    Otherwise (a subscription older than the choice was stored, a direct message's hidden one, a
    language since switched off) the deployment's ``default_language``, as every message was before.
    """
    settings = app.extensions["civicapps"].settings
    if subscription.language is not None and subscription.language in settings.languages:
        return subscription.language
    return settings.default_language
