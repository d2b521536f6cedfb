"""What is installed and in what state: shared by ``civicapps plugins`` and ``/-/plugins.json``."""
from __future__ import annotations

from typing import Any

from flask import Flask

from civicapps.errors import CivicappsError
from civicapps.migrations import migration_sets, state_of


def plugins_report(app: Flask) -> list[dict[str, Any]]:
    """One entry per loaded plugin: name, version, distribution, hooks, URL prefix, migrations.

    Migration state needs the database; if it cannot be read the entry says why instead of failing,
    so the report still works on a host whose database is down.
    """
    state = app.extensions["civicapps"]
    sets = migration_sets(app)
    report = []
    for name, info in state.registry.plugins.items():
        entry: dict[str, Any] = {
            "name": name,
            "version": info.version,
            "distribution": info.distribution,
            "default": info.is_default,
            "hooks": info.hooks,
            "url_prefix": (info.url_prefix or "/") if "register_blueprint" in info.hooks else None,
        }
        if name in sets:
            try:
                entry["migrations"] = state_of(state.db, sets[name]).as_dict()
            except CivicappsError as exc:
                entry["migrations"] = {"status": "unknown", "error": str(exc)}
        else:
            entry["migrations"] = None
        report.append(entry)
    return report
