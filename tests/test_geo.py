"""Projections to WGS84 (OSTN15 for British National Grid), postcodes: spelling, postcodes.io single
and bulk lookups with caching, the offline ONSPD / Code-Point Open import, and clear failures."""

import json
import math

import pytest
from feeds_support import planning_app_fixture, planning_feed, records  # noqa: F401 - the planning_app fixture
from pyproj import Geod, Transformer

from civicapps import to_wgs84
from civicapps.feeds import pull_feed
from civicapps.geo.geocoding import postcode_service
from civicapps.geo.postcodes import find_postcode, normalise_postcode
from civicapps.geo.projection import from_wgs84
from civicapps.geo.spatial import AreaIndex
from civicapps.testing import CivicRunner

GEOD = Geod(ellps="WGS84")

# Ordnance Survey's OSTN15 test points: ETRS89 (= WGS84 for OS and EPSG:4326) latitude/longitude and
# the OSGB36 National Grid easting/northing OS publishes for them (OSI BSD licence, © Crown copyright).
OS_TEST_POINTS = [
    ("TP01 St Mary's, Scilly", 49.92226394, -6.29977752, 91492.146, 11318.804),
    ("TP05 Former OSHQ", 50.93127938, -1.45051434, 438710.920, 114792.250),
    ("TP09 Lambeth", 51.48936565, -0.11992557, 530624.974, 178388.464),
    ("TP12 Droitwich", 52.25529382, -2.15458614, 389544.190, 261912.153),
    ("TP16 Liverpool", 53.34480280, -2.64049321, 357455.843, 383290.436),
    ("TP20 Leeds", 53.80021520, -1.66379168, 422242.186, 433818.701),
    ("TP21 Isle of Man", 54.08666318, -4.63452168, 227778.330, 468847.388),
    ("TP26 Glasgow", 55.85399953, -4.29649016, 256340.925, 664697.269),
    ("TP31 St Kilda", 57.81351838, -8.57854456, 9587.909, 899448.996),
    ("TP40 Shetland", 60.13308092, -2.07382823, 395999.668, 1138728.951),
]


def metres(a, b):
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


@pytest.mark.parametrize("name, lat, lon, e, n", OS_TEST_POINTS, ids=[p[0].split()[0] for p in OS_TEST_POINTS])
def test_national_grid_to_wgs84_is_ostn15_within_10_cm(name, lat, lon, e, n):
    [point] = to_wgs84([e], [n], "EPSG:27700")
    assert metres(point, (lon, lat)) < 0.1


@pytest.mark.parametrize("name, lat, lon, e, n", OS_TEST_POINTS, ids=[p[0].split()[0] for p in OS_TEST_POINTS])
def test_wgs84_to_national_grid_is_ostn15_within_10_cm(name, lat, lon, e, n):
    x, y = from_wgs84([lon], [lat], 27700)
    assert math.hypot(x[0] - e, y[0] - n) < 0.1


def test_subscription_areas_are_projected_through_ostn15_too():
    """Area matching projects with the same OSTN15 as feeds (PROJ's Helmert fallback is 1-5 m out)."""
    lat, lon, e, n = [(lat, lon, e, n) for name, lat, lon, e, n in OS_TEST_POINTS if name.endswith("Leeds")][0]
    index = AreaIndex.build([1], [lon], [lat], [100.0], [0], [], "EPSG:27700")
    assert math.hypot(index.x[0] - e, index.y[0] - n) < 0.1
    assert index.match([lon], [lat])[1].tolist() == [1]


def test_easting_northing_rows_land_within_a_metre(planning_app, civic_feed_server):
    body = "ref,desc,easting,northing\n" + "".join(
        f'{i},"{name}",{e},{n}\n' for i, (name, _, _, e, n) in enumerate(OS_TEST_POINTS)
    )
    url = civic_feed_server.add("/bng.csv", body)
    feed = planning_feed(url, authority="OS", location={"x": "easting", "y": "northing", "crs": "EPSG:27700"})
    app = planning_app(feeds={"bng": feed})
    assert pull_feed(app, "bng").new == len(OS_TEST_POINTS)
    stored = records(app)
    for i, (_, lat, lon, _, _) in enumerate(OS_TEST_POINTS):
        record = stored[("OS", str(i))]
        assert metres((record.longitude, record.latitude), (lon, lat)) < 1.0


