"""An app with the planning_alerts plugin, a fake postcodes.io, a feed server and a notification sink.

``pa_app(feeds=..., settings=..., **config)``: ``feeds`` are ``[plugins.planning_alerts.feeds]``
preset entries, ``settings`` more ``[plugins.planning_alerts]`` keys. Messages go through real
apprise to the sink on 127.0.0.1; jobs run in the caller (``immediate:`` queue).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import civicapps_planning_alerts as planning_alerts
import pytest
from civicapps_planning_alerts.models import Application
from flask import Flask
from sqlalchemy import select

from civicapps.db import get_database

PLUGIN = ("planning_alerts", planning_alerts)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
HERE = Path(__file__).parent / "fixtures"

#: Real postcodes and their postcodes.io centroids (GB), plus Isle of Man ones postcodes.io knows
#: without coordinates.
POSTCODES = {
    "SW1A 1AA": (51.501009, -0.141588),
    "SW1A 2AA": (51.503396, -0.127640),
    "WC2N 5DU": (51.508039, -0.128069),
    "SE1 7PB": (51.500780, -0.120970),
    "EX16 5BL": (50.907066, -3.477588),
    "IM2 2QY": None,
    "IM1 2LW": None,
    "IM2 2EF": None,
}


@pytest.fixture
def pa_app(civic_app_factory, civic_postcodes_io, civic_notification_sink):
    civic_postcodes_io.known.update(POSTCODES)

    def make(feeds: dict[str, Any] | None = None, settings: dict[str, Any] | None = None, **config: Any) -> Flask:
        notify = civic_notification_sink.notify_settings(**config.pop("notify", {}))
        merged = {
            "queue_url": "immediate:",
            "plugins": {
                "feeds": {"retries": 1, "backoff_seconds": 0.01, "timeout_seconds": 2},
                "geo": {"postcodes_io_url": civic_postcodes_io.url},
                "notify": notify,
                "planning_alerts": {"feeds": feeds or {}, **(settings or {})},
            },
            **config,
        }
        return civic_app_factory(plugins=[PLUGIN], config=merged)

    return make


def applications(app: Flask) -> dict[str, Application]:
    """Stored applications by reference."""
    with get_database(app).sessionmaker() as session:
        return {a.reference: a for a in session.scalars(select(Application))}


def form_token(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
