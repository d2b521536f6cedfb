"""The one way this plugin tells people things: confirmation and sign-in links, invitations, join
requests, approvals, hand-overs. All go by email through the core notifications layer
(:func:`civicapps.send_message`): the outbox, a worker, retries and the egress guard.
"""

from __future__ import annotations

import uuid

from flask import abort, current_app

from civicapps import CivicappsError, forget_messages, gettext, messages_to, send_message
from civicapps_organogram.identity import normalise_email

#: Every message key starts with this, so a person's messages can be listed and erased (UK GDPR).
KEY_PREFIX = "organogram:"


def send(purpose: str, to_email: str, subject: str, body: str) -> None:
    """Queue one plain-text email to ``to_email`` in the caller's transaction (sent once it commits).

    ``purpose`` ("sign-in", "invitation"...) is part of the message key. Callers write ``subject`` and
    ``body`` with gettext in the recipient's language: a known person's (``with
    civicapps.in_language(person.language)``, whoever's action sends it), else the page's (a link asked
    for, an invitation to an address nobody has signed in with).

    Each call is a new message: every caller acts on a form submitted once, inside one transaction,
    so there is no natural key to deduplicate on. Addresses are lower-cased, as everywhere in this
    plugin, so a person's messages are found under the address their account has.

    A deployment that cannot send email yet answers 503 (and the caller's changes are not committed):
    a sign-in or confirmation link that never arrives would leave the person stuck.
    """
    try:
        key = f"{KEY_PREFIX}{purpose}:{uuid.uuid4().hex}"
        send_message("email", normalise_email(to_email), key=key, title=subject, text=body)
    except CivicappsError as exc:
        current_app.logger.error("Community groups cannot send email: %s", exc)
        abort(
            503, gettext("This site cannot send email yet, so we cannot send you a link. Please contact the council.")
        )


def sent_to(email: str) -> list[tuple[str, str]]:
    """(subject, ISO time queued) of every message to ``email``, for the person's own data page."""
    return [(m.title, m.created_at.isoformat()) for m in messages_to("email", email, KEY_PREFIX)]


def forget(email: str) -> None:
    """Erase every message to ``email`` (the caller commits)."""
    forget_messages("email", email, KEY_PREFIX)
