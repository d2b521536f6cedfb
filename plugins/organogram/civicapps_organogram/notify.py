"""The one way this plugin tells people things: confirmation links, invitations, approvals, hand-overs.

For now every message is recorded in the ``organogram_outbox`` table and nothing is delivered: the core
notifications layer (apprise delivery behind an egress guard, retries, unsubscribe links) is being
built separately. When it lands, :func:`send` is switched to hand the message to it, and no caller
changes. Tests read the outbox to follow links and to check who was told what.
"""

from __future__ import annotations

from flask import Flask

from civicapps import db_session
from civicapps_organogram.models import OutboxMessage


def send(app: Flask, to_email: str, subject: str, body: str) -> None:
    """Queue one plain-text message to ``to_email`` (added to the caller's transaction, not committed).

    ``app`` is unused until the core notifications layer takes over delivery; it is part of the
    signature so that switch does not touch the callers.
    """
    db_session().add(OutboxMessage(to_email=to_email.strip().lower(), subject=subject, body=body))
