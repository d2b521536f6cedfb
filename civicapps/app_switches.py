"""Councils switch apps on and off, without a restart, in every process at once.

An app is a plugin that is not part of the core (the core's own plugins, and the directory itself,
cannot be switched off). Its switch lives in the database, a table holding one row per app ever
switched. Each process keeps what it last read for ``SWITCH_STATE_TTL`` (one second), so a request
to a plugin's page does not pay a query for it: the process that makes a switch forgets its copy at
once (it sees the switch at its next request or job), and every other gunicorn worker and
``civicapps worker`` sees it within one second, at worst, without a restart. Within one request the
state is read once (kept in ``flask.g``), so a page never sees half a switch.

An app switched off keeps its data; its blueprint answers 404 (staff too), its menu links are
left out, its feeds are not pulled on schedule, its jobs are not run, and its topics' match requests
and outbox messages are held, then matched and sent (once) when it is switched on again.
Every switch is recorded with who made it and when.
"""
from __future__ import annotations

import getpass
import logging
import re
import time
import weakref
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, abort, current_app, g, has_request_context, request
from sqlalchemy import Boolean, ColumnElement, Engine, Integer, String, false, select, true
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from civicapps.clock import UTCDateTime, utcnow
from civicapps.db import Model, db_session, get_database
from civicapps.errors import CivicappsError, StartupError
from civicapps.jobs import queue_for

logger = logging.getLogger("civicapps.apps")

SWITCH_STATE_TTL = 1.0
"""Seconds a process trusts the switches it read: the longest another process takes to see a switch."""

# Per engine: (time.monotonic() when read, the apps switched off then). Forgotten by set_enabled.
_switch_state: weakref.WeakKeyDictionary[Engine, tuple[float, frozenset[str]]] = weakref.WeakKeyDictionary()


class AppSwitch(Model):
    """An app's current switch: one row per app ever switched (no row means on)."""

    __tablename__ = "core_app_switch"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)


class AppSwitchChange(Model):
    """The audit log: each switch, who made it (a staff member, or ``cli:<os user>``) and when."""

    __tablename__ = "core_app_switch_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    actor: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Switched:
    """One entry of the audit log, as pages and the CLI show it."""

    name: str
    enabled: bool
    actor: str
    at: datetime


@dataclass(frozen=True)
class ConfiguredApp:
    """An app a plugin hosts from configuration (a dataset app), returned by ``register_apps``.

    It gets its own entry and switch in the app directory, named ``<plugin>.<name>``. While it is off,
    the ``feeds`` it names are not pulled on schedule, its ``topics`` (the plugin's topic names,
    without the prefix) are not offered and their messages wait, to be sent once when it is switched
    on again. Its pages share the plugin's blueprint, so the plugin hides them itself: answer 404
    when ``app_enabled("<plugin>.<name>")`` is false.
    """

    name: str
    title: str
    description: str = ""
    feeds: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()


def collect_configured_apps(app: Flask) -> dict[str, ConfiguredApp]:
    """Every plugin's configured apps, keyed ``<plugin>.<name>``; refuses malformed ones at startup."""
    state = app.extensions["civicapps"]
    found: dict[str, ConfiguredApp] = {}
    for plugin, apps in state.registry.call_each("register_apps", app=app).items():
        for configured in apps:
            if not isinstance(configured, ConfiguredApp):
                raise StartupError(
                    f"Plugin '{plugin}': register_apps must return civicapps.ConfiguredApp objects, not {configured!r}."
                )
            full = f"{plugin}.{configured.name}"
            if not re.fullmatch(r"[a-z][a-z0-9_]*", configured.name) or full in found:
                raise StartupError(f"Plugin '{plugin}': app {configured.name!r} needs a snake_case name of its own.")
            unknown = [t for t in configured.topics if f"{plugin}.{t}" not in state.topics]
            if unknown:
                raise StartupError(f"Plugin '{plugin}': app {configured.name!r} names unknown topic(s) {unknown}.")
            found[full] = configured
    return found


def switchable(app: Flask) -> list[str]:
    """The names of the apps that can be switched: every loaded plugin that is not the core's own, then
    every configured app (``<plugin>.<name>``)."""
    state = app.extensions["civicapps"]
    plugins = [name for name, info in state.registry.plugins.items() if not info.is_default]
    return plugins + list(state.configured_apps)


def paused_feeds(app: Flask) -> frozenset[str]:
    """The feeds of configured apps that are switched off (a switched-off plugin's go by their dataset)."""
    paused = paused_apps(app)
    configured = app.extensions["civicapps"].configured_apps
    return frozenset(feed for name, c in configured.items() if name in paused for feed in c.feeds)


def paused_topics(app: Flask) -> frozenset[str]:
    """The topics (``<plugin>.<topic>``) of switched-off plugins and of switched-off configured apps."""
    paused = paused_apps(app)
    state = app.extensions["civicapps"]
    held = {name for name in state.topics if owner(name) in paused}
    for name, configured in state.configured_apps.items():
        if name in paused:
            held.update(f"{owner(name)}.{topic}" for topic in configured.topics)
    return frozenset(held)


