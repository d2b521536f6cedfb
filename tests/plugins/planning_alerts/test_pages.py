"""Residents' pages without JavaScript: search by postcode, an application's history, the alert-me and
follow forms (through the core notify layer), and bad input shown next to its field."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

import pytest
from civicapps_planning_alerts.models import Application
from sqlalchemy import select, update

from civicapps.db import get_database
from civicapps.feeds import pull_feed
from civicapps.notify.models import Subscription

from .alerts_support import feed_csv
from .conftest import applications, form_token


@pytest.fixture
def app(pa_app, civic_feed_server):
    url = civic_feed_server.add("/london.csv", feed_csv())
    app = pa_app(feeds={"london": {"preset": "easting_northing", "url": url, "authority": "Westminster"}})
    pull_feed(app, "london")
    civic_feed_server.add("/london.csv", feed_csv({"W/11": "Approved"}))
    pull_feed(app, "london")
    return app


def subscriptions(app):
    with get_database(app).sessionmaker() as session:
        return session.scalars(select(Subscription).order_by(Subscription.id)).all()


def test_search_by_postcode_lists_nearby_newest_first_with_distances(app):
    page = app.test_client().get("/planning-alerts/?q=wc2n5du&radius=800")
    assert page.status_code == 200
    assert "within 800 metres of WC2N 5DU" in page.text
    listed = re.findall(r"pa-result__title\"><a class=\"govuk-link\" href=\"[^\"]+\">(W/\d\d),", page.text)
    assert sorted(listed) == ["W/02", "W/11", "W/12", "W/21", "W/22", "W/31", "W/32"]
    assert re.search(r"\d+ m away", page.text)
    points = json.loads(re.search(r'data-points="([^"]+)"', page.text).group(1).replace("&#34;", '"'))
    assert len(points) == 7


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("q=ZZ9+9ZZ", "q", "We could not find the postcode ZZ9 9ZZ"),
        ("q=IM2+2QY", "q", "IM2 2QY is a real postcode but has no map position"),
        (
            "q=not+a+postcode",
            "q",
            "We could not find a street or postcode called “not a postcode”. Enter a full UK postcode",
        ),
        ("lat=north&lon=1", "lat", "Enter the latitude and longitude as numbers"),
        ("lat=95&lon=1", "lat", "Enter a latitude between -90 and 90"),
        ("q=SW1A+1AA&radius=50000", "radius", "Enter a distance between 100 and 5,000 metres"),
    ],
)
def test_search_problems_are_shown_next_to_the_field(app, query, field, message):
    page = app.test_client().get(f"/planning-alerts/?{query}")
    assert page.status_code == 400
    assert f'id="{field}-error"' in page.text and message in page.text
    assert f'<a href="#{field}">{message}' in page.text


def test_application_page_shows_history_comment_link_and_follow_form(app):
    followed = applications(app)["W/11"]
    page = app.test_client().get(f"/planning-alerts/applications/{followed.id}")
    assert page.status_code == 200
    assert "Status: Registered → Approved" in page.text and "First published" in page.text
    assert "Comment on this application" not in page.text  # no URL in this feed
    assert f'action="/planning-alerts/applications/{followed.id}/follow"' in page.text


def test_follow_creates_a_key_subscription_through_the_core(app, civic_notification_sink):
    followed = applications(app)["W/11"]
    client = app.test_client()
    path = f"/planning-alerts/applications/{followed.id}"
    data = {"channel": "webhook", "target": civic_notification_sink.url("/f"), "frequency": "instant"}
    answer = client.post(path + "/follow", data={**data, "csrf_token": form_token(client, path)})
    assert answer.status_code == 302 and "/alerts/confirm?ref=" in answer.headers["Location"]
    [subscription] = subscriptions(app)
    assert (subscription.topic, subscription.key, subscription.status) == (
        "planning_alerts.follow",
        str(followed.id),
        "pending",
    )


def alert(client, **fields):
    data = {"radius": "800", "frequency": "daily", "channel": "webhook", **fields}
    data["csrf_token"] = form_token(client, "/planning-alerts/alerts")
    return client.post("/planning-alerts/alerts", data=data)


def test_alert_form_by_postcode_with_filters(app, civic_notification_sink):
    client = app.test_client()
    page = client.get("/planning-alerts/alerts")
    assert all(f'value="{r}"' in page.text for r in (200, 800, 2000))
    assert 'value="Trees"' in page.text, "types offered are the ones in the data"
    answer = alert(
        client,
        postcode="sw1a 2aa",
        radius="other",
        radius_other="1500",
        types="Trees",
        keywords="tree, Felling",
        target=civic_notification_sink.url("/x"),
    )
    assert answer.status_code == 302, answer.text
    [s] = subscriptions(app)
    assert (s.topic, s.place, s.radius_m, s.frequency) == ("planning_alerts.near", "SW1A 2AA", 1500, "daily")
    assert json.loads(s.filters) == {"keywords": ["tree", "felling"], "types": ["Trees"]}
    assert (round(s.lat, 4), round(s.lon, 4)) == (51.5034, -0.1276)


def test_alert_form_with_a_drawn_area(app, civic_notification_sink):
    area = {"type": "Polygon", "coordinates": [[[-0.13, 51.50], [-0.12, 51.50], [-0.12, 51.51], [-0.13, 51.50]]]}
    answer = alert(app.test_client(), area=json.dumps(area), target=civic_notification_sink.url("/y"))
    assert answer.status_code == 302, answer.text
    [s] = subscriptions(app)
    assert s.polygon and s.radius_m is None


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"postcode": "ZZ9 9ZZ"}, "postcode", "We could not find the postcode ZZ9 9ZZ"),
        ({"postcode": ""}, "postcode", "Enter a postcode, or choose a place on the map"),
        (
            {"postcode": "SW1A 1AA", "radius": "other", "radius_other": "9000"},
            "radius_other",
            "Enter a distance between 100 and 5,000 metres",
        ),
        (
            {"postcode": "SW1A 1AA", "radius": "other", "radius_other": "lots"},
            "radius_other",
            "Enter a distance between 100 and 5,000 metres",
        ),
        (
            {"area": '{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}'},
            "area",
            "The area's edges cross each other",
        ),
        ({"area": "not json"}, "area", "The area must be a GeoJSON Polygon"),
        (
            {"postcode": "SW1A 1AA", "keywords": ",".join(f"w{i}" for i in range(12))},
            "keywords",
            "Enter at most 10 keywords",
        ),
        ({"postcode": "SW1A 1AA", "target": "http://10.0.0.1/hook"}, "target", "Alerts cannot be sent to that address"),
    ],
)
def test_alert_form_problems_are_shown_next_to_the_field_and_nothing_is_stored(
    app, civic_notification_sink, fields, field, message
):
    fields = {"target": civic_notification_sink.url("/z"), **fields}
    page = alert(app.test_client(), **fields)
    assert page.status_code == 400
    assert f'id="{field}-error"' in page.text, page.text
    assert message in html.unescape(page.text)
    assert subscriptions(app) == []


def test_dates_are_in_uk_time_and_in_the_pages_language(app):
    """An application first seen at 23:30 UTC on 1 June was seen on 2 June in the UK (BST)."""
    followed = applications(app)["W/11"]
    with get_database(app).sessionmaker() as session:
        seen = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
        session.execute(update(Application).where(Application.id == followed.id).values(first_seen_at=seen))
        session.commit()
    client = app.test_client()
    english = client.get(f"/planning-alerts/applications/{followed.id}?lang=en").text
    welsh = client.get(f"/planning-alerts/applications/{followed.id}?lang=cy").text
    assert "2 June 2026" in english and "1 June 2026" not in english
    assert "2 Mehefin 2026" in welsh and "Gwelwyd yma gyntaf" in welsh
    assert 'lang="cy"' in welsh and "Dilyn y cais hwn" in welsh
