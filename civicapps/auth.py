"""Staff accounts: hashed passwords, two roles, revocable session login.

Residents never log in here; staff do, to see dashboards, inboxes and failed deliveries. Who is
signed in is decided by the ``actor_from_request`` provider hook, so a council can swap this
password login for its single sign-on without touching the rest.

Flask's sessions are signed cookies kept by the browser, so the server cannot delete one: a copied
cookie would stay valid after signing out. Each account therefore has a ``session_version``, written
into the session at sign-in and compared on every request; signing out, a new password and a new
role bump it, which ends every session of that account at once (and no other account's).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, url_for
from sqlalchemy import Integer, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from civicapps.clock import UTCDateTime
from civicapps.db import Model, db_session
from civicapps.errors import CivicappsError
from civicapps.i18n import gettext
from civicapps.roles import ROLES, Role

MIN_PASSWORD_LENGTH = 12


class User(Model):
    """A member of council staff (never a resident)."""

    __tablename__ = "core_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_version: Mapped[int] = mapped_column(Integer, server_default="0", default=0)


@dataclass(frozen=True)
class Actor:
    """The signed-in staff member a request acts for."""

    id: str
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def create_user(email: str, name: str, password: str, role: Role = "staff") -> User:
    """Add a staff account; raises CivicappsError for a bad role, short password or taken email."""
    email = email.strip().lower()
    if role not in ROLES:
        raise CivicappsError(_wrong_role(role))
    if "@" not in email:
        raise CivicappsError(gettext("%(email)s is not an email address.", email=repr(email)))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CivicappsError(_short_password())
    session = db_session()
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise CivicappsError(gettext("A staff account for %(email)s already exists.", email=email))
    user = User(email=email, name=name.strip() or email, role=role, password_hash=generate_password_hash(password))
    session.add(user)
    session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user with these credentials, or None. Takes the same time whether or not the email exists."""
    user = db_session().scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    db_session(write=True)  # a read transaction cannot become a write if a worker committed meanwhile
    user.last_login_at = datetime.now(UTC)
    db_session().commit()
    return user


_DUMMY_HASH = generate_password_hash("not-a-real-password")


# Account errors are in the language of whoever manages accounts: a page's reader, or the deployment's
# default_language on the command line.
def _wrong_role(role: str) -> str:
    return gettext("Role must be one of %(roles)s, not %(role)s.", roles=", ".join(ROLES), role=repr(role))


def _short_password() -> str:
    return gettext("Password must be at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)


def actor_for_session(user_id: Any, version: Any) -> Actor | None:
    """The staff member a session names, or None when the account is gone or the session was revoked."""
    if not isinstance(user_id, int) or not isinstance(version, int):
        return None
    user = db_session().get(User, user_id)
    if user is None or user.session_version != version:
        return None
    return Actor(id=str(user.id), name=user.name, role=user.role)  # type: ignore[arg-type]  # create_user allows only ROLES


def end_sessions(user_id: int) -> None:
    """Revoke every session of this account (signing out everywhere); commits."""
    _update_user(User.id == user_id, f"#{user_id}")


def change_password(email: str, password: str) -> None:
    """Set a new password and sign the account out everywhere; raises CivicappsError for a bad one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CivicappsError(_short_password())
    _update_user(User.email == email.strip().lower(), email, password_hash=generate_password_hash(password))


def change_role(email: str, role: Role) -> None:
    """Give the account another role and sign it out everywhere (its sessions were granted the old one)."""
    if role not in ROLES:
        raise CivicappsError(_wrong_role(role))
    _update_user(User.email == email.strip().lower(), email, role=role)


def _update_user(which: Any, who: str, **values: Any) -> None:
    """Change an account and bump its session version in one UPDATE (writing first, so SQLite waits
    its turn, and without reading first, so two changes at once both count); commits."""
    session = db_session(write=True)
    changed = session.execute(update(User).where(which).values(session_version=User.session_version + 1, **values))
    if not changed.rowcount:
        session.rollback()
        raise CivicappsError(gettext("There is no staff account for %(email)s.", email=who.strip().lower()))
    session.commit()


def current_actor() -> Actor | None:
    """The staff member making the current request, or None (cached for the request)."""
    if "_civicapps_actor" not in g:
        registry = current_app.extensions["civicapps"].registry
        g._civicapps_actor = registry.call_first("actor_from_request", app=current_app, request=request)
    return g._civicapps_actor


F = TypeVar("F", bound=Callable[..., Any])


def staff_required(view: F | None = None, *, role: Role = "staff") -> Any:
    """Decorator for views only staff may see; ``role="admin"`` for admins only.

    Anonymous visitors are sent to the login page and brought back afterwards; signed-in staff
    without the role get 403.
    """

    def decorate(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor is None:
                return redirect(url_for("core.login", next=request.full_path.rstrip("?")))
            if role == "admin" and not actor.is_admin:
                abort(403)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]  # wraps keeps func's signature

    return decorate(view) if view is not None else decorate
