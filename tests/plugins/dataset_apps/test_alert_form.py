"""An app's "alert me" form offers the app's own filters (its category's values, keywords) and the alerts it
sets up honour them: a resident who chose a category and a word hears only of the new records with both."""

from __future__ import annotations

import re
import time

from civicapps import pull_feed

from .conftest import END, ROADWORKS_CSV, START
from .test_alerts import messages_to, references, wait_for

YO31 = (53.9640, -1.0855)  # resident A of test_alerts.py: Bootham, Marygate and Gillygate are within 1 km
NEW = (
    f"RW-4,Bootham,Resurfacing,City of York Council,Major,{START},{END},460300,452250\n"
    f"RW-5,Marygate,Gas leak repair,Northern Gas,Major,{START},{END},460000,452200\n"
    f"RW-6,Gillygate,Resurfacing,City of York Council,Minor,{START},{END},460090,452330\n"
)


def token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def alert_me(app, sink, path: str, **filters: str) -> None:
    """Fill the app's alert form near YO31 and confirm with the link in the confirmation message."""
    client = app.test_client()
    form = client.get("/dataset-apps/roadworks/alerts", query_string={"lat": YO31[0], "lon": YO31[1]}).text
    fields = {"radius": "1000", "channel": "webhook", "target": sink.url(path), "frequency": "instant"}
    answer = client.post(
        "/dataset-apps/roadworks/alerts",
        data={"csrf_token": token(form), "lat": YO31[0], "lon": YO31[1], **fields, **filters},
    )
    assert answer.status_code == 302, answer.text
    [confirmation] = wait_for(sink, path, 1)
    url = re.search(r"open this link:?\s*(https?://\S+)", confirmation["body"]["message"]).group(1)
    page_path = "/" + url.split("://", 1)[1].partition("/")[2]
    assert "Your alerts are on" in client.post(page_path, data={"csrf_token": token(client.get(page_path).text)}).text


def test_the_alert_form_offers_the_app_s_filters(roadworks_app):
    app = roadworks_app()
    pull_feed(app, "roadworks")
    page = app.test_client().get("/dataset-apps/roadworks/alerts").text
    categories = re.search(r'<select[^>]*id="category".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', categories) == ["", "Major", "Minor", "Standard"]
    assert 'id="keywords"' in page
    search = app.test_client().get("/dataset-apps/roadworks/?q=YO31+7EH&category=Major&keywords=gas").text
    link = re.search(r'href="(/dataset-apps/roadworks/alerts\?[^"]+)"', search).group(1)
    assert "category=Major" in link and "keywords=gas" in link, "the search's filters are carried to the form"


def test_an_app_without_filters_offers_none_on_its_alert_form(roadworks_app):
    app = roadworks_app(app={"filters": {}})
    page = app.test_client().get("/dataset-apps/roadworks/alerts").text
    assert 'id="category"' not in page and 'id="keywords"' not in page and 'id="radius"' in page


def test_alerts_from_the_form_honour_its_category_and_keywords(
    roadworks_app, civic_feed_server, civic_notification_sink
):
    sink = civic_notification_sink
    app = roadworks_app()
    pull_feed(app, "roadworks")
    alert_me(app, sink, "/filtered", category="Major", keywords="resurfacing")
    alert_me(app, sink, "/everything")
    sent = len(sink.messages)

    civic_feed_server.add("/roadworks.csv", ROADWORKS_CSV + NEW, content_type="text/csv")
    assert pull_feed(app, "roadworks").new == 3
    assert references(app, wait_for(sink, "/everything", 4)[1:]) == ["RW-4", "RW-5", "RW-6"]
    assert references(app, wait_for(sink, "/filtered", 2)[1:]) == ["RW-4"], "Major, and mentioning resurfacing"
    time.sleep(0.2)
    assert len(messages_to(sink, "/filtered")) == 2 and len(sink.messages) == sent + 4


def test_a_place_the_form_cannot_find_is_explained_on_its_field(roadworks_app, civic_notification_sink):
    app = roadworks_app()
    client = app.test_client()
    page = client.get("/dataset-apps/roadworks/alerts").text
    fields = {"q": "ZZ9 9ZZ", "radius": "500", "channel": "webhook", "target": civic_notification_sink.url("/x")}
    answer = client.post("/dataset-apps/roadworks/alerts", data={"csrf_token": token(page), **fields})
    assert answer.status_code == 422 and "We could not find the postcode ZZ9 9ZZ" in answer.text
    assert 'href="#q"' in answer.text
