"""Residents sign in with an emailed link: no passwords, no account system in the core.

Group admins and members are residents, not council staff, so they never use ``/-/login``. A link is
signed with the app's secret key (``civicapps.sign``), lasts
``link_max_age_minutes``, and works once: it carries the time it was issued, and a person who has
signed in since cannot use it again. Following the link shows a button rather than signing in at
once, so mail scanners that fetch links cannot use it up. The signed-in person is kept under a key of
this plugin's own in the Flask session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import g, redirect, request, session, url_for
from sqlalchemy import func, select

from civicapps import current_language, db_session, sign, unsign
from civicapps_organogram.models import Person
from civicapps_organogram.settings import current_settings

SESSION_KEY = "organogram_person_id"
F = TypeVar("F", bound=Callable[..., Any])


def _salt(purpose: str) -> str:
    return f"civicapps-organogram-{purpose}"  # as links were always signed, so those already sent still work


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    """A signed, URL-safe token for ``purpose`` ("sign-in", "confirm-group") carrying ``payload``, the
    time it was issued (so a sign-in link works only until the person next signs in) and the language
    of the page it was asked for on (the person's, wherever they open the link: :func:`sign_in`)."""
    return sign(_salt(purpose), payload | {"t": time.time(), "l": current_language()})


def read_token(purpose: str, token: str) -> dict[str, Any] | None:
    """The payload of a genuine, unexpired token for ``purpose``, else None."""
    payload = unsign(_salt(purpose), token, timedelta(minutes=current_settings().link_max_age_minutes))
    return payload if isinstance(payload, dict) else None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def person_by_email(email: str) -> Person | None:
    return db_session().scalar(select(Person).where(func.lower(Person.email) == normalise_email(email)))


def find_or_create_person(email: str) -> Person:
    """The person with this address, created on first use (only after they proved they own it)."""
    person = person_by_email(email)
    if person is None:
        person = Person(email=normalise_email(email))
        db_session().add(person)
        db_session().flush()
    return person


def sign_in_link_unused(person: Person | None, payload: dict[str, Any]) -> bool:
    """Whether a sign-in token is still fresh: not older than the person's last sign-in."""
    if person is None or person.last_sign_in_at is None:
        return True
    return datetime.fromtimestamp(float(payload.get("t", 0)), UTC) > person.last_sign_in_at


def sign_in(person: Person, payload: dict[str, Any]) -> None:
    """Start a session for ``person`` with the link whose token carried ``payload`` (the caller commits).

    The person's language becomes the one they asked for the link in (this page's, for links made before
    tokens carried it): every email to them is written in it, whoever's action sends it.
    """
    session.pop(SESSION_KEY, None)
    session[SESSION_KEY] = person.id
    person.last_sign_in_at = datetime.now(UTC)
    person.language = str(payload.get("l") or current_language())
    g._organogram_person = person


def sign_out() -> None:
    session.pop(SESSION_KEY, None)
    g.pop("_organogram_person", None)


def current_person() -> Person | None:
    """The resident signed in to this plugin, or None (cached for the request)."""
    if "_organogram_person" not in g:
        person_id = session.get(SESSION_KEY)
        g._organogram_person = db_session().get(Person, person_id) if isinstance(person_id, int) else None
    return g._organogram_person


def person_required(view: F) -> F:
    """Views for signed-in residents; others are sent to sign in and brought back."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_person() is None:
            return redirect(url_for("organogram.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]  # wraps keeps func's signature