def paused_apps(app: Flask | None = None) -> frozenset[str]:
    """The apps switched off now, as this process read them at most ``SWITCH_STATE_TTL`` seconds ago.

    Read once per request (kept in ``flask.g``), and from the database at most once a second per
    process, so another process's switch shows within a second; this process's own switches show at
    once (``set_enabled`` forgets the copy). A database that cannot be read (not migrated yet, or
    down) counts as nothing switched off, with a warning, and is asked again at the next call: pages
    then fail or work as they would without switches, rather than all failing here.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if has_request_context() and "_civicapps_paused" in g:
        return g._civicapps_paused  # type: ignore[no-any-return]
    engine = get_database(app).engine
    cached = _switch_state.get(engine)
    now = time.monotonic()
    if cached is not None and now - cached[0] < SWITCH_STATE_TTL:
        paused = cached[1]
    else:
        try:
            with engine.connect() as connection:
                paused = frozenset(connection.scalars(select(AppSwitch.name).where(AppSwitch.enabled == false())))
            _switch_state[engine] = (now, paused)
        except SQLAlchemyError as exc:
            logger.warning("Cannot read the app switches (%s); treating every app as on", type(exc).__name__)
            paused = frozenset()
    if has_request_context():
        g._civicapps_paused = paused
    return paused


def app_enabled(name: str) -> bool:
    """Whether app ``name`` (a plugin's name) is switched on in the current app.

    The host already hides a switched-off plugin's pages, links, feeds, jobs and alerts; call this
    where a plugin reaches into another one (a link to it on your page, say) or for a configured
    app that shares its plugin's blueprint.
    """
    return name not in paused_apps()


def set_enabled(app: Flask, name: str, enabled: bool, actor: str) -> bool:
    """Switch app ``name`` on or off and record who did it; False if it already was (nothing recorded).

    Raises CivicappsError naming the apps that can be switched when ``name`` is not one of them.
    Commits, then (switching on) wakes workers for the alerts that waited.
    """
    known = switchable(app)
    if name not in known:
        raise CivicappsError(
            f"There is no app named '{name}' to switch; apps: {', '.join(known) or 'none installed'} "
            "(the core's own parts cannot be switched off)."
        )
    session = db_session(write=True)
    switch = session.get(AppSwitch, name)
    if (switch.enabled if switch else True) == enabled:
        session.rollback()
        return False
    if switch is None:
        session.add(AppSwitch(name=name, enabled=enabled))
    else:
        switch.enabled = enabled
    session.add(AppSwitchChange(name=name, enabled=enabled, actor=actor[:300], at=utcnow()))
    session.commit()
    _switch_state.clear()  # every app object in this process (they may share a database) sees it now
    if has_request_context():
        g.pop("_civicapps_paused", None)
    if enabled:
        resume_held_work(app)
    return True


def resume_held_work(app: Flask) -> None:
    """Wake workers for what an app's pause held back: its match requests, then its messages.

    Without this they would still go out, at the next run of the periodic jobs (within a minute).
    """
    try:
        queue_for(app).enqueue("notify.match")
        queue_for(app).enqueue("notify.sweep")
    except CivicappsError as exc:  # the periodic jobs find the held work within a minute
        logger.warning("Could not wake workers after switching an app on (%s)", exc)


def switch_log(limit: int = 200) -> list[Switched]:
    """The most recent switches, newest first."""
    query = select(AppSwitchChange).order_by(AppSwitchChange.at.desc(), AppSwitchChange.id.desc()).limit(limit)
    return [Switched(c.name, c.enabled, c.actor, c.at) for c in db_session().scalars(query)]


def cli_actor() -> str:
    """Who a command acts as in the audit log: ``cli:<the operating-system user>``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = "unknown"
    return f"cli:{user}"


def owner(name: str) -> str:
    """The app a ``<plugin>.<thing>`` name (a job, topic, dataset or blueprint) belongs to."""
    return name.split(".", 1)[0]


def held_datasets(app: Flask, column: ColumnElement[str]) -> ColumnElement[bool]:
    """SQL: ``column`` (a dataset name) is not watched by a topic of a switched-off app."""
    paused = paused_apps(app)
    topics = app.extensions["civicapps"].topics
    datasets = sorted({t.dataset for name, t in topics.items() if owner(name) in paused})
    return column.not_in(datasets) if datasets else true()


def held_messages(column: ColumnElement[int], app: Flask | None = None) -> ColumnElement[bool]:
    """SQL: ``column`` (an outbox row's subscription id) is not a subscription to a switched-off app's topic."""
    from civicapps.notify.models import Subscription  # notify's tables import the core's; not the reverse

    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    topics = sorted(paused_topics(app))
    return column.not_in(select(Subscription.id).where(Subscription.topic.in_(topics))) if topics else true()


def hide_paused_blueprints() -> None:
    """``before_request``: a switched-off app's pages (and static files, and API) answer 404."""
    blueprint = request.blueprint
    if blueprint and owner(blueprint) in switchable(current_app) and owner(blueprint) in paused_apps():
        abort(404)


def install_app_switches(app: Flask) -> None:
    app.extensions["civicapps"].configured_apps = collect_configured_apps(app)
    app.before_request(hide_paused_blueprints)
