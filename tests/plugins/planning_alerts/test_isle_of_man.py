"""The Isle of Man weekly lists ingest through the short ``isle_of_man`` preset; the report says how
many rows could not be placed on the map and why (Isle of Man postcodes have no coordinates)."""

from __future__ import annotations

import csv
import io

from civicapps_planning_alerts.presets import IOM_TYPES

from civicapps.feeds import pull_feed
from civicapps.geo.postcodes import find_postcode
from civicapps.testing import CivicRunner

from .conftest import FIXTURES, applications

WEEKLY = FIXTURES / "iom-planning-applications-weekly-2023-2024.csv"
RAW = FIXTURES / "iom-planning-applications-2023-06-02-raw.csv"


def test_weekly_file_ingests_and_the_report_counts_unplaced_rows_by_reason(pa_app, civic_feed_server):
    url = civic_feed_server.add("/weekly.csv", WEEKLY.read_bytes())
    app = pa_app(feeds={"iom": {"preset": "isle_of_man", "url": url}})
    result = CivicRunner(app).invoke(["planning-alerts", "pull", "iom"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(WEEKLY.read_text())))
    postcodes = [find_postcode(r["Details"].replace("\\n", " ")) for r in rows]  # some rows hold a literal \n
    no_postcode = postcodes.count(None)
    known_without_point = sum(1 for p in postcodes if p in ("IM2 2QY", "IM1 2LW", "IM2 2EF", "IM9 4HH"))
    unknown = len(rows) - no_postcode - known_without_point
    report = result.output
    assert f"read {len(rows)}, ingested {len(rows)} (2313 new" in report
    assert f"{len(rows)} rows could not be placed on the map" in report
    assert f"{no_postcode:>6}  postcode: no postcode to place the row with" in report
    assert f"{known_without_point:>6}  postcode: postcode … exists but has no coordinates" in report
    assert f"{unknown:>6}  postcode: unknown postcode …" in report
    assert (no_postcode, known_without_point, unknown) == (187, 10, 2301)
    stored = applications(app)
    assert len(stored) == 2313
    shed = stored["24/91225/B"]
    assert (shed.authority, shed.local_area, shed.application_type, shed.postcode) == (
        "Isle of Man Government",
        "Douglas",
        "Full planning application",
        "IM2 2EF",
    )
    assert shed.description.endswith("27 Farmhill Lane Douglas Isle Of Man IM2 2EF")
    assert str(shed.date_received) == "2024-11-01" and shed.info_url.endswith("=24/91225/B")
    # Residents read the type in words, never the reference's letters (issue #13, "Type B").
    assert {a.application_type for a in stored.values()} == set(IOM_TYPES.values())


def test_raw_weekly_list_with_literal_newlines(pa_app, civic_feed_server):
    url = civic_feed_server.add("/raw.csv", RAW.read_bytes())
    app = pa_app(feeds={"raw": {"preset": "isle_of_man", "url": url}})
    result = pull_feed(app, "raw")
    assert (result.read, result.skipped) == (22, 0)
    first = applications(app)["23/00285/B"]
    assert "\\n" not in first.description and first.description.endswith("Isle Of Man IM7 2EW")
    assert (first.postcode, first.local_area) == ("IM7 2EW", "Andreas")
