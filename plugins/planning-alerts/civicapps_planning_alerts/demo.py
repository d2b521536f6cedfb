"""Sample data for ``civicapps demo``: 50 rows of the Isle of Man Government's weekly lists.

The sample is ingested the way every feed is (through the core's feeds machinery and the
``isle_of_man`` preset) so the demo shows the real pipeline: upserts, versions, the feed's health for
staff. The file ships inside the package because a plugin must not read files outside itself; its
coordinates are invented for the demo (see ``data/README.md``).
"""

from __future__ import annotations

from importlib import resources

from flask import Flask

from civicapps.feeds.pull import PullResult, pull_feed
from civicapps.feeds.registry import feeds_registry, plan_feed
from civicapps_planning_alerts.presets import PRESETS
from civicapps_planning_alerts.settings import PresetFeed

FEED = "planning-alerts-demo"
SAMPLE = "iom-planning-applications-demo.csv"


def load(app: Flask) -> PullResult:
    """Pull the packaged sample as the feed ``planning-alerts-demo`` (idempotent: an upsert)."""
    registry = feeds_registry(app)
    if FEED not in registry.plans:
        path = resources.files(__package__).joinpath("data", SAMPLE)
        config = PresetFeed(
            preset="isle_of_man",
            url=str(path),
            enabled=False,  # pulled by the demo only, never by the scheduler
            location={"latitude": "Latitude", "longitude": "Longitude"},
        )
        registry.plans[FEED] = plan_feed(PRESETS["isle_of_man"].feed(FEED, config), registry)
    return pull_feed(app, FEED)
