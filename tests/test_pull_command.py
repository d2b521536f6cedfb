"""``civicapps pull SOURCE``: a one-off pull to csv/json/geojson/ndjson with filters and a summary,
writing nothing to the database."""

import csv
import io
import json
from pathlib import Path

import pytest
from feeds_support import IOM_WEEKLY, KNOWN_POSTCODES, PLANNING, planning_feed
from sqlalchemy import inspect

from civicapps.db import get_database
from civicapps.testing import CivicRunner

MAPPING = """
dataset = "planning.application"
authority = "Isle of Man Government"
[mapping]
reference = "PA Ref"
description = { column = "Details", squash = true }
postcode = { column = "Details", extract = "postcode" }
received = { column = "Date", format = "%d %b %Y" }
[location]
postcode = { field = "postcode" }
"""

POINTS = (
    "ref,desc,lat,lon,date\n"
    "1,Near,51.5012,-0.1420,2024-05-01\n"
    "2,Far,51.60,-0.30,2024-05-02\n"
    "3,Unplaced,,,2024-05-03\n"
    "4,Old,51.5011,-0.1417,2023-01-01\n"
)
POINTS_MAPPING = {
    "mapping": {"reference": "ref", "description": "desc", "received": "date"},
    "location": {"latitude": "lat", "longitude": "lon"},
    "dataset": "planning.application",
    "authority": "T",
}


@pytest.fixture
def runner(civic_app_factory, civic_postcodes_io):
    civic_postcodes_io.known.update(KNOWN_POSTCODES)
    config = {"plugins": {"geo": {"postcodes_io_url": civic_postcodes_io.url}}}
    return CivicRunner(civic_app_factory(plugins=[("planning", PLANNING)], config=config, migrate=False))


def assert_database_untouched(app):
    url = get_database(app).url
    if url.get_backend_name() == "sqlite":
        assert not Path(url.database).exists()
    else:
        assert inspect(get_database(app).engine).get_table_names() == []


