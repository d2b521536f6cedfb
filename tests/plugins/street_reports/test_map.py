"""The public map and the list beside it at scale: a screenful of pins, the rest counted into
clusters, answers cached until a report changes, 304s, and the paged, filtered list."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from typing import Any

import civicapps_street_reports as street_reports
import pytest
from civicapps_street_reports.map_features import MAX_PINS
from civicapps_street_reports.models import Report
from flask import Flask
from sqlalchemy import insert, select, update

from civicapps import db_session, utcnow
from civicapps.testing import AppFactory

from .conftest import LISTED_TITLE

PLUGIN = ("street_reports", street_reports)
TOWN = (-2.35, 53.40, -2.15, 53.55)  # the whole-town view
STREET = (-2.2600, 53.4700, -2.2540, 53.4740)  # a few streets inside it
CATEGORIES = ("Potholes", "Graffiti")


@pytest.fixture
def app(civic_app_factory: AppFactory) -> Flask:
    return civic_app_factory(plugins=[PLUGIN])


def store(app: Flask, count: int, box: tuple[float, float, float, float] = TOWN, **fields: Any) -> None:
    """``count`` reports at random points of ``box``, stored in one bulk insert (as an import would)."""
    rng = random.Random(count)
    now = utcnow()
    rows = [
        {
            "title": f"Problem {n}",
            "category": CATEGORIES[n % 2],
            "details": "A made-up report.",
            "lon": rng.uniform(box[0], box[2]),
            "lat": rng.uniform(box[1], box[3]),
            "status": "open",
            "created_at": now - timedelta(days=n % 60),
            "answers": {},
            **fields,
        }
        for n in range(count)
    ]
    with app.app_context():
        db_session().execute(insert(Report), rows)
        db_session().commit()


def in_box(app: Flask, box: tuple[float, float, float, float], **where: Any) -> int:
    """How many public open reports the database holds in ``box`` (optionally one category)."""
    with app.app_context():
        query = select(Report.id).where(
            Report.status == "open",
            Report.hidden.is_(False),
            Report.private.is_(False),
            Report.lon.between(box[0], box[2]),
            Report.lat.between(box[1], box[3]),
            *(getattr(Report, name) == value for name, value in where.items()),
        )
        return len(db_session().scalars(query).all())


def geojson(app: Flask, box: tuple[float, float, float, float], zoom: int, **args: Any) -> dict[str, Any]:
    query = "&".join(f"{name}={value}" for name, value in args.items())
    response = app.test_client().get(f"/street-reports/reports.json?bbox={','.join(map(str, box))}&zoom={zoom}&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def counted(document: dict[str, Any]) -> int:
    """The reports an answer stands for: each cluster's count and each pin."""
    return sum(f["properties"]["count"] if f["properties"].get("cluster") else 1 for f in document["features"])


def test_a_town_wide_view_is_clusters_whose_counts_add_up_to_the_reports_in_the_box(app: Flask) -> None:
    store(app, 2_000)
    store(app, 50, box=(-1.0, 52.0, -0.9, 52.1))  # far outside the view
    store(app, 30, hidden=True)
    store(app, 20, private=True)
    store(app, 40, status="fixed")
    document = geojson(app, TOWN, 12)
    clusters = [f for f in document["features"] if f["properties"].get("cluster")]
    assert clusters and document["clustered"]
    assert len(document["features"]) <= MAX_PINS
    assert counted(document) == document["total"] == in_box(app, TOWN) == 2_000
    for cluster in clusters:  # each at its reports' mean position, inside their extent
        min_lon, min_lat, max_lon, max_lat = cluster["properties"]["bbox"]
        lon, lat = cluster["geometry"]["coordinates"]
        assert min_lon <= lon <= max_lon and min_lat <= lat <= max_lat
    # zooming in: smaller cells, still every report in the box
    closer = geojson(app, (-2.32, 53.42, -2.22, 53.50), 13)
    covered = tuple(closer["bbox"])  # the view widened to whole tiles
    assert covered[0] <= -2.32 and covered[2] >= -2.22 and covered[2] - covered[0] < 0.2
    assert counted(closer) == in_box(app, covered) > MAX_PINS
    assert len(closer["features"]) <= MAX_PINS


def test_a_zoomed_in_view_returns_each_report_as_a_pin(app: Flask) -> None:
    store(app, 2_000)
    document = geojson(app, STREET, 17)
    assert not document["clustered"]
    pins = document["features"]
    assert 0 < len(pins) == in_box(app, tuple(document["bbox"])) <= MAX_PINS
    assert all(
        "count" not in pin["properties"] and pin["properties"]["url"].startswith("/street-reports/reports/")
        for pin in pins
    )
    created = [pin["properties"]["created_at"] for pin in pins]
    assert created == sorted(created, reverse=True)


