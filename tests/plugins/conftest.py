"""Fixtures shared by the bundled plugins' tests (the app fixtures come from civicapps.testing)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import MetaData

from civicapps import Model

SchemaDrift = Callable[[Flask, str], list[Any]]


@pytest.fixture
def schema_drift() -> SchemaDrift:
    """A function listing how a plugin's migrated tables differ from its models: empty when they match.

    This is what ``civicapps db revision`` would write, so a non-empty answer means a model was changed
    without a migration (or the other way round).
    """

    def drift(app: Flask, plugin: str) -> list[Any]:
        def own(name: str | None) -> bool:
            return (name or "").startswith(f"{plugin}_") and not (name or "").endswith("_alembic_version")

        models = MetaData()
        for table in Model.metadata.tables.values():
            if own(table.name):
                table.to_metadata(models)
        options = {"include_name": lambda name, type_, _parents: type_ != "table" or own(name), "compare_type": True}
        with app.extensions["civicapps"].db.engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection, opts=options), models)

    return drift