def test_other_coordinate_systems_go_through_pyproj():
    lon, lat = -6.26, 53.35  # Dublin, in Irish Transverse Mercator
    x, y = Transformer.from_crs(4326, 2157, always_xy=True).transform(lon, lat)
    [point] = to_wgs84([x], [y], "2157")
    assert metres(point, (lon, lat)) < 0.01
    assert to_wgs84([-4.48, float("nan"), 500.0], [54.15, 54.0, 500.0], "EPSG:4326") == [(-4.48, 54.15), None, None]


def test_wkt_and_geojson_geometries_are_placed_by_their_centroid(planning_app, civic_feed_server):
    square = "POLYGON ((530600 178360, 530650 178360, 530650 178410, 530600 178410, 530600 178360))"
    body = json.dumps(
        [
            {"ref": "1", "desc": "Site", "wkt": square},
            {"ref": "2", "desc": "Point", "geo": json.dumps({"type": "Point", "coordinates": [-4.48, 54.15]})},
            {"ref": "3", "desc": "Broken", "wkt": "POLYGON ((1 2,"},
        ]
    )
    url = civic_feed_server.add("/geoms.json", body, content_type="application/json")
    app = planning_app(
        feeds={
            "w": planning_feed(url, format="json", location={"wkt": "wkt", "crs": "EPSG:27700"}),
            "g": planning_feed(url + "?g", format="json", location={"geojson": "geo"}),
        }
    )
    result = pull_feed(app, "w")
    [issue] = [i for i in result.issues if i.position == 3]
    assert issue.field == "wkt" and "cannot be read" in issue.reason and issue.severity == "warning"
    site = records(app)[("T", "1")]
    assert metres((site.longitude, site.latitude), (-0.1196, 51.4892)) < 50
    pull_feed(app, "g")
    assert (records(app)[("T", "2")].longitude, records(app)[("T", "2")].latitude) == (-4.48, 54.15)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" SW1A  1AA ", "SW1A 1AA"),
        ("im2 2qy", "IM2 2QY"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("GIR0AA", "GIR 0AA"),
        ("SW1A", None),
        ("12345", None),
        ("", None),
    ],
)
def test_postcode_spelling_is_normalised(text, expected):
    assert normalise_postcode(text) == expected


def test_postcode_found_at_the_end_of_free_text():
    assert find_postcode("Erection of shed 1 Mill Rd Douglas Isle Of Man IM2 2QY ") == "IM2 2QY"
    assert find_postcode("PA 24/91207/B alterations, 17A Victoria Street, Douglas, im12lw") == "IM1 2LW"
    assert find_postcode("Construction of 1no industrial unit") is None


def test_postcodes_io_single_and_bulk_with_clear_answers(planning_app, civic_feed_server):
    app = planning_app()
    service = postcode_service(app)
    with app.app_context():
        single = service.lookup(["sw1a1aa"])["sw1a1aa"]
    assert single.status == "found" and (single.location.latitude, single.location.source) == (
        51.501009,
        "postcodes.io",
    )
    assert civic_feed_server.hits("/postcodes.io/postcodes/") == 1
    asked = ["EX16 5BL", "IM9 4HH", "ZZ9 9ZZ", "not a postcode"] + [f"AB{i} 1AA" for i in range(1, 101)]
    answers = service.lookup(asked)
    assert civic_feed_server.hits("/postcodes.io/postcodes") == 2, "104 postcodes in bulk requests of at most 100"
    assert answers["EX16 5BL"].status == "found"
    assert answers["IM9 4HH"].reason.startswith("postcode IM9 4HH exists but has no coordinates")
    assert answers["ZZ9 9ZZ"].reason == "unknown postcode ZZ9 9ZZ"
    assert answers["not a postcode"].reason == "'not a postcode' is not a UK postcode"


def test_lookups_are_cached_in_memory_and_in_the_database(planning_app, civic_feed_server):
    app = planning_app()
    postcode_service(app).lookup(["EX16 5BL", "ZZ9 9ZZ"])
    postcode_service(app).lookup(["ex165bl", "zz99zz"])
    assert civic_feed_server.hits("/postcodes.io/postcodes") == 1
    url = app.extensions["civicapps"].db.url.render_as_string(hide_password=False)
    restarted = planning_app(database_url=url)
    answers = postcode_service(restarted).lookup(["EX16 5BL", "ZZ9 9ZZ"])
    assert civic_feed_server.hits("/postcodes.io/postcodes") == 1, "a new process reads the database cache"
    assert answers["EX16 5BL"].location.latitude == 50.907066 and answers["ZZ9 9ZZ"].status == "unknown"