def test_a_new_report_and_a_hidden_one_show_on_the_next_map_load(app: Flask) -> None:
    store(app, 1_000)
    client = app.test_client()
    url = f"/street-reports/reports.json?bbox={','.join(map(str, TOWN))}&zoom=12"
    first = client.get(url)
    assert counted(first.get_json()) == 1_000
    assert client.get(url).get_data() == first.get_data()  # the same answer, from the cache
    with app.app_context():  # a resident's report, confirmed, through the ORM
        report = Report(title="New pothole", category="Potholes", details="Deep", lat=53.47, lon=-2.25)
        db_session().add(report)
        db_session().commit()
        new_id = report.id
    second = client.get(url)
    assert counted(second.get_json()) == 1_001
    assert second.headers["ETag"] != first.headers["ETag"]
    with app.app_context():  # moderation by a bulk update (the abuse list hides reports this way)
        db_session().execute(update(Report).where(Report.id == new_id).values(hidden=True))
        db_session().commit()
    assert counted(client.get(url).get_json()) == 1_000
    with app.app_context():  # a change of state through the ORM
        db_session().get(Report, 1).status = "fixed"
        db_session().commit()
    assert counted(client.get(url).get_json()) == 999


def test_an_unchanged_map_answers_304_to_its_etag(app: Flask) -> None:
    store(app, 500)
    client = app.test_client()
    url = f"/street-reports/reports.json?bbox={','.join(map(str, TOWN))}&zoom=12"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"] and "no-cache" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    store(app, 1)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_filters_narrow_the_map_in_the_query(app: Flask) -> None:
    store(app, 1_000)
    store(app, 100, status="fixed")
    potholes = geojson(app, TOWN, 12, category="Potholes")
    assert counted(potholes) == in_box(app, TOWN, category="Potholes") == 500
    assert counted(geojson(app, TOWN, 12, status="fixed")) == 100
    assert counted(geojson(app, TOWN, 12, status="all")) == 1_100
    recent = geojson(app, TOWN, 12, age=7)  # created today and up to 7 whole days before today
    assert counted(recent) == sum(1 for n in range(1_000) if n % 60 <= 7)
    bad = app.test_client().get("/street-reports/reports.json?age=8")
    assert bad.status_code == 400


def test_without_a_box_the_map_answer_covers_every_report(app: Flask) -> None:
    store(app, 400)
    body = app.test_client().get("/street-reports/reports.json").get_json()
    assert counted(body) == 400


def pager_link(html: str, rel: str) -> tuple[str, str] | None:
    """The GOV.UK pagination's previous ("prev") or next link: its href and title."""
    found = re.search(
        rf'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="{rel}">.*?'
        r'<span class="govuk-pagination__link-title[^"]*">\s*([^<]+?)\s*<',
        html,
        re.S,
    )
    return (found.group(1), found.group(2)) if found else None


def listed_titles(html: str) -> list[str]:
    return [title for _, title in LISTED_TITLE.findall(html)]


def test_the_list_beside_the_map_is_paged_with_links_that_keep_the_filters(app: Flask) -> None:
    store(app, 45)
    client = app.test_client()
    first = client.get("/street-reports/").get_data(as_text=True)
    assert len(listed_titles(first)) == 20
    assert pager_link(first, "next") == ("/street-reports/?page=2&amp;status=open#recent-reports", "Older reports")
    assert "Newer reports" not in first
    third = client.get("/street-reports/?page=3").get_data(as_text=True)
    assert len(listed_titles(third)) == 5 and "Older reports" not in third
    assert pager_link(third, "prev") == ("/street-reports/?page=2&amp;status=open#recent-reports", "Newer reports")
    every = [
        title
        for page in (1, 2, 3)
        for title in listed_titles(client.get(f"/street-reports/?page={page}").get_data(as_text=True))
    ]
    assert len(set(every)) == 45  # newest first, none twice, none left out
    graffiti = client.get("/street-reports/?category=Graffiti&age=7").get_data(as_text=True)
    titles = listed_titles(graffiti)
    assert titles and all(int(t.split()[1]) % 2 == 1 and int(t.split()[1]) % 60 <= 7 for t in titles)
    assert 'data-reports="/street-reports/reports.json?status=open&amp;category=Graffiti&amp;age=7"' in graffiti
    assert client.get("/street-reports/?page=0").status_code == 400