def test_weekly_file_to_csv_with_a_summary_of_skips(runner, tmp_path):
    (tmp_path / "iom.toml").write_text(MAPPING)
    result = runner.invoke(["pull", str(IOM_WEEKLY), "--mapping", str(tmp_path / "iom.toml")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2498 and rows[0]["reference"] == "24/91042/B" and rows[0]["received"] == "2024-10-31"
    assert rows[0]["postcode"] == "IM2 2QY" and rows[0]["latitude"] == "54.16731"
    summary = result.stderr.splitlines()
    assert summary[0] == "Read 2498 rows: kept 2498, skipped 0, warnings 2489."
    assert any(
        line.split(None, 1) == ["187", "warning - postcode: no postcode to place the row with"] for line in summary
    )
    assert "\r" not in result.stderr, "no progress bar when stderr is not a terminal"
    assert_database_untouched(runner.app)


@pytest.mark.parametrize("output", ["json", "ndjson", "geojson"])
def test_output_formats_and_output_file(runner, tmp_path, output):
    (tmp_path / "points.csv").write_text(POINTS)
    (tmp_path / "m.json").write_text(json.dumps(POINTS_MAPPING))
    target = tmp_path / f"out.{output}"
    result = runner.invoke(
        [
            "pull",
            str(tmp_path / "points.csv"),
            "--mapping",
            str(tmp_path / "m.json"),
            "--output",
            output,
            "-o",
            str(target),
        ]
    )
    assert result.exit_code == 0 and result.stdout == ""
    text = target.read_text()
    if output == "ndjson":
        items = [json.loads(line) for line in text.splitlines()]
    elif output == "json":
        items = json.loads(text)
    else:
        features = json.loads(text)["features"]
        assert (
            features[0]["geometry"] == {"type": "Point", "coordinates": [-0.142, 51.5012]}
            and features[2]["geometry"] is None
        )
        items = [f["properties"] for f in features]
    assert [i["reference"] for i in items] == ["1", "2", "3", "4"] and items[0]["received"] == "2024-05-01"


def test_near_radius_and_since_filters(runner, tmp_path):
    (tmp_path / "points.csv").write_text(POINTS)
    (tmp_path / "m.json").write_text(json.dumps(POINTS_MAPPING))
    args = ["pull", str(tmp_path / "points.csv"), "--mapping", str(tmp_path / "m.json"), "--output", "ndjson"]
    near = runner.invoke([*args, "--near", "sw1a 1aa", "--radius", "500"])
    assert [json.loads(line)["reference"] for line in near.stdout.splitlines()] == ["1", "4"]
    assert "1  skipped - outside --radius" in near.stderr and "not placed, so its distance is unknown" in near.stderr
    both = runner.invoke([*args, "--near", "SW1A 1AA", "--radius", "500", "--since", "2024-01-01"])
    assert [json.loads(line)["reference"] for line in both.stdout.splitlines()] == ["1"]
    assert "Read 4 rows: kept 1, skipped 3, warnings 1." in both.stderr


def test_without_mapping_every_column_passes_through(runner, tmp_path):
    (tmp_path / "points.csv").write_text(POINTS)
    result = runner.invoke(["pull", str(tmp_path / "points.csv"), "--output", "ndjson"])
    first = json.loads(result.stdout.splitlines()[0])
    assert first == {
        "position": 2,
        "ref": "1",
        "desc": "Near",
        "lat": "51.5012",
        "lon": "-0.1420",
        "date": "2024-05-01",
        "latitude": None,
        "longitude": None,
    }


def test_a_mapping_without_a_dataset_gives_text_fields(runner, tmp_path):
    (tmp_path / "m.toml").write_text(
        '[mapping]\nref = "PA Ref"\npostcode = { column = "Details", extract = "postcode" }\n'
    )
    result = runner.invoke(["pull", str(IOM_WEEKLY), "--mapping", str(tmp_path / "m.toml"), "--output", "ndjson"])
    first = json.loads(result.stdout.splitlines()[0])
    assert first == {"position": 2, "ref": "24/91042/B", "postcode": "IM2 2QY", "latitude": None, "longitude": None}


def test_a_configured_feed_can_be_pulled_by_name(civic_app_factory, civic_postcodes_io, civic_feed_server):
    url = civic_feed_server.add("/named.csv", "ref,desc\n1,Shed\n")
    feeds = {"named": planning_feed(url)}
    app = civic_app_factory(plugins=[("planning", PLANNING)], config={"feeds": feeds}, migrate=False)
    result = CivicRunner(app).invoke(["pull", "named", "--output", "ndjson"])
    assert json.loads(result.stdout)["description"] == "Shed" and result.stderr.startswith("Read 1 rows: kept 1")
    assert_database_untouched(app)


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["pull", "https://example.invalid/data"],
            "Error: Cannot tell the format of https://example.invalid/data; give --format",
        ),
        (["pull", "x.csv", "--near", "ZZ9 9ZZ"], "Error: Cannot place --near 'ZZ9 9ZZ': unknown postcode"),
        (["pull", "x.csv", "--since", "2024-01-01"], "Error: --since needs a date field"),
        (["pull", "x.csv", "--dataset", "nope.things"], "Error: unknown dataset 'nope.things'"),
        (["pull", "/no/such.csv"], "Error: Cannot read /no/such.csv"),
    ],
)
def test_mistakes_are_one_line(runner, args, message):
    result = runner.invoke(args)
    assert result.exit_code == 1 and result.output.startswith(message) and "Traceback" not in result.output


def test_a_progress_bar_when_asked_and_none_by_default_off_a_terminal(runner):
    """Replaces the old running count (a bare "read N rows" line): a click progress bar on stderr."""
    shown = runner.invoke(["pull", str(IOM_WEEKLY), "--progress", "--output", "ndjson"])
    assert shown.exit_code == 0, shown.output
    bar = shown.stderr.split("Read 2498 rows")[0]
    assert f"Pulling {IOM_WEEKLY.name}" in bar and "2498  rows" in bar and len(shown.stdout.splitlines()) == 2498
    quiet = runner.invoke(["pull", str(IOM_WEEKLY), "--output", "ndjson"])
    assert quiet.stderr.startswith("Read 2498 rows")


def test_csv_output_is_formula_safe(runner, tmp_path):
    """`civicapps pull --output csv` feeds analysts' spreadsheets with whatever a council's file held."""
    from test_csv_export import cells, formula_cells

    (tmp_path / "f.csv").write_text('ref,desc\n1,"=HYPERLINK(""https://evil.example"")"\n2,-4.48\n3,@SUM(1)\n')
    result = runner.invoke(["pull", str(tmp_path / "f.csv"), "--output", "csv"])
    assert result.exit_code == 0, result.output
    assert formula_cells(result.stdout) == []
    assert {"'=HYPERLINK(\"https://evil.example\")", "-4.48", "'@SUM(1)"} <= cells(result.stdout)
