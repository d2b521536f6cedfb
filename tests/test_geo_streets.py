"""The street list: OS Open Names tiles and simple CSVs imported into ``geo_street``, found by name
offline (issue #13: the demo's place search found nothing because no street list shipped)."""

from itertools import pairwise
from pathlib import Path

import pytest

from civicapps import Place, find_streets, import_streets, streets_near
from civicapps.errors import CivicappsError
from civicapps.geo.geocoding import geocode
from civicapps.geo.plugin import load_demo_data
from civicapps.testing import CivicRunner

TR00 = Path(__file__).parent / "fixtures" / "os-open-names-TR00.csv"


def test_open_names_tile_gives_its_named_roads_placed_in_wgs84(civic_app_factory):
    app = civic_app_factory()
    with app.app_context():
        stored = import_streets(app, TR00)
        assert stored == 35  # its 31 Named Road and 4 Section Of Named Road rows (each a street in one place)
        [scaffold] = find_streets(app, "scaffold")
        assert scaffold.label == "Scaffold Street, Dungeness"
        # OS publishes 608529, 116798 (BNG): pyproj puts it at 50.9134, 0.9648, beside the power station.
        assert (round(scaffold.latitude, 3), round(scaffold.longitude, 3)) == (50.913, 0.965)
        assert [p.label for p in find_streets(app, "invicta")] == ["Invicta Road, Shepway"], "no village: district"
        assert import_streets(app, TR00) == stored, "re-import updates in place"
        assert len(find_streets(app, "road", limit=100)) == len({p.label for p in find_streets(app, "road", limit=100)})


def test_names_match_from_the_start_of_any_word_whatever_the_case(civic_app_factory, tmp_path):
    app = civic_app_factory()
    (tmp_path / "streets.csv").write_text(
        "name,latitude,longitude\n"
        "Clarence Street,53.9667,-1.0827\n"
        "St. Mary's Row,53.96,-1.08\n"
        "High Street,53.95,-1.08\n"
    )
    with app.app_context():
        assert import_streets(app, tmp_path / "streets.csv", locality="York") == 3
        assert [p.name for p in find_streets(app, "CLAR")] == ["Clarence Street"]
        assert [p.name for p in find_streets(app, "street")] == ["Clarence Street", "High Street"]
        assert [p.name for p in find_streets(app, "st mary")] == ["St. Mary's Row"], "full stops do not matter"
        assert find_streets(app, "") == [] and find_streets(app, "%") == [] and find_streets(app, "x" * 500) == []
        assert find_streets(app, "Clarence Street")[0] == Place("Clarence Street", "York", 53.9667, -1.0827)


@pytest.mark.parametrize(
    "body, message",
    [
        ("name,latitude,longitude\nHigh Street,north,-1\n", "line 2: latitude and longitude must be numbers"),
        ("name,latitude,longitude\nHigh Street,91,-1\n", "line 2: 91.0, -1.0 is not a place on Earth"),
        ("street,x\nHigh Street,1\n", "neither an OS Open Names CSV nor a CSV with name, latitude and longitude"),
    ],
)
def test_a_bad_street_file_is_refused_with_its_line_and_nothing_stored(civic_app_factory, tmp_path, body, message):
    app = civic_app_factory()
    (tmp_path / "bad.csv").write_text(body)
    with app.app_context(), pytest.raises(CivicappsError, match=message):
        import_streets(app, tmp_path / "bad.csv")
    with app.app_context():
        assert find_streets(app, "high") == []


def test_the_demo_place_is_searchable_offline(civic_app_factory):
    """Issue #13 item 1: the demo's postcodes answered "We could not look up postcodes just now"."""
    app = civic_app_factory(config={"plugins": {"geo": {"postcodes_io_url": ""}}})
    with app.app_context():
        load_demo_data(app)
        minster = geocode(app, "yo1 7hh")
        assert minster is not None and minster.source == "codepoint"
        assert (round(minster.latitude, 3), round(minster.longitude, 3)) == (53.962, -1.082)
        assert [p.label for p in find_streets(app, "clarence")] == ["Clarence Street, York"]


