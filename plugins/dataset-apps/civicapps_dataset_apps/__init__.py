"""civicapps-dataset-apps: any open dataset with a place becomes an app by configuration alone.

Council staff declare apps as ``[plugins.dataset_apps.apps.<name>]`` tables (:mod:`.settings`); each
app's feed fills the shared dataset ``dataset_apps.item`` (:mod:`.models`, :mod:`.feeds`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, cast

from flask import Blueprint, Flask, url_for

from civicapps import (
    Actor,
    ConfiguredApp,
    Dataset,
    DataSource,
    Feed,
    Link,
    Model,
    Topic,
    app_enabled,
    gettext,
    hookimpl,
    plugin_settings,
    pull_feed,
)
from civicapps_dataset_apps import alert_form, api  # noqa: F401 - importing them adds their routes to bp
from civicapps_dataset_apps.feeds import app_feed
from civicapps_dataset_apps.models import ITEMS, Item
from civicapps_dataset_apps.settings import NAME, Settings, switch_name
from civicapps_dataset_apps.topics import follow_topic, near_topic, topics
from civicapps_dataset_apps.web import bp


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
def register_translations() -> Path:
    return Path(__file__).parent / "translations"


@hookimpl
def register_datasets() -> list[Dataset]:
    return [ITEMS]


@hookimpl
def register_feeds(app: Flask) -> list[Feed]:
    return [app_feed(name, config) for name, config in configured(app).apps.items()]


@hookimpl
def register_topics(app: Flask) -> list[Topic]:
    return [topic for name, config in configured(app).apps.items() for topic in topics(name, config)]


@hookimpl
def register_apps(app: Flask) -> list[ConfiguredApp]:
    """Each configured app is its own entry in the app directory, switched on and off by itself."""
    return [
        ConfiguredApp(
            name, config.title, config.description, feeds=(name,), topics=(near_topic(name), follow_topic(name))
        )
        for name, config in configured(app).apps.items()
    ]


@hookimpl
def register_blueprint(app: Flask) -> Blueprint:
    return bp


@hookimpl
def menu_links(app: Flask, actor: Actor | None) -> list[Link]:
    """The index of the apps, then each app switched on (and its staff page, for staff)."""
    apps = {name: c for name, c in configured(app).apps.items() if app_enabled(switch_name(name))}
    if not apps:
        return []
    links = [Link(gettext("Local data apps"), url_for("dataset_apps.index"), gettext("Open data near you."))]
    for name, config in apps.items():
        links.append(Link(config.title, url_for("dataset_apps.search_page", name=name), config.description))
        if actor is not None:
            links.append(Link(gettext("%(app)s feed", app=config.title), url_for("dataset_apps.staff_page", name=name)))
    return links


@hookimpl
def register_data_sources(app: Flask) -> list[DataSource]:
    credits = [c.source for c in configured(app).apps.values() if c.source is not None]
    return [DataSource(c.name, c.licence, c.attribution, c.url) for c in credits]


#: The demo's two apps over York's open data (README.md there says where the files come from).
DEMO = Path(__file__).parent / "demo"


@hookimpl
def demo_settings() -> dict[str, Any]:
    """The demo's apps, declared in demo/civicapps.toml only: ``civicapps demo`` shows them at once."""
    config = tomllib.loads((DEMO / "civicapps.toml").read_text(encoding="utf-8"))
    for table in config["plugins"][NAME]["apps"].values():  # its feed files sit beside it
        table["feed"]["url"] = str(DEMO / table["feed"]["url"])
    return config


@hookimpl
def load_demo_data(app: Flask) -> None:
    """Pull each configured app's feed once, so a demo shows its records at once (an upsert: idempotent)."""
    for name in configured(app).apps:
        pull_feed(app, name)
