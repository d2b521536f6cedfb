"""civicapps-bin-collections: which bins go out when, and a reminder the evening before.

Councils load rounds, addresses and exceptions through feeds (:mod:`.datasets`); the engine in
:mod:`.schedule` turns them into dated collections; residents look up their address, print or
subscribe to a calendar (:mod:`.ics`) and get reminders through the core notifications.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from flask import Flask

from civicapps import Dataset, Feed, Model, hookimpl, plugin_settings
from civicapps_bin_collections.datasets import DATASETS
from civicapps_bin_collections.feeds import standard_feeds
from civicapps_bin_collections.models import Address, Change, Disruption, Evening, Round
from civicapps_bin_collections.settings import NAME, Settings


@hookimpl
def register_settings() -> type[Settings]:
    return Settings


@hookimpl
def register_models() -> list[type[Model]]:
    return [Round, Address, Change, Disruption, Evening]


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).parent / "migrations"


@hookimpl
def register_datasets() -> list[Dataset]:
    return DATASETS


@hookimpl
def register_feeds(app: Flask) -> list[Feed]:
    return standard_feeds(cast(Settings, plugin_settings(NAME, app)))