def test_postcodes_io_failure_is_reported_and_not_cached(planning_app, civic_feed_server):
    app = planning_app(
        plugin_settings={"geo": {"postcodes_io_url": civic_feed_server.url("/down"), "timeout_seconds": 1}}
    )
    civic_feed_server.add("/down/postcodes", "oops", status=503)
    first = postcode_service(app).lookup(["EX16 5BL", "SW1A 1AA"])
    assert first["EX16 5BL"].status == "error" and "HTTP 503" in first["EX16 5BL"].reason
    postcode_service(app).lookup(["EX16 5BL", "SW1A 1AA"])
    assert civic_feed_server.hits("/down/postcodes") == 2, "errors are asked again next time"


ONSPD_CLASSIC = (
    "pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,oa21,cty,laua,ctry,lat,long\n"
    '"SW1A1AA","SW1A 1AA","SW1A 1AA","198001","","1","529090","179645","1","E00023938","E99999999","E09000033","E92000001",51.501009,-0.141588\n'  # noqa: E501 - a data row
    '"IM2 2QY","IM2  2QY","IM2 2QY","199912","","0","","","9","","","M99999999","M83000003",99.999999,0.000000\n'
    '"EC1A1AJ","EC1A 1AJ","EC1A 1AJ","198001","200012","1","531955","181629","1","","","E09000001","E92000001",51.518478,-0.099153\n'  # noqa: E501 - a data row
    '"","","","","","","","","","","","","",0,0\n'
)
ONSPD_2025 = (
    "pcd7,pcd8,pcds,dointr,doterm,east1m,north1m,lat,long,ctry25cd,lad25cd\n"
    "EX165BL,EX16 5BL,EX16 5BL,198001,,295770,112767,50.907066,-3.477588,E92000001,E07000045\n"
)
CODE_POINT = (
    '"AB101AA",10,394251,806376,"S92000003","","S08000020","","S12000033","S13002842"\n'
    '"AB101AB",90,0,0,"S92000003","","","","",""\n'
)


@pytest.mark.parametrize(
    "name, body, expected",
    [
        (
            "onspd-classic.csv",
            ONSPD_CLASSIC,
            "Imported 3 postcodes from ONS Postcode Directory (1 without coordinates, 1 terminated); skipped 1 rows",
        ),
        (
            "onspd-2025.csv",
            ONSPD_2025,
            "Imported 1 postcodes from ONS Postcode Directory (0 without coordinates, 0 terminated)",
        ),
        (
            "codepoint-ab.csv",
            CODE_POINT,
            "Imported 2 postcodes from Code-Point Open (1 without coordinates, 0 terminated)",
        ),
    ],
)
def test_postcode_import_maps_headers_by_release(planning_app, civic_feed_server, tmp_path, name, body, expected):
    app = planning_app(plugin_settings={"geo": {"postcodes_io_url": None}})
    (tmp_path / name).write_text(body)
    runner = CivicRunner(app)
    result = runner.invoke(["postcodes", "import", str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(expected)
    assert runner.invoke(["postcodes", "import", str(tmp_path / name)]).exit_code == 0, "re-import updates in place"


def test_imported_table_answers_without_going_online(planning_app, civic_feed_server, tmp_path):
    app = planning_app()
    (tmp_path / "onspd.csv").write_text(ONSPD_CLASSIC)
    (tmp_path / "cpo.csv").write_text(CODE_POINT)
    runner = CivicRunner(app)
    runner.invoke(["postcodes", "import", str(tmp_path / "onspd.csv")])
    runner.invoke(["postcodes", "import", str(tmp_path / "cpo.csv")])
    result = runner.invoke(["postcodes", "lookup", "sw1a1aa", "im2 2qy", "AB10 1AA", "AB10 1AB"])
    assert result.output.splitlines()[:2] == [
        "SW1A 1AA: 51.501009, -0.141588 (onspd)",
        "im2 2qy: postcode IM2 2QY exists but has no coordinates "
        "(Isle of Man, Channel Islands and some new or PO box postcodes)",
    ]
    aberdeen = result.output.splitlines()[2]
    assert aberdeen.startswith("AB10 1AA: 57.14") and aberdeen.endswith("(codepoint)")
    assert "AB10 1AB: postcode AB10 1AB exists but has no coordinates" in result.output
    assert not any("/postcodes.io" in path for _, path, _ in civic_feed_server.requests)


def test_import_of_something_else_is_one_line(planning_app, tmp_path):
    (tmp_path / "x.csv").write_text("name,colour\nbench,green\n")
    result = CivicRunner(planning_app()).invoke(["postcodes", "import", str(tmp_path / "x.csv")])
    assert (
        result.exit_code == 1
        and result.output.startswith("Error: ")
        and "does not look like ONSPD or Code-Point Open" in result.output
    )
