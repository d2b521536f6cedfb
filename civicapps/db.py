"""Storage: one SQLAlchemy engine per app, a session per application context.

SQLite (a file in the instance folder, WAL mode) is the default; a PostgreSQL ``database_url``
switches with no code change. Plugins declare models on :class:`Model`, with table names prefixed by
the plugin's name, and ship Alembic revisions (see :mod:`civicapps.migrations`).
"""
from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, current_app, g, has_app_context, request, request_started
from sqlalchemy import Engine, Insert, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from civicapps.errors import StartupError

WRITE_LOCK = "civicapps_write_lock"
"""Connection execution option: on SQLite, the transaction begins with ``BEGIN IMMEDIATE``."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FIRST_WRITE = "civicapps_first_transaction_writes"
_COMMITTING = "civicapps_commit_attempted"

CONNECT_RETRY_SECONDS = 10.0
"""How long opening a PostgreSQL connection keeps retrying while the server restarts (a
``systemctl restart postgresql`` is down for a few seconds); past that the error is raised."""

logger = logging.getLogger("civicapps.db")


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
        if parsed.get_backend_name() != "sqlite":
            event.listen(self.engine, "do_connect", _connect_retrying)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        # Same pool and listeners; every transaction on it takes SQLite's write lock as it begins.
        self.write_engine: Engine = self.engine.execution_options(**{WRITE_LOCK: True})
        self.write_sessionmaker = sessionmaker(self.write_engine, expire_on_commit=False)
        event.listen(self.sessionmaker, "after_transaction_end", self._first_write_done)
        event.listen(self.sessionmaker, "before_commit", _note_commit)

    def _first_write_done(self, session: Session, transaction: Any) -> None:
        # A write request's session reads without the lock once its first unit of work has ended, so
        # that what runs after the commit in the same thread (a job run at once, an event listener
        # with a session of its own) can write without waiting for a lock this request holds.
        if transaction.parent is None and session.info.pop(_FIRST_WRITE, False):
            session.bind = self.engine

    @property
    def display_url(self) -> str:
        """The URL with any password masked, safe to print and log."""
        return self.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def _connect_retrying(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    # A server that is restarting refuses connections ("Connection refused", "the database system is
    # starting up / shutting down") for a few seconds: a request waits that out rather than failing.
    # Bounded, so that a server that is really down still answers 503 within seconds.
    deadline = time.monotonic() + CONNECT_RETRY_SECONDS
    delay = 0.1
    while True:
        try:
            return dialect.connect(*cargs, **cparams)
        except dialect.loaded_dbapi.OperationalError as exc:
            if time.monotonic() + delay > deadline:
                raise
            if delay == 0.1:  # once per connection attempt; the message names host and port, no password
                logger.warning("Cannot connect to the database (%s); retrying", str(exc).strip().splitlines()[0][:200])
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _note_commit(session: Session) -> None:
    session.info[_COMMITTING] = True


def commit_attempted() -> bool:
    """Whether the current context's session has begun a COMMIT (which may have reached the database).

    A request that failed on a dead connection is safe to run again only if this is False: whatever it
    wrote was in a transaction the server rolled back when the connection died.
    """
    session: Session | None = g.get("_civicapps_session")
    return session is not None and bool(session.info.get(_COMMITTING))


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
    # A deferred BEGIN that has read cannot later write if another connection committed meanwhile:
    # SQLite answers "database is locked" at once (busy_timeout cannot help, the snapshot is stale).
    # A unit of work that will write therefore takes the write lock as it begins, and waits its turn
    # (busy_timeout) there, before reading anything.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE_LOCK) else "BEGIN")


def dialect_insert(dialect: str, table: Any) -> Any:
    """An INSERT of ``dialect`` ("sqlite" or "postgresql") that can take ``ON CONFLICT`` clauses.

    Both databases speak ``INSERT ... ON CONFLICT``; SQLAlchemy spells it the same for each, but only
    on its dialect's own insert, so choosing the dialect module is the one difference.
    """
    module = {"sqlite": sqlite, "postgresql": postgresql}.get(dialect)
    if module is None:  # pragma: no cover - only the two supported databases reach here
        raise NotImplementedError(f"ON CONFLICT is not implemented here for {dialect}")
    return module.insert(table)


def insert_ignoring_conflicts(dialect: str, table: Any) -> Insert:
    """An INSERT that silently skips rows clashing with a unique constraint (SQLite or PostgreSQL).

    Idempotent writes (one outbox row per subscription and item, one lease row) rely on the database
    refusing the second copy rather than on reading first, which two workers can both do at once.
    """
    return dialect_insert(dialect, table).on_conflict_do_nothing()


def begin_writing(session: Session) -> None:
    """Give ``session`` a transaction that holds the database's write lock from its start.

    Ends a transaction that has only read (it holds no changes, or this raises), then begins one that
    takes SQLite's write lock at once (``BEGIN IMMEDIATE``, waiting up to busy_timeout for another
    writer); on PostgreSQL it is an ordinary transaction. It lasts until the next commit or rollback;
    the session's transactions after that begin as the session's own do. Objects already loaded stay
    usable (no expiry on commit). A no-op if the session's transaction already holds the lock.
    """
    if session.in_transaction():
        if session.connection().get_execution_options().get(WRITE_LOCK):
            return
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_writing() must come before the session holds changes")
        session.commit()
    session.connection(execution_options={WRITE_LOCK: True})


def get_database(app: Flask | None = None) -> Database:
    """The database of ``app`` (default: the current app)."""
    app = app or current_app
    return app.extensions["civicapps"].db


def db_session(*, write: bool = False) -> Session:
    """The SQLAlchemy session for the current application context.

    One session per request (or per CLI command or job); it is closed when the context ends, and
    anything not committed is rolled back then.

    Writing on SQLite: a transaction that reads and then writes fails with "database is locked" when
    another process committed in between, so a unit of work that writes must take the write lock
    before it reads. Requests other than GET, HEAD and OPTIONS get this for free: their session's
    first transaction (up to its commit or rollback) takes the lock as it begins. Commands, jobs, and
    a request's later units of work ask for it with ``write=True`` just before a unit of work that
    writes: that ends the session's read-only transaction (commit or roll back your changes first)
    and begins one holding the lock until you commit or roll back. Keep that stretch short (no
    network calls in it), and make every write in it through this session: another connection that
    writes waits for this one's lock.
    """
    session = g.get("_civicapps_session")
    if session is None:
        database = get_database()
        session = database.sessionmaker()
        if g.get(_FIRST_WRITE):
            session.bind = database.write_engine
            session.info[_FIRST_WRITE] = True
        g._civicapps_session = session
    if write:
        begin_writing(session)
    return session


def writing_session(app: Flask) -> Session | None:
    """The current context's session of ``app`` if it holds (or will take) the write lock, else None.

    Code that writes through a session of its own (a cache, say) joins this one instead when there is
    one: a second connection would wait for the first one's lock, held by the same request.
    """
    if not has_app_context() or current_app._get_current_object() is not app:  # type: ignore[attr-defined]  # the proxy's own method; typed as Flask
        return None
    session: Session | None = g.get("_civicapps_session")
    if session is None:
        return None
    if session.get_bind().get_execution_options().get(WRITE_LOCK):
        return session
    if session.in_transaction() and session.connection().get_execution_options().get(WRITE_LOCK):
        return session
    return None


def install_sessions(app: Flask) -> None:
    """One session per application context; a write request's session begins holding the lock."""
    request_started.connect(_note_request_method, app)
    app.teardown_appcontext(close_session)


def _note_request_method(_app: Flask, **_extra: Any) -> None:
    # On the request's own application context (``g``), so that an application context pushed inside
    # the request (a job run at once) does not take this request's method for its own.
    g.setdefault(_FIRST_WRITE, request.method not in SAFE_METHODS)


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("_civicapps_session", None)
    if session is None:
        return
    try:
        session.close()
    except DBAPIError as exc:
        # The server ended the connection after the work was done (a restart's fast shutdown): closing
        # only rolls back, which the server has done already, so the answer stands. The connection is
        # thrown away rather than returned to the pool.
        logger.warning("The database connection was lost while closing the session (%s)", type(exc.orig).__name__)
        session.invalidate()
