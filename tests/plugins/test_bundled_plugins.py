"""The bundled plugins side by side, found through their entry points exactly as third-party plugins are."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import MetaData

from civicapps import Model
from civicapps.testing import AppFactory, CivicRunner

BUNDLED = {
    "planning_alerts": "civicapps-planning-alerts",
    "street_reports": "civicapps-street-reports",
    "organogram": "civicapps-organogram",
    "bin_collections": "civicapps-bin-collections",
    "dataset_apps": "civicapps-dataset-apps",
}


@pytest.fixture
def app(civic_app_factory: AppFactory) -> Flask:
    return civic_app_factory(load_entrypoints=True)


def test_each_is_found_by_its_entry_point_with_its_own_distribution(app: Flask) -> None:
    result = CivicRunner(app).invoke(["plugins", "--json"])
    assert result.exit_code == 0, result.output
    report = {plugin["name"]: plugin for plugin in json.loads(result.output)}
    for name, distribution in BUNDLED.items():
        plugin = report[name]
        assert plugin["distribution"] == distribution
        assert plugin["url_prefix"] == "/" + name.replace("_", "-")
        assert plugin["migrations"]["status"] == "up to date"
        assert {"register_blueprint", "register_migrations", "load_demo_data", "menu_links"} <= set(plugin["hooks"])


@pytest.mark.parametrize("name", BUNDLED)
def test_migrations_create_exactly_the_tables_the_models_describe(app: Flask, name: str) -> None:
    assert schema_drift(app, name) == []


def schema_drift(app: Flask, plugin: str) -> list[Any]:
    """How a plugin's migrated tables differ from its models, as ``civicapps db revision`` would see it.

    Non-empty means a model was changed without a migration, or the other way round.
    """

    def own(name: str | None) -> bool:
        return (name or "").startswith(f"{plugin}_") and not (name or "").endswith("_alembic_version")

    models = MetaData()
    for table in Model.metadata.tables.values():
        if own(table.name):
            table.to_metadata(models)
    options = {"include_name": lambda name, type_, _parents: type_ != "table" or own(name), "compare_type": True}
    with app.extensions["civicapps"].db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts=options), models)


def test_demo_loads_every_sample_once_even_when_run_twice(app: Flask, tmp_path: Path) -> None:
    runner = CivicRunner(app)
    for _ in range(2):
        result = runner.invoke(["demo", "--no-serve", "--instance", str(tmp_path / "demo")])
        assert result.exit_code == 0, result.output
        for name in BUNDLED:
            assert f"sample data: {name} loaded" in result.output
    assert runner.invoke(["planning-alerts", "stats"]).output.splitlines()[-1].split()[:2] == ["total", "347"]
    assert len(runner.invoke(["street-reports", "list"]).output.splitlines()) == 8
    assert len(runner.invoke(["organogram", "tree"]).output.splitlines()) == 8
    assert runner.invoke(["bin-collections", "next", "YO1 7HH"]).output.count("Demo House") == 2


def test_home_page_has_a_card_per_plugin(app: Flask) -> None:
    html = app.test_client().get("/").get_data(as_text=True)
    card = r'<li class="civic-card">\s*<h2 class="govuk-heading-m"><a href="([^"]+)" class="govuk-link">([^<]+)</a>'
    cards = re.findall(card, html)
    assert set(cards) >= {
        ("/planning-alerts/", "Planning applications"),
        ("/street-reports/", "Street reports"),
        ("/organogram/", "Community groups"),
        ("/bin-collections/", "Bin collections"),
    }


#: What the move to the shared ``civicapps.RateLimit`` left unread: (plugin, table, column or None
#: for the whole table, its index), the revision before the one that drops it, and how many
#: revisions are pending from there (that one and any after it).
RATE_LIMIT_LEFTOVERS = [
    (
        "street_reports",
        "street_reports_submission",
        None,
        "ix_street_reports_submission_client",
        "street_reports_0002",
        "4 migrations pending",
    ),
    (
        "organogram",
        "organogram_group",
        "registrant_key",
        "ix_organogram_group_registrant_key",
        "organogram_0003",
        "2 migrations pending",
    ),
    (
        "notify",
        "notify_subscription",
        "ip_hash",
        "ix_notify_subscription_ip_hash",
        "notify_0004",
        "5 migrations pending",
    ),
]


@pytest.mark.parametrize(("plugin", "table", "column", "index", "before", "pending"), RATE_LIMIT_LEFTOVERS)
def test_old_rate_limit_storage_is_dropped_and_downgrade_restores_it(
    app: Flask, plugin: str, table: str, column: str | None, index: str, before: str, pending: str
) -> None:
    """Personal data kept for counting is gone once counting moved; a downgrade gives the schema back."""
    from alembic import command
    from sqlalchemy import inspect

    from civicapps.migrations import _config, migration_sets, status

    engine = app.extensions["civicapps"].db.engine

    def present() -> tuple[bool, bool]:
        inspector = inspect(engine)
        if table not in inspector.get_table_names():
            return False, False
        has_column = column is None or column in {c["name"] for c in inspector.get_columns(table)}
        # (a whole table is present when it exists; a column when the table has it)
        return has_column, index in {i["name"] for i in inspector.get_indexes(table)}

    assert present() == (False, False)
    with engine.connect() as connection, connection.begin():
        command.downgrade(_config(migration_sets(app)[plugin], connection), before)
    assert present() == (True, True)
    assert {s.plugin: s.status for s in status(app)}[plugin] == pending
    with engine.connect() as connection, connection.begin():
        command.upgrade(_config(migration_sets(app)[plugin], connection), "heads")
    assert present() == (False, False)


# A table that other tables refer to with ON DELETE CASCADE must never be rebuilt by a migration on
# SQLite: with foreign keys on, dropping the old copy deletes every referring row. Each case is the
# revision before such a migration, the referred table and a table referring to it.
REFERRED_TABLES = [
    ("notify", "notify_0001", "notify_subscription", "notify_outbox", "subscription_id"),
    ("organogram", "organogram_0002", "organogram_group", "organogram_post", "group_id"),
]


@pytest.mark.parametrize(("plugin", "before", "referred", "referring", "foreign_key"), REFERRED_TABLES)
def test_upgrade_and_downgrade_keep_every_row_that_refers_to_an_altered_table(
    app: Flask, plugin: str, before: str, referred: str, referring: str, foreign_key: str
) -> None:
    """Upgrading an existing deployment (and going back) keeps its queued messages and its posts."""
    from alembic import command
    from sqlalchemy import Table, func, insert, select

    from civicapps.migrations import _config, migration_sets

    engine = app.extensions["civicapps"].db.engine

    def migrate(step: Any, revision: str) -> None:
        with engine.connect() as connection, connection.begin():
            step(_config(migration_sets(app)[plugin], connection), revision)

    def counts() -> tuple[int, int]:
        with engine.connect() as connection:
            return tuple(  # type: ignore[return-value]
                connection.scalar(select(func.count()).select_from(Table(name, MetaData(), autoload_with=connection)))
                for name in (referred, referring)
            )

    migrate(command.downgrade, before)
    with engine.begin() as connection:
        parent = Table(referred, MetaData(), autoload_with=connection)
        child = Table(referring, MetaData(), autoload_with=connection)
        parent_id = connection.execute(insert(parent).values(_required(parent)).returning(parent.c.id)).scalar_one()
        connection.execute(insert(child).values({**_required(child), foreign_key: parent_id}))
    assert counts() == (1, 1)
    migrate(command.upgrade, "heads")
    assert counts() == (1, 1)
    migrate(command.downgrade, before)
    assert counts() == (1, 1)


def _required(table: Any) -> dict[str, Any]:
    """A value of the right type for each column that must be given (not null, no default)."""
    from datetime import UTC, date, datetime

    now = datetime.now(UTC)
    filler: dict[type, Any] = {int: 0, float: 0.0, str: "{}", bool: False, datetime: now, date: now.date()}
    return {
        column.name: filler[column.type.python_type]
        for column in table.columns
        if not column.nullable and column.server_default is None and not column.primary_key
    }


# Downgrades that drop the tables referring to one they rebuild: the referred table keeps its rows.
DROPPED_REFERRERS = [
    ("street_reports", "street_reports_0001", "street_reports_report", "street_reports_update", "report_id"),
]


@pytest.mark.parametrize(("plugin", "before", "referred", "referring", "foreign_key"), DROPPED_REFERRERS)
def test_a_downgrade_keeps_the_rows_of_a_table_it_rebuilds(
    app: Flask, plugin: str, before: str, referred: str, referring: str, foreign_key: str
) -> None:
    """Going back with reports and their updates in the database works and keeps every report."""
    from alembic import command
    from sqlalchemy import Table, func, insert, select

    from civicapps.migrations import _config, migration_sets

    engine = app.extensions["civicapps"].db.engine
    with engine.begin() as connection:
        parent = Table(referred, MetaData(), autoload_with=connection)
        child = Table(referring, MetaData(), autoload_with=connection)
        parent_id = connection.execute(insert(parent).values(_required(parent)).returning(parent.c.id)).scalar_one()
        connection.execute(insert(child).values({**_required(child), foreign_key: parent_id}))
    with engine.connect() as connection, connection.begin():
        command.downgrade(_config(migration_sets(app)[plugin], connection), before)
    with engine.connect() as connection:
        kept = Table(referred, MetaData(), autoload_with=connection)
        assert connection.scalar(select(func.count()).select_from(kept)) == 1
