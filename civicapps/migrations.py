"""Per-plugin Alembic migrations, run only by ``civicapps db upgrade``.

Each plugin (the core's own "core" plugin included) has its revisions in its own directory, its
own branch label and its own version table ``<name>_alembic_version``. Keeping the histories apart
means removing a plugin never leaves another plugin's upgrade pointing at a revision Alembic cannot
find, and ``civicapps db status`` can report each plugin separately.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import Connection, MetaData
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from civicapps.db import Database, get_database
from civicapps.errors import CivicappsError, DatabaseUnavailable

ENV_DIR = Path(__file__).with_name("alembic_env")


@dataclass(frozen=True)
class MigrationSet:
    """One plugin's migrations: where its revision scripts live and which tables it owns."""

    plugin: str
    directory: Path
    metadata: MetaData = field(compare=False)

    @property
    def version_table(self) -> str:
        return f"{self.plugin}_alembic_version"


@dataclass(frozen=True)
class MigrationState:
    """Where one plugin's schema stands."""

    plugin: str
    current: tuple[str, ...]
    heads: tuple[str, ...]
    pending: int

    @property
    def status(self) -> str:
        if not self.current and self.pending:
            return f"not installed ({self.pending} migration{'s' if self.pending != 1 else ''} pending)"
        if self.pending:
            return f"{self.pending} migration{'s' if self.pending != 1 else ''} pending"
        return "up to date"

    def as_dict(self) -> dict[str, object]:
        return {
            "current": list(self.current),
            "head": list(self.heads),
            "pending": self.pending,
            "status": self.status,
        }


def migration_sets(app: Flask) -> dict[str, MigrationSet]:
    return app.extensions["civicapps"].migration_sets


def _config(mset: MigrationSet, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ENV_DIR))
    cfg.set_main_option("version_locations", str(mset.directory))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes.update(
        connection=connection,
        version_table=mset.version_table,
        target_metadata=mset.metadata,
        table_prefix=f"{mset.plugin}_",
    )
    return cfg


@contextmanager
def _connect(db: Database) -> Iterator[Connection]:
    """A connection in a transaction; failing to connect at all is reported as DatabaseUnavailable."""
    try:
        connection = db.engine.connect()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"Cannot use the database at {db.display_url}: {reason}. Check database_url and that the server is running."
        ) from None
    with connection, connection.begin():
        yield connection


def state_of(db: Database, mset: MigrationSet) -> MigrationState:
    script = ScriptDirectory.from_config(_config(mset))
    heads = tuple(sorted(script.get_heads()))
    with _connect(db) as connection:
        context = MigrationContext.configure(connection, opts={"version_table": mset.version_table})
        current = tuple(sorted(context.get_current_heads()))
    pending = 0
    for head in heads:
        lower = current[0] if current else "base"
        try:
            pending += sum(1 for _ in script.iterate_revisions(head, lower))
        except Exception:  # Alembic raises several types when current is not an ancestor of head
            raise CivicappsError(
                f"Plugin '{mset.plugin}' is at revision {','.join(current)}, which its migrations do not "
                "contain; reinstall the plugin version that wrote it."
            ) from None
    return MigrationState(mset.plugin, current, heads, pending)


def status(app: Flask) -> list[MigrationState]:
    """The migration state of every plugin that has migrations."""
    db = get_database(app)
    return [state_of(db, mset) for mset in migration_sets(app).values()]


def upgrade(app: Flask, plugins: Iterable[str] | None = None) -> list[tuple[MigrationState, MigrationState]]:
    """Apply pending migrations, each plugin in its own transaction; returns (before, after) states."""
    db = get_database(app)
    sets = migration_sets(app)
    names = list(plugins) if plugins is not None else list(sets)
    unknown = [n for n in names if n not in sets]
    if unknown:
        raise CivicappsError(
            f"No migrations for plugin(s) {', '.join(unknown)}; plugins with migrations: {', '.join(sets) or 'none'}."
        )
    results = []
    for name in names:
        mset = sets[name]
        before = state_of(db, mset)
        if before.pending:
            try:
                with _connect(db) as connection:
                    command.upgrade(_config(mset, connection), "heads")
            except SQLAlchemyError as exc:
                raise CivicappsError(
                    f"Migration of plugin '{name}' failed and was rolled back: {str(exc).splitlines()[0]}"
                ) from None
        results.append((before, state_of(db, mset)))
    return results


def new_revision(app: Flask, plugin: str, message: str, autogenerate: bool = True) -> Path:
    """Write a new revision script for ``plugin`` (for plugin authors); returns its path."""
    sets = migration_sets(app)
    if plugin not in sets:
        raise CivicappsError(f"Plugin '{plugin}' has no migrations directory (implement register_migrations).")
    mset = sets[plugin]
    state = state_of(get_database(app), mset)
    if state.pending:
        raise CivicappsError(f"Plugin '{plugin}' has pending migrations; run 'civicapps db upgrade' first.")
    with _connect(get_database(app)) as connection:
        cfg = _config(mset, connection)
        script = command.revision(
            cfg,
            message=message,
            autogenerate=autogenerate,
            head="base" if not state.heads else state.heads[0],
            branch_label=plugin if not state.heads else None,
            version_path=str(mset.directory),
        )
    return Path(script.path)  # type: ignore[union-attr]  # one head: one Script
