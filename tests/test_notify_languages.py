"""A subscriber's language travels with the subscription: stored when they subscribe, and every message
they get (confirmation, alerts, digests, links) is written in it, whatever language the request or
worker sending it is in; form and API errors come in the language of the page."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from sqlalchemy import select, update

from civicapps.db import db_session
from civicapps.i18n import in_language
from civicapps.notify.delivery import deliver_due
from civicapps.notify.models import OutboxRow, Subscription
from civicapps.notify.settings import SAFE_SCHEMES, notify_settings

WELSH_ADDRESS = "Siwan@Example.ORG"
ENGLISH_HOOK = "/hook/english"


def parts_of(mail):
    return {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in mail.walk()
        if not part.is_multipart()
    }


def bilingual_world(world_factory, civic_mail_sink, civic_notification_sink):
    return world_factory(
        channels=["email", "webhook"],
        mail_url=civic_mail_sink.url(),
        allowed_schemes=[*SAFE_SCHEMES, "json"],
        egress_allow=[f"127.0.0.1:{civic_mail_sink.port}", f"127.0.0.1:{civic_notification_sink.port}"],
    )


def subscriptions(world):
    with world.app.app_context():
        return {s.channel: s for s in db_session().scalars(select(Subscription).order_by(Subscription.id))}


def test_a_welsh_subscriber_gets_welsh_messages_and_an_english_one_english(
    world_factory, civic_mail_sink, civic_notification_sink
):
    world = bilingual_world(world_factory, civic_mail_sink, civic_notification_sink)
    welsh = world.resident
    assert 'lang="cy"' in welsh.client.get("/alerts/subscribe?lang=cy").text  # the switcher's link; remembered
    english = type(welsh)(world.app)

    assert welsh.subscribe(WELSH_ADDRESS, channel="email").status_code == 302
    assert english.subscribe(world.sink.url(ENGLISH_HOOK)).status_code == 302
    stored = subscriptions(world)
    assert (stored["email"].language, stored["webhook"].language) == ("cy", "en")

    [confirmation] = civic_mail_sink.wait_for(1)
    assert confirmation["Subject"] == "Cadarnhewch eich hysbysiadau gan Example Council"
    html = parts_of(confirmation)["text/html"]
    assert '<html lang="cy">' in html
    assert "am hysbysiadau am “Sightings near you” o fewn 500 m i 54.15090, -4.48000" in html
    deadline = stored["email"].created_at + timedelta(hours=notify_settings(world.app).confirm_within_hours)
    local = deadline.astimezone(ZoneInfo("Europe/London"))
    time, date = format_time(local, "HH:mm", locale="cy"), format_date(local, "d MMMM y", locale="cy")
    assert f"Mae'r ddolen a'r cod yn gweithio tan {time} ar {date}." in html
    assert "Confirm" not in html and "within" not in html
    [english_confirmation] = world.sink.wait_for(1)
    assert english_confirmation["body"]["title"] == "Confirm your alerts from Example Council"
    assert "within 500 m of 54.15090, -4.48000" in english_confirmation["body"]["message"]
    assert "The link and the code work until" in english_confirmation["body"]["message"]

    confirm_url = re.search(r'href="(http://127\.0\.0\.1:5000/alerts/confirm/[^"]+)"', html).group(1)
    assert confirm_url.endswith("?lang=cy")
    elsewhere = type(welsh)(world.app)  # the link opened in another browser: its page is Welsh too
    assert "Mae eich hysbysiadau ymlaen" in elsewhere.press_button(confirm_url).text
    english.press_button(world.link(english_confirmation, "open this link"))

    world.ingest(new=[world.add("Basking shark off the promenade")])  # matched and sent by the worker's job
    world.settle()
    mails = civic_mail_sink.wait_for(2)
    alert = parts_of(mails[1])["text/html"]
    assert mails[1]["Subject"] == "Sightings near you: Basking shark off the promenade"
    assert "Rydych yn cael hwn oherwydd bod rhywun wedi gofyn i Example Council" in alert
    assert "Stopio'r hysbysiadau hyn" in alert and "Rheoli eich hysbysiadau" in alert
    for page in ("unsubscribe", "manage"):
        link = re.search(rf'href="http://127\.0\.0\.1:5000(/alerts/{page}/[^"]+)"', alert).group(1)
        assert link.endswith("?lang=cy")
        opened = world.app.test_client().get(link.replace("&amp;", "&")).text
        assert '<html lang="cy"' in opened and "Stopio" in opened
    [_, english_alert] = world.sink.wait_for(2)
    text = english_alert["body"]["message"]
    assert "You get this because someone asked Example Council" in text and "Stop these alerts:" in text


def test_a_digest_composed_by_a_worker_is_in_the_subscribers_language(world):
    """No request at send time: a worker's app context, whose own language is the default, English."""
    welsh = world.resident
    welsh.client.get("/?lang=cy")
    welsh.subscribe(world.sink.url(), frequency="daily")
    [confirmation] = world.sink.wait_for(1)
    assert "I'w dechrau, agorwch y ddolen hon:" in confirmation["body"]["message"]
    welsh.press_button(re.search(r"(http://\S+/alerts/confirm/\S+)", confirmation["body"]["message"]).group(1))
    world.ingest(new=[world.add(f"Seal number {n}") for n in range(3)])
    world.settle()
    with world.app.app_context():
        db_session().execute(update(OutboxRow).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
        db_session().commit()
        assert deliver_due(world.app) == 1
    digest = world.sink.wait_for(2)[1]["body"]
    assert digest["title"] == "3 newydd: Sightings near you"
    assert 'Eich crynodeb dyddiol o "Sightings near you" o fewn 500 m i 54.15090, -4.48000:' in digest["message"]
    assert "Stopio'r hysbysiadau hyn:" in digest["message"]


def test_a_message_sent_while_a_welsh_page_is_served_follows_its_english_subscriber(world):
    """The immediate queue delivers inside whichever request woke it: the message still follows its
    subscriber's language, not that request's."""
    english = world.resident
    english.subscribe(world.sink.url(), frequency="daily")
    english.press_button(world.link(world.sink.wait_for(1)[0], "open this link"))
    world.ingest(new=[world.add("Seal number 1")])
    world.settle()
    with world.app.app_context():
        db_session().execute(update(OutboxRow).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
        db_session().commit()
    welsh = type(english)(world.app)
    welsh.client.get("/?lang=cy")
    welsh.subscribe(world.sink.url("/hook/welsh"))  # wakes the worker inside this Welsh request
    by_path = {message["path"]: message["body"] for message in world.sink.wait_for(3)[1:]}
    assert by_path["/hook"]["title"] == "1 new: Sightings near you"
    assert 'Your daily summary of "Sightings near you"' in by_path["/hook"]["message"]
    assert by_path["/hook/welsh"]["title"] == "Cadarnhewch eich hysbysiadau gan Example Council"


def test_a_language_the_deployment_no_longer_offers_falls_back_to_the_default(world):
    world.resident.subscribe(world.sink.url(), frequency="daily")
    with world.app.app_context():
        subscription = db_session().scalars(select(Subscription)).one()
        assert subscription.language == "en"
        for gone in ("fr", None):  # switched off since; older than the column
            subscription.language = gone
            with in_language(subscription.language) as language:
                assert language == "en"
        db_session().rollback()


def test_form_and_api_errors_come_in_the_language_of_the_page(world):
    resident = world.resident
    token = resident.form_token("/alerts/subscribe?lang=cy")
    refused = resident.client.post(
        "/alerts/subscribe",
        data={
            "csrf_token": token,
            "topic": "sightings.near",
            "channel": "webhook",
            "target": world.sink.url(),
            "postcode": "the town hall",
            "radius_m": 500,
            "frequency": "instant",
        },
    )

    assert "Rhowch god post llawn yn y DU, fel SW1A 1AA" in refused.text and "Enter a full" not in refused.text

    api = world.app.test_client()
    answer = api.post(
        "/alerts/api/subscriptions",
        json={
            "topic": "sightings.near",
            "channel": "webhook",
            "target": world.sink.url(),
            "lat": 54.15,
            "lon": -4.48,
            "radius_m": 5,
        },
        headers={"Accept-Language": "cy"},
    )
    assert answer.status_code == 400
    assert answer.json["errors"] == {"radius_m": "Dewiswch bellter rhwng 10 a 5000 metr"}
    loopback = api.post(
        "/alerts/api/subscriptions",
        json={"topic": "sightings.near", "channel": "webhook", "target": "http://127.0.0.1:9/hook"},
        headers={"Accept-Language": "cy"},
    )
    assert loopback.json["errors"] == {
        "target": "Ni ellir anfon hysbysiadau i'r cyfeiriad hwnnw: 127.0.0.1: cyfeiriad dolen-ôl (y peiriant hwn). "
        "Defnyddiwch gyfeiriad rhyngrwyd cyhoeddus."
    }
    english = api.post("/alerts/api/subscriptions?lang=en", json={"topic": "sightings.near"})
    assert english.json["error"] == "Choose how you want to get alerts"


def test_the_api_stores_the_language_the_client_asked_for(world):
    answer = world.app.test_client().post(
        "/alerts/api/subscriptions",
        json={
            "topic": "sightings.near",
            "channel": "webhook",
            "target": world.sink.url(),
            "lat": 54.15,
            "lon": -4.48,
            "radius_m": 500,
        },
        headers={"Accept-Language": "cy-GB,cy;q=0.9"},
    )
    assert answer.status_code == 202
    assert subscriptions(world)["webhook"].language == "cy"
    [confirmation] = world.sink.wait_for(1)
    assert confirmation["body"]["title"] == "Cadarnhewch eich hysbysiadau gan Example Council"
