"""Staff accounts: hashed passwords, two roles, session login and a per-address login throttle.

Residents never log in here; staff do, to see dashboards, inboxes and failed deliveries. Who is
signed in is decided by the ``actor_from_request`` provider hook, so a council can swap this
password login for its single sign-on without touching the rest.
"""
from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any, Literal, TypeVar

from flask import abort, current_app, g, redirect, request, url_for
from sqlalchemy import DateTime, String, func, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from civicapps.db import Model, db_session
from civicapps.errors import CivicappsError

Role = Literal["admin", "staff"]
ROLES: tuple[Role, ...] = ("admin", "staff")
MIN_PASSWORD_LENGTH = 12


class User(Model):
    """A member of council staff (never a resident)."""

    __tablename__ = "core_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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
        raise CivicappsError(f"Role must be one of {', '.join(ROLES)}, not {role!r}.")
    if "@" not in email:
        raise CivicappsError(f"{email!r} is not an email address.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CivicappsError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters.")
    session = db_session()
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise CivicappsError(f"A staff account for {email} already exists.")
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


def actor_for_user_id(user_id: Any) -> Actor | None:
    if not isinstance(user_id, int):
        return None
    user = db_session().get(User, user_id)
    if user is None:
        return None
    return Actor(id=str(user.id), name=user.name, role=user.role)  # type: ignore[arg-type]


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

        return wrapper  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


class LoginThrottle:
    """At most ``limit`` failed logins per client address in ``window`` seconds.

    Kept in memory per process: enough to make guessing from one address slow; a deployment with
    several web processes should also rate-limit at its reverse proxy.
    """

    def __init__(self, limit: int = 5, window: float = 300.0):
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures[key]
        cutoff = time.monotonic() - self.window
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures

    def blocked(self, key: str) -> bool:
        return len(self._recent(key)) >= self.limit

    def failed(self, key: str) -> None:
        self._recent(key).append(time.monotonic())

    def reset(self, key: str) -> None:
        self._failures.pop(key, None)
