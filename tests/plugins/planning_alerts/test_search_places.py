"""Searching the York demo by postcode, street and point, offline, without JavaScript (issue #13 item 1:
the demo's postcodes were never found, there was no street search or map choice, and one long page)."""

from __future__ import annotations

import re

import civicapps_planning_alerts as planning_alerts
import pytest

from civicapps import find_streets
from civicapps.geo import plugin as geo

TITLE = re.compile(r'pa-result__title"><a class="govuk-link" href="[^"]+">([^<]+)</a>')
DISTANCE = re.compile(r"([\d,]+) m away")


def words(page) -> str:
    return " ".join(page.text.split())


@pytest.fixture
def york(pa_app, civic_postcodes_io):
    app = pa_app(settings={"page_size": 20})
    with app.app_context():
        geo.load_demo_data(app)
        planning_alerts.load_demo_data(app)
    civic_postcodes_io.known.clear()  # postcodes.io now knows nothing: places come from the imported tables
    return app


def test_a_demo_postcode_is_found_offline_with_nearby_applications(york):
    page = york.test_client().get("/planning-alerts/?q=yo1+7hh&radius=400")
    assert page.status_code == 200, page.text
    assert re.search(r"\d+ applications within 400 metres of YO1 7HH, newest first", words(page))
    assert len(TITLE.findall(page.text)) == 20, "a page of 20, not one long page"
    assert "Next page" in page.text and "Page 1 of" in page.text


def test_a_street_name_finds_the_street_and_nearest_first_orders_by_distance(york):
    client = york.test_client()
    newest = client.get("/planning-alerts/?q=clarence&radius=300")
    assert "within 300 metres of Clarence Street, York, newest first" in words(newest)
    nearest = client.get(
        "/planning-alerts/?lat=53.966702&lon=-1.082667&place=Clarence+Street%2C+York&radius=300&order=nearest"
    )
    assert "within 300 metres of Clarence Street, York, nearest first" in words(nearest)
    distances = [int(d.replace(",", "")) for d in DISTANCE.findall(nearest.text)]
    assert distances and distances == sorted(distances)
    assert sorted(TITLE.findall(nearest.text)) == sorted(TITLE.findall(newest.text))
    assert 'href="/planning-alerts/alerts?lat=53.966702&amp;lon=-1.082667"' in nearest.text


def test_a_name_that_fits_several_streets_offers_the_list_to_pick_from(york):
    page = york.test_client().get("/planning-alerts/?q=bridge")
    assert page.status_code == 200
    choices = re.findall(r'<li><a class="govuk-link" href="([^"]+)">([^<]+)</a></li>', page.text)
    labels = [label for _, label in choices]
    assert labels == [
        "Clifton Bridge, York",
        "Millennium Bridge, York",
        "Scarborough Bridge, York",
        "Skeldergate Bridge, York",
    ]
    chosen = york.test_client().get(choices[3][0].replace("&amp;", "&"))
    assert "of Skeldergate Bridge, York" in chosen.text and TITLE.findall(chosen.text)


def test_coordinates_name_only_a_street_of_the_list(york):
    """A link cannot make the page claim any name it likes: an unknown place shows its coordinates."""
    page = york.test_client().get("/planning-alerts/?lat=53.96&lon=-1.083&place=Buckingham+Palace")
    assert "within 800 metres of 53.96000, -1.08300" in words(page)
    # Only links back to this very search (the language switcher keeps the query) may carry it.
    assert "Buckingham" not in re.sub(r'href="[^"]*"', "", page.text)


def test_pages_show_words_not_codes(york):
    page = york.test_client().get("/planning-alerts/?q=YO1+7HH&radius=800")
    assert "Open for comments" in page.text or "Approved" in page.text
    assert not re.search(r"· (PCO|PER|HAPP|REC|NOB)\b", page.text)
    first = re.search(r'pa-result__title"><a class="govuk-link" href="([^"]+)"', page.text).group(1)
    detail = york.test_client().get(first)
    assert "not given" not in detail.text
    assert not re.search(r"<td>(FUL|LBC|TCA|ADV|PCO|PER)</td>", detail.text)


def test_alerts_can_be_set_up_for_a_street(york, civic_notification_sink):
    from sqlalchemy import select

    from civicapps.db import get_database
    from civicapps.notify.models import Subscription

    from .test_pages import alert

    client = york.test_client()
    several = alert(client, postcode="bridge", target=civic_notification_sink.url("/s"))
    assert several.status_code == 400
    assert "More than one street matches “bridge”: choose yours" in several.text
    answer = alert(client, postcode="Clarence", target=civic_notification_sink.url("/s"))
    assert answer.status_code == 302, answer.text
    with get_database(york).sessionmaker() as session:
        [subscription] = session.scalars(select(Subscription)).all()
    assert (round(subscription.lat, 4), round(subscription.lon, 4), subscription.place) == (53.9667, -1.0827, None)