def test_streets_near_a_point_come_nearest_first_with_their_distance(civic_app_factory, tmp_path):
    """After a postcode or coordinates search the no-JS flow lists the streets nearby (issue #13)."""
    app = civic_app_factory()
    (tmp_path / "streets.csv").write_text(
        "name,latitude,longitude\n"
        "Far Lane,53.9700,-1.0800\n"  # about 930 m north
        "Clarence Street,53.9630,-1.0800\n"  # about 150 m north
        "Stonegate,53.9616,-1.0800\n"  # about 0 m
        "Other Town Road,54.5,-1.08\n"
    )
    with app.app_context():
        assert streets_near(app, 53.9616, -1.08, 500) == [], "no table rows yet: nothing, no error"
        import_streets(app, tmp_path / "streets.csv", locality="York")
        near = streets_near(app, 53.9616, -1.08, 500)
        assert [p.name for p in near] == ["Stonegate", "Clarence Street"]
        assert near[0].distance_m == pytest.approx(0, abs=1)
        assert near[1].distance_m == pytest.approx(155.7, abs=2)
        assert [p.name for p in streets_near(app, 53.9616, -1.08, 1000)] == ["Stonegate", "Clarence Street", "Far Lane"]
        assert [p.name for p in streets_near(app, 53.9616, -1.08, 1000, limit=1)] == ["Stonegate"]
        assert streets_near(app, 53.9616, -1.08, 0) == [] and streets_near(app, 91, 0, 500) == []
        assert find_streets(app, "stonegate")[0].distance_m is None, "only a search by point measures"


def test_the_demo_lists_streets_near_a_york_postcode(civic_app_factory):
    app = civic_app_factory(config={"plugins": {"geo": {"postcodes_io_url": ""}}})
    with app.app_context():
        load_demo_data(app)
        where = geocode(app, "YO1 7HH")
        near = streets_near(app, where.latitude, where.longitude, 1000)
        assert near and near[0].name == "Clarence Street" and 500 < near[0].distance_m < 600
        assert all(a.distance_m <= b.distance_m for a, b in pairwise(near))


def test_streets_import_command_loads_a_file_with_a_progress_bar(civic_app_factory, tmp_path):
    app = civic_app_factory()
    (tmp_path / "york.csv").write_text(
        "name,latitude,longitude\nStonegate,53.9616,-1.08\nClarence Street,53.963,-1.08\n"
    )
    runner = CivicRunner(app)
    result = runner.invoke(["streets", "import", str(tmp_path / "york.csv"), "--locality", "York", "--progress"])
    assert result.exit_code == 0, result.output
    assert "Imported 2 streets from york.csv." in result.output
    assert "Importing york.csv" in result.output and "2 streets" in result.output, "the bar, on standard error"
    with app.app_context():
        assert [p.label for p in find_streets(app, "stonegate")] == ["Stonegate, York"]
    tile = runner.invoke(["streets", "import", str(TR00), "--no-progress"])
    assert tile.exit_code == 0 and tile.output == "Imported 35 streets from os-open-names-TR00.csv.\n", tile.output


def test_streets_import_command_names_the_file_and_line_of_a_bad_row(civic_app_factory, tmp_path):
    app = civic_app_factory()
    bad = tmp_path / "bad.csv"
    bad.write_text("name,latitude,longitude\nStonegate,53.9616,-1.08\nHigh Street,north,-1\n")
    result = CivicRunner(app).invoke(["streets", "import", str(bad)])
    assert result.exit_code == 1 and result.output == f"Error: {bad} line 3: latitude and longitude must be numbers.\n"
    rows = TR00.read_text().splitlines()
    at = next(i for i, row in enumerate(rows) if ",Named Road," in row)
    broken = rows[at].split(",")
    broken[8] = "east"
    rows[at] = ",".join(broken)
    (tmp_path / "tile.csv").write_text("\n".join(rows) + "\n")
    result = CivicRunner(app).invoke(["streets", "import", str(tmp_path / "tile.csv")])
    assert result.exit_code == 1
    assert f"tile.csv line {at + 1}: GEOMETRY_X and GEOMETRY_Y must be British National Grid" in result.output
    with app.app_context():
        assert find_streets(app, "stonegate") == [] and find_streets(app, "scaffold") == [], "nothing stored"
    missing = CivicRunner(app).invoke(["streets", "import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_streets_import_help_says_what_files_and_options_it_takes(civic_app_factory):
    result = CivicRunner(civic_app_factory()).invoke(["streets", "import", "--help"])
    text = " ".join(result.output.split())
    wanted = ["OS Open Names CSV", "name, latitude, longitude", "--locality NAME", "--progress / --no-progress", "line"]
    for words in wanted:
        assert words in text, words
