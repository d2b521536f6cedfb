"""Registering a group: nothing is public until the registrant follows the link emailed to them.

Registration is open to anyone, so it is rate-limited per client address (``civicapps.RateLimit``,
so the limit holds across web processes). The address itself is not stored with the group (it is
personal data).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import url_for

from civicapps import RateLimit, db_session, gettext
from civicapps_organogram import notify
from civicapps_organogram.identity import find_or_create_person, make_token, normalise_email, sign_in
from civicapps_organogram.membership import add_member
from civicapps_organogram.models import ACTIVE, PENDING, Group
from civicapps_organogram.register import SENSITIVE_THEMES
from civicapps_organogram.settings import current_settings

CONFIRM = "confirm-group"


def too_many_registrations(address: str) -> bool:
    """Count one registration from ``address`` (across every web process); True when over the limit."""
    limit = RateLimit("organogram.registration", current_settings().registrations_per_hour, timedelta(hours=1))
    return not limit.hit(address)


def register_group(fields: dict[str, Any], registrant_email: str) -> Group:
    """A pending group and the confirmation message to the registrant (the caller commits).

    Membership of a political, faith or trade-union group reveals special category data (UK GDPR
    Art 9), so such a group's membership is always private; any other group may choose it.
    """
    group = Group(status=PENDING, **fields)
    group.membership_private = bool(group.membership_private) or group.theme in SENSITIVE_THEMES
    db_session().add(group)
    db_session().flush()
    token = make_token(CONFIRM, {"g": group.id, "e": normalise_email(registrant_email)})
    link = url_for("organogram.confirm_group", token=token, _external=True)
    minutes = current_settings().link_max_age_minutes
    notify.send(
        "confirm-group",
        registrant_email,
        gettext("Confirm your group: %(group)s", group=group.name),
        gettext(
            "Follow this link within %(minutes)s minutes to confirm %(group)s and become its admin:\n%(link)s\n\n"
            "If you did not register this group, ignore this message and nothing will be published.",
            minutes=minutes,
            group=group.name,
            link=link,
        ),
    )
    return group


def confirm_group(payload: dict[str, Any]) -> Group | None:
    """Activate the group named in a confirmation token; the registrant becomes its admin and is
    signed in. None when the group is gone or was already confirmed (links work once)."""
    group = db_session().get(Group, payload.get("g"))
    if group is None or group.status != PENDING:
        return None
    person = find_or_create_person(str(payload["e"]))
    group.status = ACTIVE
    add_member(person, group, admin=True)
    sign_in(person, payload)
    return group
