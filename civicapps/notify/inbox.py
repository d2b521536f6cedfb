"""The development inbox: in the demo every message really goes through apprise, to this host.

apprise posts JSON (``json://`` on 127.0.0.1, which the operator allow-list must admit) to a secret
path on the app itself; staff read the messages at ``/-/inbox``. A new user sees the whole loop,
subscribe -> confirm -> alert, in the browser without any mail server.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask

from civicapps.db import db_session
from civicapps.notify.models import InboxMessage
from civicapps.notify.subscriptions import DEV_BASE_URL


def inbox_token(app: Flask) -> str:
    """The secret path part apprise posts to; anyone else posting there gets a 404."""
    return hmac.new(app.secret_key.encode(), b"civicapps.notify.inbox", hashlib.sha256).hexdigest()[:32]  # type: ignore[union-attr]


def inbox_url(app: Flask, channel: str, recipient: str) -> str:
    """The apprise URL of this host's inbox (127.0.0.1 at base_url's port), tagging the message with its
    channel and masked recipient."""
    base = urlsplit(app.extensions["civicapps"].settings.base_url or DEV_BASE_URL)
    query = urlencode({":channel": channel, ":recipient": recipient})
    return f"json://127.0.0.1:{base.port or 80}{base.path.rstrip('/')}/-/inbox/receive/{inbox_token(app)}?{query}"


def receive(payload: dict[str, Any]) -> None:
    """Store one message apprise posted."""
    session = db_session()
    session.add(
        InboxMessage(
            channel=str(payload.get("channel", "?"))[:20],
            recipient=str(payload.get("recipient", "?"))[:200],
            title=str(payload.get("title", "")),
            body=str(payload.get("message", "")),
        )
    )
    session.commit()
