"""Storage: one SQLAlchemy engine per app, a session per application context.

SQLite (a file in the instance folder, WAL mode) is the default; a PostgreSQL ``database_url``
switches with no code change. Plugins declare models on :class:`Model`, with table names prefixed by
the plugin's name, and ship Alembic revisions (see :mod:`civicapps.migrations`).
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, Insert, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from civicapps.errors import StartupError


class Model(DeclarativeBase):
    """Base class for every civicapps table, core and plugins alike."""


class Database:
    """The app's engine and session factory (kept on ``app.extensions["civicapps"].db``)."""

    def __init__(self, url: str):
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StartupError(
                f"database_url {url!r} is not a database URL; expected e.g. sqlite:///path/civicapps.db "
                "or postgresql+psycopg://user@host/dbname"
            ) from None
        self.url = parsed
        options: dict[str, Any] = {"future": True}
        if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.get_backend_name() != "sqlite":
            options["pool_pre_ping"] = True
        try:
            self.engine: Engine = create_engine(parsed, **options)
        except ModuleNotFoundError as exc:
            raise StartupError(
                f"The database driver for {parsed.drivername} is not installed ({exc.name}); "
                "for PostgreSQL run: pip install 'psycopg[binary]'"
            ) from None
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def display_url(self) -> str:
        """The URL with any password masked, safe to print and log."""
        return self.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web process read while a worker writes; busy_timeout waits instead of failing.
    # synchronous=NORMAL is the setting WAL is designed for: commits survive the process crashing and
    # skip an fsync each (1.3 ms -> 0.02 ms here, which bounds a worker recording each message sent);
    # only a power cut or OS crash can lose the last commits, never corrupt the file.
    # Python's sqlite3 module commits silently before DDL; taking over BEGIN ourselves (the
    # SQLAlchemy-documented recipe) makes a migration one transaction that rolls back whole.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def insert_ignoring_conflicts(dialect: str, table: Any) -> Insert:
    """An INSERT that silently skips rows clashing with a unique constraint (SQLite or PostgreSQL).

    Idempotent writes (one outbox row per subscription and item, one lease row) rely on the database
    refusing the second copy rather than on reading first, which two workers can both do at once.
    """
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


def start_writing(session: Session) -> None:
    """End the session's read-only transaction, so that the writes that follow begin a fresh one.

    On SQLite (WAL) a transaction that has only read cannot become a writing one if another
    connection committed in the meantime: SQLite answers "database is locked" at once, without
    waiting. A transaction whose first statement writes waits its turn instead. Call this after
    reading and before changing anything; objects already loaded stay usable (no expiry on commit).
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("start_writing() must come before the session holds changes")
    session.commit()


def get_database(app: Flask | None = None) -> Database:
    """The database of ``app`` (default: the current app)."""
    app = app or current_app
    return app.extensions["civicapps"].db


def db_session() -> Session:
    """The SQLAlchemy session for the current application context.

    One session per request (or per CLI command); it is closed when the context ends, and anything
    not committed is rolled back then.
    """
    session = g.get("_civicapps_session")
    if session is None:
        session = get_database().sessionmaker()
        g._civicapps_session = session
    return session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("_civicapps_session", None)
    if session is not None:
        session.close()
