"""An app for each test: a fresh database (SQLite, or PostgreSQL), exactly the plugins named, its CLI, real HTTP.

* ``civic_app_factory(plugins=[...], config={...}, load_entrypoints=False, migrate=True)`` builds an app
  on a fresh temporary database with exactly the plugins named, migrations applied.
* ``civic_app``, ``civic_client`` and ``civic_runner``: a core-only app, its test client, and a CLI
  runner whose ``invoke(args)`` runs ``civicapps ARGS`` against that app.
* ``civic_live_server_factory(app)`` serves an app over real HTTP on 127.0.0.1 (for a browser, or a
  client that needs a socket) and returns its base URL; ``civic_live_server`` is ``civic_app`` served so.

Set ``CIVICAPPS_TEST_DATABASE_URL`` to a PostgreSQL server URL (a role that may create databases) and
each test gets its own freshly created database there instead of a SQLite file.
"""
from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from werkzeug.serving import BaseWSGIServer, make_server

from civicapps.app import create_app
from civicapps.cli import cli
from civicapps.migrations import upgrade

TEST_DATABASE_ENV = "CIVICAPPS_TEST_DATABASE_URL"

AppFactory = Callable[..., Flask]
LiveServerFactory = Callable[[Flask], str]


class CivicRunner:
    """Runs ``civicapps`` commands against one app, as a resident of the shell would."""

    def __init__(self, app: Flask):
        self.app = app
        self._runner: FlaskCliRunner = app.test_cli_runner()

    def invoke(self, args: Iterable[str], **kwargs: Any) -> Result:
        return self._runner.invoke(cli, list(args), **kwargs)


@pytest.fixture
def civic_database_url(tmp_path: Any) -> Iterator[Callable[[], str]]:
    """A function returning a new empty database URL (SQLite file, or a PostgreSQL database)."""
    server = _postgres_server()
    created: list[str] = []

    def new() -> str:
        name = f"civicapps_test_{uuid.uuid4().hex[:12]}"
        if server is None:
            return f"sqlite:///{tmp_path / f'{name}.db'}"
        with _admin_engine(server).connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(server).set(database=name).render_as_string(hide_password=False)

    yield new
    if server is not None:
        with _admin_engine(server).connect() as connection:
            for name in created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def civic_app_factory(tmp_path: Any, civic_database_url: Callable[[], str]) -> Iterator[AppFactory]:
    apps: list[Flask] = []

    def make(
        plugins: Iterable[Any] = (),
        config: Mapping[str, Any] | None = None,
        *,
        load_entrypoints: bool = False,
        migrate: bool = True,
    ) -> Flask:
        merged: dict[str, Any] = {
            "instance_path": str(tmp_path / f"instance-{len(apps)}"),
            "database_url": civic_database_url(),
            "secret_key": "test-secret-key",
        }
        merged.update(config or {})
        app = create_app(merged, plugins=plugins, load_entrypoints=load_entrypoints)
        app.config["TESTING"] = True
        if migrate:
            with app.app_context():
                upgrade(app)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["civicapps"].db.dispose()


@pytest.fixture
def civic_app(civic_app_factory: AppFactory) -> Flask:
    return civic_app_factory()


@pytest.fixture
def civic_client(civic_app: Flask) -> FlaskClient:
    return civic_app.test_client()


@pytest.fixture
def civic_runner(civic_app: Flask) -> CivicRunner:
    return CivicRunner(civic_app)


def _postgres_server() -> str | None:
    return os.environ.get(TEST_DATABASE_ENV) or None


_ENGINES: dict[str, Any] = {}


def _admin_engine(url: str) -> Any:
    if url not in _ENGINES:
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        _ENGINES[url] = create_engine(parsed, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    return _ENGINES[url]


@pytest.fixture
def civic_live_server_factory() -> Iterator[LiveServerFactory]:
    """A function serving ``app`` on 127.0.0.1 at a free port, from a daemon thread.

    It returns the base URL without a trailing slash, e.g. ``http://127.0.0.1:41234``. Every server it
    started is shut down when the test ends.
    """
    servers: list[tuple[BaseWSGIServer, threading.Thread]] = []

    def serve(app: Flask) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name=f"civic-live-server-{server.port}", daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.port}"

    yield serve
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def civic_live_server(civic_app: Flask, civic_live_server_factory: LiveServerFactory) -> str:
    """The base URL of ``civic_app`` served over real HTTP (see ``civic_live_server_factory``)."""
    return civic_live_server_factory(civic_app)
