"""A roadworks app declared only in the test's config, fed over HTTP from a CSV in British National Grid.

``roadworks_app(csv=..., app=..., **config)`` serves ``csv`` from a local feed server, declares the
``roadworks`` app on it (``app`` replaces keys of its table, ``extra_apps`` adds apps, ``settings`` more
``[plugins.dataset_apps]`` keys) and returns a migrated app with the
dataset_apps plugin only. Messages go through real apprise to the notification sink on 127.0.0.1;
jobs run in the caller (``immediate:`` queue).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

import civicapps_dataset_apps as dataset_apps
import pytest
from flask import Flask

from civicapps.auth import create_user

PLUGIN = ("dataset_apps", dataset_apps)

TODAY = dt.date.today()
START = (TODAY - dt.timedelta(days=5)).strftime("%d/%m/%Y")
END = (TODAY + dt.timedelta(days=14)).strftime("%d/%m/%Y")
HEADER = "Permit,Street,Works,Promoter,Category,Start,End,Easting,Northing\n"
#: Current roadworks in York, in British National Grid: RW-1 on Clarence Street, RW-2 on Gillygate
#: (both within a few hundred metres of YO31 7EH), RW-3 on Heworth Green, further east.
ROADWORKS_CSV = HEADER + (
    f"RW-1,Clarence Street,Gas main renewal,Northern Gas,Major,{START},{END},460200,452400\n"
    f"RW-2,Gillygate,Carriageway patching,City of York Council,Minor,{START},{END},460090,452330\n"
    f"RW-3,Heworth Green,Water connection,Yorkshire Water,Standard,{START},{END},461050,452700\n"
)


ROADWORKS: dict[str, Any] = {
    "title": "Roadworks",
    "description": "Roadworks and street closures near you.",
    "feed": {"url": "", "format": "csv", "location": {"x": "Easting", "y": "Northing"}},
    "reference": "Permit",
    "fields": {
        "street": "Street",
        "works": "Works",
        "promoter": "Promoter",
        "category": "Category",
        "start": "Start",
        "end": "End",
    },
    "show": {
        "title": "{{ record.works }} on {{ record.street }}",
        "summary": "By {{ record.promoter }}, {{ record.start }} to {{ record.end }}",
        "starts": "{{ record.start }}",
        "ends": "{{ record.end }}",
        "category": "{{ record.category }}",
    },
    "filters": {"category": "category", "keywords": ["works", "street"], "dates": True},
}


def roadworks_table(**changes: Any) -> dict[str, Any]:
    table = copy.deepcopy(ROADWORKS)
    table.update(changes)
    return table


@pytest.fixture
def roadworks_app(civic_app_factory, civic_feed_server, civic_postcodes_io, civic_notification_sink):
    civic_postcodes_io.known.update({"YO1 7HH": (53.96142, -1.08163), "YO31 7EH": (53.9640, -1.0855)})

    def make(
        csv: str = ROADWORKS_CSV,
        app: dict[str, Any] | None = None,
        extra_apps: dict[str, Any] | None = None,
        settings: dict[str, Any] | None = None,
        **config: Any,
    ) -> Flask:
        url = civic_feed_server.add("/roadworks.csv", csv, content_type="text/csv")
        table = roadworks_table(**(app or {}))
        table["feed"] = {**table["feed"], "url": url}
        merged = {
            "queue_url": "immediate:",
            "plugins": {
                "feeds": {"retries": 1, "backoff_seconds": 0.01, "timeout_seconds": 2},
                "geo": {"postcodes_io_url": civic_postcodes_io.url},
                "notify": civic_notification_sink.notify_settings(**config.pop("notify", {})),
                "dataset_apps": {"apps": {"roadworks": table, **(extra_apps or {})}, **(settings or {})},
            },
            **config,
        }
        return civic_app_factory(plugins=[PLUGIN], config=merged)

    return make


def sign_in(app: Flask) -> Any:
    """A test client signed in as staff."""
    with app.app_context():
        create_user("clerk@council.example", "Clerk", "a-long-staff-password")
    client = app.test_client()
    page = client.get("/-/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(
        "/-/login", data={"email": "clerk@council.example", "password": "a-long-staff-password", "csrf_token": token}
    )
    return client
