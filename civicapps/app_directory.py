"""The app directory: every installed app, what it is, what it needs configured, and its switch.

Shared by the staff page (``/-/apps``) and ``civicapps apps list`` so the two never disagree. Each
entry is a plugin, or an app a plugin hosts from configuration (``register_apps``, e.g. a dataset
app), each with a name :mod:`civicapps.app_switches` can switch.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from flask import Flask

from civicapps.app_switches import owner, paused_apps, switchable
from civicapps.errors import CivicappsError
from civicapps.feeds.registry import feeds_registry
from civicapps.i18n import gettext
from civicapps.migrations import migration_sets, state_of
from civicapps.plugins import PluginInfo

#: The distributions shipped in this repository's plugins/ folder (installed like any other plugin).
BUNDLED = {
    "civicapps-planning-alerts",
    "civicapps-street-reports",
    "civicapps-organogram",
    "civicapps-bin-collections",
    "civicapps-dataset-apps",
}


@dataclass(frozen=True)
class Requirement:
    """One thing an app needs before it is useful, and whether this deployment has done it."""

    what: str
    done: bool


@dataclass(frozen=True)
class AppEntry:
    """One app in the directory."""

    name: str
    description: str
    version: str | None
    source: str  # "bundled", "third-party" or "configured"
    distribution: str | None
    enabled: bool
    requirements: list[Requirement]

    @property
    def ready(self) -> bool:
        return all(r.done for r in self.requirements)


def directory(app: Flask) -> list[AppEntry]:
    """Every app that can be switched, in plugin order then configured apps, with its state read now."""
    state = app.extensions["civicapps"]
    paused = paused_apps(app)
    entries = []
    for name in switchable(app):
        if name in state.configured_apps:
            entries.append(_configured_entry(app, name, name not in paused))
            continue
        info = state.registry.plugins[name]
        entries.append(
            AppEntry(
                name=name,
                description=_description(info),
                version=info.version,
                source="bundled" if info.distribution in BUNDLED else "third-party",
                distribution=info.distribution,
                enabled=name not in paused,
                requirements=requirements(app, info),
            )
        )
    return entries


def _configured_entry(app: Flask, name: str, enabled: bool) -> AppEntry:
    """A configured app: its own words, and its plugin's version and needs."""
    state = app.extensions["civicapps"]
    configured = state.configured_apps[name]
    info = state.registry.plugins[owner(name)]
    return AppEntry(
        name=name,
        description=f"{configured.title}: {configured.description}" if configured.description else configured.title,
        version=info.version,
        source="configured",
        distribution=info.distribution,
        enabled=enabled,
        requirements=requirements(app, info),
    )


def _description(info: PluginInfo) -> str:
    """The distribution's summary, else the first line of the plugin module's docstring."""
    if info.distribution:
        try:
            summary = metadata.metadata(info.distribution)["Summary"]
        except metadata.PackageNotFoundError:
            summary = None
        if summary:
            return str(summary)
    doc = (getattr(info.module, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else ""


def requirements(app: Flask, info: PluginInfo) -> list[Requirement]:
    """What the app needs: its required settings, a feed for each of its datasets, its tables.

    Settings without a default must be set for the app to start at all, so they show as done; they
    are listed so staff see what the app depends on.
    """
    state = app.extensions["civicapps"]
    needs = []
    model = state.plugin_settings.get(info.name)
    if model is not None:
        table = f"[plugins.{info.name}]"
        for field_name, spec in type(model).model_fields.items():
            if spec.is_required():
                needs.append(Requirement(gettext("Setting %(key)s in %(table)s", key=field_name, table=table), True))
    datasets = sorted(d for d in feeds_registry(app).datasets if owner(d) == info.name)
    fed = {plan.feed.dataset for plan in feeds_registry(app).plans.values()}
    for dataset in datasets:
        needs.append(Requirement(gettext("A feed for dataset %(dataset)s", dataset=dataset), dataset in fed))
    sets = migration_sets(app)
    if info.name in sets:
        try:
            pending = state_of(state.db, sets[info.name]).pending
        except CivicappsError:
            pending = 1
        needs.append(Requirement(gettext("Database tables up to date (civicapps db upgrade)"), not pending))
    return needs
