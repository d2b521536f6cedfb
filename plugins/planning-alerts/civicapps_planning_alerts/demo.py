"""Sample data for ``civicapps demo``: real planning applications in York city centre.

The sample is ingested the way every feed is (through the core's feeds machinery and the ``york``
preset) so the demo shows the real pipeline: upserts, versions, the feed's health for staff. The
file ships inside the package because a plugin must not read files outside itself; it is City of
York Council's own open data, coordinates included (see ``data/README.md``). The core's demo data
adds York's postcodes and streets, so searching works with no network.
"""

from __future__ import annotations

from importlib import resources

from flask import Flask

from civicapps import PullResult, pull_feed
from civicapps_planning_alerts.presets import PRESETS
from civicapps_planning_alerts.settings import PresetFeed

FEED = "planning-alerts-demo"
SAMPLE = "york-city-centre-planning-applications.csv"


def load(app: Flask) -> PullResult:
    """Pull the packaged sample as the feed ``planning-alerts-demo`` (idempotent: an upsert)."""
    path = resources.files(__package__).joinpath("data", SAMPLE)
    config = PresetFeed(preset="york", url=str(path), enabled=False)  # pulled by the demo only
    return pull_feed(app, PRESETS["york"].feed(FEED, config))
