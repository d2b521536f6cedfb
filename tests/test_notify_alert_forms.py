"""A plugin's own alert form through the public API: alert_channels, subscribe, and the subscriber counts
its staff pages show (subscriber_count, subscribed_places)."""
import re

from conftest import DOUGLAS, Sightings, notify_config
from flask import Blueprint, render_template_string
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import RadioField, StringField

from civicapps import (
    Location,
    SubscribedPlace,
    SubscriptionRequest,
    alert_channels,
    hookimpl,
    subscribe,
    subscribed_places,
    subscriber_count,
)
from civicapps.db import db_session
from civicapps.notify.models import Subscription
from civicapps.notify.subscriptions import confirm, create

PAGE = """{% from "civicapps/macros.html" import error_summary %}{{ error_summary(form) }}
{% for f in form %}{% for e in f.errors %}<p id="{{ f.name }}-error">{{ e }}</p>{% endfor %}{% endfor %}"""


class AlertForm(FlaskForm):
    channel = RadioField("How")
    target = StringField("Where to send them")
    where = StringField("Town or postcode")


class Lookout:
    """A plugin with its own alert form (``where`` for the core's ``place``) and a geocoder for one name."""

    @hookimpl
    def geocode(self, app, query):
        return Location(*DOUGLAS, "lookout") if query.lower() == "town hall" else None

    @hookimpl
    def register_blueprint(self, app):
        bp = Blueprint("lookout", __name__)

        @bp.route("/alert", methods=["GET", "POST"])
        def alert():
            form = AlertForm()
            form.channel.choices = [(c.name, c.label) for c in alert_channels()]
            if form.validate_on_submit():
                filters = {"colour": "red"} if "filtered" in form.target.data else None
                wanted = SubscriptionRequest(
                    topic="sightings.near",
                    channel=form.channel.data,
                    target=form.target.data.replace("#filtered", ""),
                    place=form.where.data,
                    radius_m=500,
                    filters=filters,
                )
                done = subscribe(wanted, form, {"place": "where"})
                if done is not None:
                    return done
            return render_template_string(PAGE, form=form), 400 if form.is_submitted() else 200

        return bp


def make_app(civic_app_factory, sink, **settings):
    config = notify_config(sink, **settings)
    return civic_app_factory(plugins=[("sightings", Sightings()), ("lookout", Lookout())], config=config)


def post(client, **data):
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/-/login").text).group(1)
    return client.post("/lookout/alert", data={"channel": "webhook", "csrf_token": token, **data})


def stored(app):
    with app.app_context():
        return db_session().scalar(select(func.count()).select_from(Subscription))


def test_channels_offered_are_the_deployments(civic_app_factory, civic_notification_sink):
    app = make_app(civic_app_factory, civic_notification_sink, channels=["webhook", "ntfy"])
    with app.test_request_context():
        assert [(c.name, bool(c.label), bool(c.hint)) for c in alert_channels()] == [
            ("webhook", True, True),
            ("ntfy", True, True),
        ]


def test_subscribe_sends_the_resident_to_the_code_page(civic_app_factory, civic_notification_sink):
    app = make_app(civic_app_factory, civic_notification_sink)
    client = app.test_client()
    response = post(client, target=civic_notification_sink.url(), where="Town Hall")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/alerts/confirm?ref=")
    assert "six-digit code" in client.get(response.headers["Location"]).text
    with app.app_context():
        [subscription] = db_session().scalars(select(Subscription)).all()
        assert (subscription.lat, subscription.lon, subscription.place) == (*DOUGLAS, "Town Hall")


def test_a_problem_lands_beside_the_plugins_own_field(civic_app_factory, civic_notification_sink):
    app = make_app(civic_app_factory, civic_notification_sink)
    response = post(app.test_client(), target=civic_notification_sink.url(), where="Nowhere Street")
    assert response.status_code == 400
    assert '<p id="where-error">Enter a full UK postcode, like SW1A 1AA</p>' in response.text
    assert stored(app) == 0


def test_a_problem_with_no_field_on_the_form_is_in_the_summary(civic_app_factory, civic_notification_sink):
    app = make_app(civic_app_factory, civic_notification_sink)
    response = post(app.test_client(), target=civic_notification_sink.url() + "#filtered", where="Town Hall")
    assert response.status_code == 400
    assert re.search(r"<li>\s*These alerts cannot be filtered\s*</li>", response.text)
    assert stored(app) == 0


def test_too_many_is_a_429(civic_app_factory, civic_notification_sink):
    app = make_app(civic_app_factory, civic_notification_sink, subscriptions_per_target_per_day=1)
    client = app.test_client()
    assert post(client, target=civic_notification_sink.url(), where="Town Hall").status_code == 302
    refused = post(client, target=civic_notification_sink.url(), where="Town Hall")
    assert refused.status_code == 429
    assert "Too many alerts" in refused.text
    assert stored(app) == 1


def test_subscriber_counts_see_only_active_subscriptions(civic_app_factory, civic_notification_sink):
    app = make_app(civic_app_factory, civic_notification_sink)
    polygon = {"type": "Polygon", "coordinates": [[[-4.5, 54.14], [-4.46, 54.14], [-4.46, 54.16], [-4.5, 54.14]]]}
    with app.test_request_context():
        made = [
            create(app, SubscriptionRequest("sightings.near", "webhook", civic_notification_sink.url(), **where), None)
            for where in (
                {"place": "Town Hall", "radius_m": 500},
                {"lat": DOUGLAS[0], "lon": DOUGLAS[1], "radius_m": 200},
                {"area": polygon},
                {"place": "Town Hall", "radius_m": 900},
            )
        ]
        for subscription in made[:3]:
            confirm(subscription)
        assert subscriber_count("sightings.near") == 3, "the unconfirmed one is not counted"
        assert subscriber_count("sightings.changes") == 0
        assert sorted(subscribed_places("sightings.near"), key=repr) == sorted(
            [SubscribedPlace("Town Hall", False), SubscribedPlace(None, False), SubscribedPlace(None, True)], key=repr
        )
