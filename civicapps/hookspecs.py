"""The plugin contract: every hook a civicapps plugin may implement.

This module is the reference. Each docstring is the contract a plugin author relies on, and
``docs/plugins.md`` documents each hook with its exact signature (a meta-test keeps the two in step).

Three kinds of hook:

* **Registration** hooks are called once inside :func:`civicapps.create_app`. The core calls each
  plugin's implementation separately and keys the result by that plugin's name, so a plugin can only
  ever register things under its own name.
* **Provider** hooks are ``firstresult``: the first implementation that returns something other than
  ``None`` wins. The core's own default is marked ``trylast`` so any plugin can replace it.
* **Event** hooks are called for every plugin; return values are ignored.

Implementations may accept any subset of a hook's arguments, in any order (pluggy matches by name).
Keep new hooks to three arguments or fewer, and pass the app rather than its pieces: adding an argument
later is safe for existing plugins, removing one is not.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    import click
    from flask import Blueprint, Flask, Request

    from civicapps.app_switches import ConfiguredApp
    from civicapps.auth import Actor
    from civicapps.db import Model
    from civicapps.events import RecordsIngested
    from civicapps.feeds.datasets import Dataset
    from civicapps.feeds.readers import Reader
    from civicapps.feeds.registry import Feed
    from civicapps.geo.postcodes import Location
    from civicapps.jobs import Job
    from civicapps.notify.channels import ChannelKind
    from civicapps.notify.render import Message, Notification
    from civicapps.notify.topics import Topic
    from civicapps.settings import PluginSettings
    from civicapps.web.links import Link
    from civicapps.web.sources import DataSource

hookspec = pluggy.HookspecMarker("civicapps")


# --- registration -----------------------------------------------------------------------------


@hookspec
def register_settings() -> type[PluginSettings]:
    """Return the plugin's settings model, a subclass of :class:`civicapps.PluginSettings`.

    The ``[plugins.<name>]`` table of ``civicapps.toml`` (and ``CIVICAPPS_PLUGINS__<NAME>__<KEY>``
    environment variables) is validated against it at startup; an invalid value stops startup with
    a message naming the plugin, the key and what was expected. Fields typed ``SecretStr`` are
    redacted wherever configuration is shown. Read the validated object with
    :func:`civicapps.plugin_settings`.
    """


@hookspec
def register_models() -> Iterable[type[Model]]:
    """Return the plugin's SQLAlchemy model classes (subclasses of :class:`civicapps.Model`).

    Every table name must start with ``<plugin name>_``; the core refuses to start otherwise, so
    plugins cannot collide with one another's tables. The models are what ``civicapps db revision``
    compares against the database when it writes a new migration for the plugin.
    """


@hookspec
def register_migrations() -> Path | str:
    """Return the directory holding the plugin's Alembic revision scripts.

    The plugin's revisions form their own branch, labelled with the plugin's name and recorded in
    the plugin's own version table (``<plugin name>_alembic_version``), so installing or removing one
    plugin never disturbs another's history. Migrations run only through ``civicapps db upgrade``,
    never on import or startup.
    """


@hookspec
def register_translations() -> Path | str:
    """Return the directory holding the plugin's gettext catalogues: ``<locale>/LC_MESSAGES/<domain>.mo``.

    The domain is the plugin's top-level package name (``civicapps_planning_alerts``), so catalogues
    of different packages never share a file name. Every registered catalogue is merged into the one
    the app translates with, so ``civicapps.gettext`` in Python and ``_()``/``{% trans %}`` in
    templates find a plugin's strings with no domain to name. Where two packages translate the same
    English text differently, the core's wins (the shared page chrome reads the same everywhere),
    and a plugin that needs another sense of a word gives it other English. ``civicapps i18n
    extract|update|compile --plugin <name>`` maintains the files.
    """


@hookspec
def register_blueprint(app: Flask) -> Blueprint:
    """Return a Flask blueprint with the plugin's pages and JSON APIs.

    The core mounts it under ``/<kebab-name>/`` and registers it under the plugin's name, so
    ``url_for("<plugin name>.<view>")`` works whatever the blueprint was called. Give the blueprint a
    ``template_folder`` and keep templates under a sub-folder named after the plugin.
    """


@hookspec
def register_commands(app: Flask) -> Iterable[click.Command]:
    """Return click commands; they appear as ``civicapps <kebab-name> <command>``.

    Commands run inside an application context, so they can use :func:`civicapps.db_session`.
    Errors should be raised as ``click.ClickException`` (one line, exit code 1).
    """


@hookspec
def register_topics(app: Flask) -> Iterable[Topic]:
    """Return :class:`civicapps.Topic` objects: things residents can subscribe to for alerts.

    A topic watches one dataset (``<plugin>.<dataset>``, as named in ``RecordsIngested`` events) and
    says how its records are loaded (``load(app, ids)`` returning :class:`civicapps.Item` objects)
    and matched: ``"area"`` (subscriptions are a point and radius in metres, or a polygon; items need
    ``lon``/``lat``) or ``"key"`` (subscriptions name one item's ``key``, e.g. a report reference).
    Topics are registered as ``<plugin>.<name>``. Matching runs in a worker after each ingest, and
    only confirmed subscriptions ever receive anything but their confirmation message.
    """


@hookspec
def register_jobs(app: Flask) -> Iterable[Job]:
    """Return :class:`civicapps.Job` objects: background work run by ``civicapps worker``.

    A job with ``cron`` is periodic (only one worker runs the schedule); one without runs when queued
    with :func:`civicapps.enqueue_job`. Jobs are registered as ``<plugin>.<name>``. Jobs must be
    idempotent and keep their progress in the database: the queue may lose a message when a worker
    dies, and ``civicapps worker --once`` runs every periodic job regardless of its schedule.
    """


@hookspec
def register_apps(app: Flask) -> Iterable[ConfiguredApp]:
    """Return :class:`civicapps.ConfiguredApp` entries: apps the plugin hosts from configuration.

    Each is its own entry in the app directory with its own switch, named ``<plugin>.<name>``: a
    council turns one dataset app off without turning off the others. While it is off the core holds
    the feeds and topics it names; the plugin hides its pages (``app_enabled("<plugin>.<name>")``).
    """


@hookspec
def load_demo_data(app: Flask) -> None:
    """Fill the plugin's tables with sample data for ``civicapps demo``.

    Called inside an application context after migrations have been applied. Must be idempotent:
    running ``civicapps demo`` twice must not duplicate anything.
    """


@hookspec
def demo_settings() -> Mapping[str, Any]:
    """Return settings (civicapps.toml's shape) that ``civicapps demo`` adds to the demo's configuration.

    For what a plugin builds from configuration rather than tables, such as apps declared in a
    ``[plugins.<name>]`` table: ``civicapps demo`` shows them with no ``--config``, and they exist in
    the demo only. Called before the app is built, so it takes no app; the demo's own choices (port,
    instance folder) win over it. Paths in it should be absolute (the demo runs from any folder).
    """


@hookspec
def register_datasets() -> Iterable[Dataset]:
    """Return the canonical datasets the plugin's records belong to, as :class:`civicapps.Dataset`.

    A dataset is a model class (table ``<plugin name>_...``) that mixes in :class:`civicapps.Record`:
    its columns are the dataset's typed fields and ``nullable=False`` ones are required. Feeds name it
    ``<plugin name>.<dataset name>``; each pull upserts into the table and then announces new and
    changed rows through ``on_records_ingested``.
    """


@hookspec
def register_feeds(app: Flask) -> Iterable[Feed]:
    """Return :class:`civicapps.Feed` definitions the plugin ships (e.g. built from its settings).

    Councils usually configure feeds as ``[feeds.<name>]`` tables instead; both end up in the same
    list, are checked at startup (dataset, format, options, mapping) and must have unique names.
    """


@hookspec
def register_readers() -> Iterable[Reader]:
    """Return :class:`civicapps.Reader` instances for more feed formats.

    Each reader's ``format`` is the name feeds use in ``format = "..."``; two readers for one format
    stop startup. A reader yields :class:`civicapps.RawRecord` objects and raises only
    :class:`civicapps.ReaderError` for input it cannot read.
    """


# --- presentation -----------------------------------------------------------------------------


@hookspec
def menu_links(app: Flask, actor: Actor | None) -> Iterable[Link]:
    """Return :class:`civicapps.Link` entries for the site navigation.

    Called for each page render with the signed-in staff member (or ``None`` for a resident), so a
    plugin can show staff-only links to staff only. The first link a plugin returns is also used for
    its card on the home page.
    """


@hookspec
def register_data_sources(app: Flask) -> Iterable[DataSource]:
    """Return :class:`civicapps.DataSource` entries for the data the plugin shows residents.

    Listed on the instance's ``/about`` page with their licence and the exact credit the licence
    asks for (open data licences such as the OGL require it where the data is used). Called per
    request, so a plugin can list only what is really loaded (e.g. query which sources its tables hold).
    """


# --- providers (first answer wins) ------------------------------------------------------------


@hookspec(firstresult=True)
def actor_from_request(app: Flask, request: Request) -> Actor | None:
    """Return the staff member making ``request``, or ``None`` to let the next provider decide.

    The core's default (``trylast``) reads the signed session cookie set by ``/-/login``. A plugin
    can implement this to plug in a council's single sign-on. ``firstresult``: the first non-``None``
    answer is used.
    """


@hookspec(firstresult=True)
def geocode(app: Flask, query: str) -> Location | None:
    """Return a :class:`civicapps.Location` for ``query`` (a postcode or an address), or ``None``.

    Used to place feed rows configured with ``location.postcode`` or ``location.address`` and for
    ``civicapps pull --near``. ``firstresult``: the first non-``None`` answer is used. The core's
    default (``trylast``) handles UK postcodes, including one at the end of an address, from the
    imported postcode table, its cache and postcodes.io; a plugin can add an address geocoder.
    """


@hookspec(firstresult=True)
def render_notification(app: Flask, notification: Notification, channel: ChannelKind) -> Message | None:
    """Return the :class:`civicapps.Message` (title and body) to send for ``notification``.

    ``notification.kind`` is ``"confirm"``, ``"alert"`` (one item) or ``"digest"`` (several); it
    carries the topic, the items' snapshots and the links every message must show
    (``unsubscribe_url`` and ``manage_url``; ``confirm_url``, ``code`` and ``confirm_until`` for
    confirmations). It is called in the subscriber's language (``force_locale``): ``gettext`` and
    ``_()`` translate into it. ``channel.format`` says what the body must be: ``"html"`` (email),
    ``"markdown"`` or ``"text"``.
    Return ``None`` to let the next provider decide. The core's default (``trylast``) renders the
    templates ``civicapps/notify/<kind>.<html|md|txt>`` (a topic may have its own under
    ``civicapps/notify/<plugin>.<topic>/``), which a council can override in ``instance/templates``.
    """


# --- events (every implementation is called; return values are ignored) ------------------------


@hookspec
def on_records_ingested(app: Flask, event: RecordsIngested) -> None:
    """React to records that a feed pull stored as new or changed.

    Called after the pull's transaction has committed, inside an application context, once per
    dataset per pull. An exception here is logged and does not undo the ingest.
    """
