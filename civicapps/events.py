"""Events one part of civicapps tells the others about, delivered through event hooks."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask


@dataclass(frozen=True)
class RecordsIngested:
    """A feed pull stored records that are new or really changed (unchanged rows are not listed).

    ``dataset`` is the dataset's full name, ``<plugin>.<dataset>`` (e.g.
    ``planning_alerts.application``); ``new`` and ``changed`` are primary keys in that dataset's table.
    Notification matching listens for this event; any plugin may react to another's data.
    """

    dataset: str
    feed: str
    new: tuple[int, ...]
    changed: tuple[int, ...]


def announce_records_ingested(app: Flask, event: RecordsIngested) -> None:
    """Tell every plugin's ``on_records_ingested`` that records of a dataset were stored or changed.

    Feeds announce their pulls themselves; a plugin that writes its own records (a resident's report,
    a staff update) announces them after committing, so alerts match them like ingested ones. One
    failing listener never stops the others.
    """
    registry = app.extensions["civicapps"].registry
    for name, call in registry.calls("on_records_ingested", app=app, event=event):
        try:
            call()
        except Exception:
            app.logger.exception("Plugin %r failed handling records ingested into %s", name, event.dataset)
