"""civicapps-dataset-apps: any open dataset with a place becomes an app by configuration alone.

Council staff declare apps as ``[plugins.dataset_apps.apps.<name>]`` tables (:mod:`.settings`); each
app's feed fills the shared dataset ``dataset_apps.item`` (:mod:`.models`, :mod:`.feeds`).
"""
from __future__ import annotations

from pathlib import Path
from typing import cast

from flask import Flask

from civicapps import Dataset, Feed, Model, hookimpl, plugin_settings
from civicapps_dataset_apps.feeds import app_feed
from civicapps_dataset_apps.models import ITEMS, Item
from civicapps_dataset_apps.settings import NAME, Settings


def configured(app: Flask) -> Settings:
    """This deployment's app table."""
    return cast(Settings, plugin_settings(NAME, app))


@hookimpl
def register_settings() -> type[Settings]:
    return Settings


@hookimpl
def register_models() -> list[type[Model]]:
    return [Item]


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).parent / "migrations"


@hookimpl
def register_datasets() -> list[Dataset]:
    return [ITEMS]


@hookimpl
def register_feeds(app: Flask) -> list[Feed]:
    return [app_feed(name, config) for name, config in configured(app).apps.items()]