def test_an_alert_for_a_name_that_fits_several_streets_offers_the_list_to_pick_from(york, civic_notification_sink):
    """Without JavaScript the alert form used to dead-end ("type more of its name") where the search
    page offers the streets to choose from: now it offers them too, keeping everything else typed."""
    from sqlalchemy import select

    from civicapps.db import get_database
    from civicapps.notify.models import Subscription

    from .test_pages import alert

    client = york.test_client()
    target = civic_notification_sink.url("/s")
    page = alert(client, postcode="bridge", target=target, keywords="tree")
    assert page.status_code == 400
    offered = re.findall(r'<input[^>]*name="street"[^>]*value="([^"]+)"', page.text)
    bridges = ["Clifton Bridge", "Millennium Bridge", "Scarborough Bridge", "Skeldergate Bridge"]
    assert offered == [f"{name}, York" for name in bridges]
    assert 'value="tree"' in page.text and f'value="{target}"' in page.text, "nothing typed is lost"
    forged = alert(client, postcode="bridge", street="Buckingham Palace", target=target)
    assert forged.status_code == 400, "only a street of the list is taken"
    with get_database(york).sessionmaker() as session:
        assert session.scalars(select(Subscription)).all() == []
    skeldergate = {"postcode": "bridge", "street": "Skeldergate Bridge, York", "target": target}
    too_near = alert(client, **skeldergate, radius="other", radius_other="5")
    assert too_near.status_code == 400 and "Enter a distance between" in too_near.text
    kept = re.search(r'name="street" type="radio" value="Skeldergate Bridge, York" checked', too_near.text)
    assert kept, "the pick is kept"
    chosen = alert(client, **skeldergate)
    assert chosen.status_code == 302, chosen.text
    with york.app_context():
        [street] = [s for s in find_streets(york, "Skeldergate Bridge") if s.label == "Skeldergate Bridge, York"]
    with get_database(york).sessionmaker() as session:
        [subscription] = session.scalars(select(Subscription)).all()
    assert (subscription.lat, subscription.lon, subscription.place) == (
        pytest.approx(street.latitude),
        pytest.approx(street.longitude),
        None,
    )


@pytest.mark.parametrize(
    "search, where",
    [
        ("q=yo1+7hh&radius=400", "postcode=YO1+7HH"),
        ("q=clarence&radius=400", "lat=53.966702&lng=-1.082667"),
        ("lat=53.96&lon=-1.083&radius=400", "lat=53.960000&lng=-1.083000"),
    ],
)
def test_json_geojson_and_atom_links_for_every_kind_of_search(york, search, where):
    """Issue #13: the JSON/GeoJSON/Atom links came only with postcode searches, not streets or points."""
    client = york.test_client()
    page = client.get(f"/planning-alerts/?{search}")
    shown = sorted(TITLE.findall(page.text))
    found = re.findall(r'<a class="govuk-link" href="([^"]+)">(JSON|GeoJSON|Atom feed)</a>', page.text)
    links = {label: href.replace("&amp;", "&") for href, label in found}
    assert set(links) == {"JSON", "GeoJSON", "Atom feed"}, page.text
    for href in links.values():
        assert where in href and "radius=400" in href, href
    total = int(re.search(r"(\d+) applications? within", words(page)).group(1))
    assert client.get(links["JSON"]).json["total"] == total, "the same place and radius as the page"
    assert client.get(links["GeoJSON"]).json["features"], links["GeoJSON"]
    atom = client.get(links["Atom feed"])
    assert atom.status_code == 200 and shown and all(title in atom.text for title in shown[:5])
    back = re.search(r'<link rel="alternate"[^>]*href="([^"]+)"', atom.text)
    assert back and ("q=YO1" in back.group(1) or "lat=" in back.group(1)), "the feed links back to the same search"


def test_the_alert_forms_example_coordinates_are_in_the_councils_own_area(york, pa_app, monkeypatch):
    """The hints once showed Isle of Man and London coordinates in the York demo: they are now the council's
    example street's (``[plugins.geo] example_street``), and the picker map starts there; no street, no example."""
    page = york.test_client().get("/planning-alerts/alerts").text
    assert 'id="lat-hint"' not in page and 'id="lon-hint"' not in page, "no example street: no example coordinates"
    monkeypatch.setenv("CIVICAPPS_PLUGINS__GEO__EXAMPLE_STREET", "Clarence Street")
    app = pa_app()
    with app.app_context():
        geo.load_demo_data(app)
        [clarence] = [s for s in find_streets(app, "Clarence Street") if s.label.startswith("Clarence Street")][:1]
    page = app.test_client().get("/planning-alerts/alerts").text
    lat = re.search(r'id="lat-hint"[^>]*>\s*For example (-?[\d.]+)', page).group(1)
    lon = re.search(r'id="lon-hint"[^>]*>\s*For example (-?[\d.]+)', page).group(1)
    assert (float(lat), float(lon)) == (round(clarence.latitude, 4), round(clarence.longitude, 4))
    assert 53.9 < float(lat) < 54 and -1.1 < float(lon) < -1.0, "York"
    assert f'data-lat="{lat}"' in page, "the picker map starts at the example street"
