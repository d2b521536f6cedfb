"""Each configured app's search page (by postcode or street, list and map), item page and staff page;
a template that fails on one record shows that record to staff, and residents still get every record."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from civicapps import pull_feed

from .conftest import END, HEADER, ROADWORKS, ROADWORKS_CSV, START, sign_in

YO31 = "YO31 7EH"
TITLE_IF_STREET = "{{ record.works }}{% if record.street %} on {{ record.street }}{% endif %}"


def titles(page: str) -> list[str]:
    return [
        unescape(t)
        for t in re.findall(r'<h3 class="govuk-heading-s[^"]*"><a class="govuk-link" href="[^"]+">([^<]+)</a>', page)
    ]


def test_search_by_postcode_lists_the_records_within_the_radius_nearest_first(roadworks_app):
    app = roadworks_app()
    pull_feed(app, "roadworks")
    client = app.test_client()
    page = client.get("/dataset-apps/roadworks/", query_string={"q": YO31, "radius": 500}).text
    assert "2 records within 500 metres of YO31 7EH" in page
    assert titles(page) == ["Carriageway patching on Gillygate", "Gas main renewal on Clarence Street"]
    away = [int(m) for m in re.findall(r"(\d+) metres away", page)]
    assert away == [pytest.approx(48, abs=5), pytest.approx(107, abs=5)]  # pyproj's Helmert vs OSTN15: metres
    points = json.loads(unescape(re.search(r'data-points="([^"]*)"', page).group(1)))
    assert {p["title"] for p in points} == set(titles(page))
    wide = client.get("/dataset-apps/roadworks/", query_string={"q": YO31, "radius": 5000}).text
    assert "3 records within 5,000 metres" in wide
    atom = unescape(re.search(r'href="([^"]+)">Atom feed', page).group(1))
    assert client.get(atom).mimetype == "application/atom+xml" and "q=YO31" in atom
    alerts = unescape(re.search(r'href="([^"]+)">Get alerts about new ones near here', page).group(1))
    form = client.get(alerts)
    assert form.status_code == 200 and "Get alerts about new Roadworks" in form.text and "53.96" in form.text
    everything = client.get("/dataset-apps/roadworks/").text
    assert "3 current records." in everything


def test_filters_narrow_the_list(roadworks_app):
    app = roadworks_app()
    pull_feed(app, "roadworks")
    client = app.test_client()
    assert titles(client.get("/dataset-apps/roadworks/?category=major").text) == ["Gas main renewal on Clarence Street"]
    assert titles(client.get("/dataset-apps/roadworks/?keywords=water+heworth").text) == [
        "Water connection on Heworth Green"
    ]
    page = client.get("/dataset-apps/roadworks/?from=2001-01-01&to=2001-01-02").text
    assert titles(page) == []
    bad = client.get("/dataset-apps/roadworks/?radius=9")
    assert bad.status_code == 200 and "Enter a distance in whole metres, from 50 to 5,000" in unescape(bad.text)
    assert 'href="#radius"' in bad.text, "the problem links to its field"
    backwards = unescape(client.get("/dataset-apps/roadworks/?from=2001-01-02&to=2001-01-01&lang=cy").text)
    assert "Rhowch ddyddiad go iawn, ar y dyddiad cyntaf neu ar ei ôl" in backwards, "in the resident's language"


def test_unknown_postcode_is_explained_and_an_unknown_app_is_404(roadworks_app):
    app = roadworks_app()
    client = app.test_client()
    page = client.get("/dataset-apps/roadworks/", query_string={"q": "ZZ9 9ZZ"}).text
    assert "There is a problem" in page and "We could not find the postcode ZZ9 9ZZ" in page
    assert client.get("/dataset-apps/potholes/").status_code == 404
    assert client.get("/dataset-apps/roadworks/items/999").status_code == 404


def test_item_page_shows_the_record(roadworks_app):
    app = roadworks_app()
    pull_feed(app, "roadworks")
    client = app.test_client()
    page = client.get("/dataset-apps/roadworks/").text
    link = re.search(r'href="(/dataset-apps/roadworks/items/\d+)">Gas main renewal', page).group(1)
    item = unescape(client.get(link).text)
    assert '<h1 class="govuk-heading-l">Gas main renewal on Clarence Street</h1>' in item
    assert "RW-1" in item and "Northern Gas" in item and f"By Northern Gas, {START} to {END}" in item
    follow = re.search(r'href="([^"]+)">Get alerts when this changes', item).group(1)
    form = client.get(follow).text
    assert "Gas main renewal on Clarence Street (RW-1)" in unescape(form), "the followed item is named"


def test_a_template_failing_on_one_record_is_shown_to_staff_and_residents_still_see_every_record(roadworks_app):
    csv = ROADWORKS_CSV + f"RW-4,,Pole repair,Openreach,Minor,{START},{END},460150,452350\n"
    app = roadworks_app(
        csv=csv, app={"show": {**ROADWORKS["show"], "title": "{{ record.works }} on {{ record.street.upper() }}"}}
    )
    pull_feed(app, "roadworks")
    resident = app.test_client()
    page = resident.get("/dataset-apps/roadworks/")
    assert page.status_code == 200
    assert sorted(titles(page.text)) == [
        "Carriageway patching on GILLYGATE",
        "Gas main renewal on CLARENCE STREET",
        "RW-4",
        "Water connection on HEWORTH GREEN",
    ]
    item_link = re.search(r'href="(/dataset-apps/roadworks/items/\d+)">RW-4', page.text).group(1)
    item = resident.get(item_link)
    assert item.status_code == 200 and "field template failed" not in item.text
    assert resident.get("/dataset-apps/roadworks/staff").status_code in (302, 403)
    staff = sign_in(app)
    staff_page = unescape(staff.get("/dataset-apps/roadworks/staff").text)
    assert "Records a field template fails on" in staff_page
    failing = staff_page.split("Records a field template fails on", 1)[1]
    assert "RW-4" in failing and "show.title:" in failing and "Pole repair" in failing and "Openreach" in failing
    assert "RW-1" not in failing
    assert "ok" in staff_page.lower() and "4 read, 4 new" in staff_page
    assert "field template failed on this record" in unescape(staff.get(item_link).text)


def test_a_record_without_a_street_is_not_a_template_error_when_the_template_allows_it(roadworks_app):
    csv = HEADER + f"RW-9,,Pole repair,Openreach,Minor,{START},{END},460150,452350\n"
    app = roadworks_app(csv=csv, app={"show": {**ROADWORKS["show"], "title": TITLE_IF_STREET}})
    pull_feed(app, "roadworks")
    assert titles(app.test_client().get("/dataset-apps/roadworks/").text) == ["Pole repair"]


def test_the_pages_are_welsh_for_a_welsh_reader(roadworks_app):
    app = roadworks_app()
    pull_feed(app, "roadworks")
    client = app.test_client()
    page = unescape(client.get("/dataset-apps/roadworks/", query_string={"q": YO31, "radius": 500, "lang": "cy"}).text)
    assert "Cod post neu stryd" in page and "Postcode or street" not in page
    assert "2 cofnod o fewn 500 metr i YO31 7EH." in page
    assert "Cael rhybuddion am rai newydd yn agos i'r fan hon" in page and "ffrwd Atom" in page
    link = re.search(r'href="(/dataset-apps/roadworks/items/\d+)"', page).group(1)
    assert "Cael rhybuddion pan fydd hyn yn newid" in unescape(client.get(link).text)
