"""Staff: the per-council dashboard (weekly counts, feed health, subscribers by area) and CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from civicapps_planning_alerts import health
from civicapps_planning_alerts.models import Application
from sqlalchemy import update

from civicapps import db_session
from civicapps.auth import create_user
from civicapps.feeds import pull_feed

from .alerts_support import feed_csv, subscribe_api
from .conftest import form_token


def sign_in(app):
    with app.app_context():
        create_user("clerk@council.example", "Clerk", "a-long-staff-password")
    client = app.test_client()
    token = form_token(client, "/-/login")
    client.post(
        "/-/login", data={"email": "clerk@council.example", "password": "a-long-staff-password", "csrf_token": token}
    )
    return client


def test_dashboard_and_export(pa_app, civic_feed_server, civic_notification_sink):
    url = civic_feed_server.add("/london.csv", feed_csv())
    app = pa_app(feeds={"london": {"preset": "easting_northing", "url": url, "authority": "Westminster"}})
    pull_feed(app, "london")
    subscribe_api(app, civic_notification_sink, "/s", topic="planning_alerts.near", postcode="SW1A 2AA", radius_m=500)
    assert app.test_client().get("/planning-alerts/staff/").status_code in (302, 403), "staff only"
    assert app.test_client().get("/planning-alerts/staff/export.csv").status_code in (302, 403)
    client = sign_in(app)
    page = client.get("/planning-alerts/staff/").text
    westminster = summary_cards(page)["Westminster"]
    assert (westminster["Applications"], westminster["On the map"]) == ("12", "12")
    assert westminster["New per week"] == "0, 0, 0, 0, 0, 0, 0, 12"
    assert "london" in page and "read 12, 12 new" in page
    assert table_rows(page)["SW1A"] == ["1"]
    export = client.get("/planning-alerts/staff/export.csv?authority=Westminster")
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert len(rows) == 12 and rows[0]["reference"] == "W/00" and rows[0]["latitude"]


def table_rows(page: str) -> dict[str, list[str]]:
    """Each GOV.UK table row of the page: its header cell's text -> its other cells' texts."""
    rows = {}
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S):
        cells = [text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def summary_cards(page: str) -> dict[str, dict[str, str]]:
    """Each GOV.UK summary card of the page: its title -> its rows' keys -> values (texts)."""
    cards = {}
    for card in re.split(r'<div class="govuk-summary-card[ "]', page)[1:]:
        title = text(re.search(r'<h3 class="govuk-summary-card__title[^"]*">(.*?)</h3>', card, re.S).group(1))
        keys = re.findall(r'<dt class="govuk-summary-list__key[^"]*">(.*?)</dt>', card, re.S)
        values = re.findall(r'<dd class="govuk-summary-list__value[^"]*">(.*?)</dd>', card, re.S)
        cards[title] = {text(k): text(v) for k, v in zip(keys, values, strict=True)}
    return cards


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_failing_feed_is_shown_with_its_error(pa_app, civic_feed_server):
    url = civic_feed_server.add("/gone.csv", "", status=500)
    app = pa_app(feeds={"gone": {"preset": "easting_northing", "url": url, "authority": "Westminster"}})
    pull_feed(app, "gone")
    page = sign_in(app).get("/planning-alerts/staff/").text
    assert "Failing since" in page and "500" in page


def test_residents_are_told_when_a_councils_list_is_broken_or_quiet(pa_app, civic_feed_server):
    good = civic_feed_server.add("/london.csv", feed_csv())
    broken = civic_feed_server.add("/broken.csv", "", status=500)
    feeds = {
        "london": {"preset": "easting_northing", "url": good, "authority": "Westminster"},
        "lambeth": {"preset": "easting_northing", "url": broken, "authority": "Lambeth", "failing_after": 0.001},
    }
    app = pa_app(feeds=feeds, settings={"quiet_days": 2})
    pull_feed(app, "london")
    assert pull_feed(app, "lambeth").outcome == "failed"
    page = app.test_client().get("/planning-alerts/").text
    assert "We have not been able to read the planning list of Lambeth yet" in page
    assert "Westminster" not in page.split("pa-notice")[1].split("</ul>")[0], "a working, busy council is fine"
    with app.app_context():
        db_session().execute(update(Application).values(first_seen_at=datetime.now(UTC) - timedelta(days=3)))
        db_session().commit()
    health.CACHE.pop(app)  # as if the minute the notices are cached for had passed
    page = app.test_client().get("/planning-alerts/alerts").text
    assert "No new planning applications from Westminster have reached us since" in page


def test_export_is_formula_safe(pa_app, civic_feed_server):
    """Descriptions and addresses come from council feeds anyone can get a row into."""
    from test_csv_export import FORMULAS, cells, formula_cells

    url = civic_feed_server.add("/london.csv", feed_csv())
    app = pa_app(feeds={"london": {"preset": "easting_northing", "url": url, "authority": "Westminster"}})
    pull_feed(app, "london")
    with app.app_context():
        ids = db_session().scalars(Application.__table__.select().with_only_columns(Application.id)).all()
        for number, formula in zip(ids, FORMULAS, strict=False):
            db_session().execute(
                update(Application).where(Application.id == number).values(description=formula, address=formula)
            )
        db_session().commit()
    text = sign_in(app).get("/planning-alerts/staff/export.csv").get_data(as_text=True)
    assert formula_cells(text) == [] and f"'{FORMULAS[0]}" in cells(text)
