"""Area matching: projected STRtree results agree with geodesic distance, polygons, the configurable CRS,
and the per-topic index cache that is rebuilt only when the topic's subscriptions change."""
import json

import numpy as np
import pytest
from pyproj import Geod
from sqlalchemy import insert

from civicapps import StartupError
from civicapps.db import db_session
from civicapps.geo import spatial
from civicapps.geo.projection import from_wgs84
from civicapps.geo.spatial import AreaIndex, index_for
from civicapps.notify.models import Subscription
from civicapps.notify.subscriptions import SubscriptionRequest, bump_topic, confirm, create, end, set_frequency

RNG = np.random.default_rng(2026)
GEOD = Geod(ellps="WGS84")


def scatter(count, spread=0.05, centre=(-4.48, 54.15)):
    return centre[0] + RNG.uniform(-spread, spread, count), centre[1] + RNG.uniform(-spread, spread, count)


@pytest.mark.parametrize("crs", ["EPSG:27700", "EPSG:32630"])
def test_radius_matches_agree_with_geodesic_distance(crs):
    sub_lon, sub_lat = scatter(3000)
    radius = RNG.choice([100.0, 250.0, 500.0, 1000.0, 2000.0], 3000)
    item_lon, item_lat = scatter(200)
    index = AreaIndex.build(np.arange(3000), sub_lon, sub_lat, radius, np.zeros(3000), [], crs)
    items, ids, _ = index.match(item_lon, item_lat)
    found = set(zip(items.tolist(), ids.tolist(), strict=True))

    pairs_i, pairs_s = np.meshgrid(np.arange(200), np.arange(3000), indexing="ij")
    _, _, distance = GEOD.inv(
        item_lon[pairs_i.ravel()], item_lat[pairs_i.ravel()], sub_lon[pairs_s.ravel()], sub_lat[pairs_s.ravel()]
    )
    within = distance <= radius[pairs_s.ravel()]
    clear = np.abs(distance - radius[pairs_s.ravel()]) > radius[pairs_s.ravel()] * 0.001  # beyond 0.1% of the edge
    expected = set(zip(pairs_i.ravel()[within & clear].tolist(), pairs_s.ravel()[within & clear].tolist(), strict=True))
    undecided = set(zip(pairs_i.ravel()[~clear].tolist(), pairs_s.ravel()[~clear].tolist(), strict=True))
    assert expected, "the fixture must produce matches"
    assert expected <= found and not (found - expected - undecided), "projected planar distance agrees with geodesic"


def test_polygons_and_circles_together():
    square = json.dumps(
        {
            "type": "Polygon",
            "coordinates": [[[-4.50, 54.14], [-4.46, 54.14], [-4.46, 54.16], [-4.50, 54.16], [-4.50, 54.14]]],
        }
    )
    index = AreaIndex.build([1], [-4.48], [54.15], [100.0], [1], [(2, square, "weekly")], "EPSG:27700")
    items, ids, frequency = index.match([-4.48, -4.47, -4.60], [54.15, 54.15, 54.15])
    assert sorted(zip(items.tolist(), ids.tolist(), frequency.tolist(), strict=True)) == [
        (0, 1, 1),
        (0, 2, 2),
        (1, 2, 2),
    ]


def test_an_empty_index_matches_nothing():
    items, ids, _ = AreaIndex.build([], [], [], [], [], [], "EPSG:27700").match([-4.48], [54.15])
    assert len(items) == len(ids) == 0


@pytest.mark.parametrize(
    "crs, message",
    [
        ("EPSG:4326", "EPSG:4326 is not a projected CRS in metres"),
        ("EPSG:999999", "'EPSG:999999' is not a coordinate reference system"),
    ],
)
def test_the_matching_crs_must_be_metric(civic_app_factory, crs, message):
    with pytest.raises(StartupError, match=message):
        civic_app_factory(config={"plugins": {"notify": {"crs": crs}}})


def test_the_index_follows_changes_without_rebuilding(world, monkeypatch):
    rows = [
        {
            "topic": "sightings.near",
            "channel": "webhook",
            "target": "https://example.org/",
            "target_hash": str(n),
            "lon": -4.48,
            "lat": 54.15,
            "radius_m": 500.0,
            "frequency": "instant",
            "status": "active",
            "confirm_attempts": 0,
        }
        for n in range(50)
    ]
    with world.app.app_context():
        session = db_session()
        session.execute(insert(Subscription), rows)
        bump_topic(session, "sightings.near")
        session.commit()

        def matched():
            live = index_for(world.app, session.connection(), "sightings.near", "EPSG:27700")
            return live, set(live.match([-4.48], [54.15])[1].tolist())

        first, ids = matched()
        assert len(ids) == 50 and matched()[0] is first, "unchanged topic: the same index"
        newcomer = create(
            world.app,
            SubscriptionRequest(
                "sightings.near", "webhook", world.sink.url("/new"), lat=54.15, lon=-4.48, radius_m=100
            ),
            None,
        )
        confirm(newcomer)
        leaver = session.get(Subscription, 1)
        end(leaver)
        live, ids = matched()
        assert live.base is first.base, "a few changes are read on their own, not by a rebuild"
        assert newcomer.id in ids and leaver.id not in ids and len(ids) == 50
        monkeypatch.setattr(spatial, "REBUILD_SHARE", 0.0)
        set_frequency(world.app, newcomer, "daily")
        rebuilt, ids = matched()
        assert rebuilt.base is not first.base and rebuilt.base_version == rebuilt.version
        assert newcomer.id in ids and leaver.id not in ids and len(ids) == 50


@pytest.mark.parametrize("spread", [0.01, 0.3])  # a town (many per cell) and a county (cells mostly empty)
def test_grid_finds_exactly_the_circles_brute_force_finds(spread):
    sub_lon, sub_lat = scatter(4000, spread)
    radius = RNG.choice([50.0, 100.0, 250.0, 1000.0], 4000)
    radius[17] = 20_000.0  # one wide circle makes every cell wide
    item_lon, item_lat = scatter(300, spread * 1.5)
    # Far away (other side of the grid), on a cell edge of the first subscription, and unprojectable.
    item_lon = np.concatenate([item_lon, [2.0, sub_lon[0], np.nan]])
    item_lat = np.concatenate([item_lat, [60.0, sub_lat[0], 54.0]])
    index = AreaIndex.build(np.arange(4000) + 1, sub_lon, sub_lat, radius, np.zeros(4000), [], "EPSG:27700")
    items, ids, _ = index.match(item_lon, item_lat)
    found = sorted(zip(items.tolist(), ids.tolist(), strict=True))

    sx, sy = from_wgs84(sub_lon, sub_lat, "EPSG:27700")
    ix, iy = from_wgs84(item_lon, item_lat, "EPSG:27700")
    inside = (ix[:, None] - sx[None, :]) ** 2 + (iy[:, None] - sy[None, :]) ** 2 <= radius[None, :] ** 2
    expected = sorted((int(i), int(s) + 1) for i, s in zip(*np.nonzero(inside), strict=True))
    assert len(expected) > 100 and found == expected, "no pair missed, none invented, none twice"
    assert (len(item_lon) - 2, 1) in found and not any(i == len(item_lon) - 1 for i, _ in found)
