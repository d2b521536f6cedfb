"""Residents' pages and the JSON API: subscribe, confirm, unsubscribe, manage.

Links in messages are signed tokens. Following one never changes anything by itself: mail scanners
open links, so the page asks for one click on a button (a POST). Unsubscribing also accepts the
RFC 8058 one-click POST that mail clients send, without a CSRF token (the signed token is the proof).
"""
from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_number
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired

from civicapps.db import db_session
from civicapps.i18n import gettext
from civicapps.i18n import lazy_gettext as _l
from civicapps.notify import alert_forms
from civicapps.notify.channels import KINDS, enabled_kinds
from civicapps.notify.describing import describe_area, item_label
from civicapps.notify.message_links import CONFIRM, MANAGE, REF, UNSUBSCRIBE, confirm_max_age
from civicapps.notify.models import ACTIVE, ENDED, FREQUENCIES, Subscription
from civicapps.notify.openapi import openapi
from civicapps.notify.settings import notify_settings
from civicapps.notify.subscriptions import confirm, confirm_with_code, create, end, of_target, set_frequency
from civicapps.notify.topics import offered_topics, topics_of
from civicapps.notify.validation import RateLimited, SubscriptionError, SubscriptionRequest
from civicapps.signing import sign, unsign
from civicapps.web.shell import error_response

bp = Blueprint(
    "notify", __name__, template_folder="templates", static_folder="static", static_url_path="/-/static/notify"
)
FREQUENCY_LABELS = {"instant": _l("As they happen"), "daily": _l("Once a day"), "weekly": _l("Once a week")}
RADII = (100, 250, 500, 1000, 2000, 5000)


class SubscribeForm(FlaskForm):
    topic = SelectField(
        _l("What do you want alerts about?"), validators=[InputRequired(_l("Choose what you want alerts about"))]
    )
    channel = RadioField(
        _l("How should we send them?"), validators=[InputRequired(_l("Choose how you want to get alerts"))]
    )
    target = StringField(
        _l("Where should we send them?"), validators=[InputRequired(_l("Enter where to send your alerts"))]
    )
    postcode = StringField(_l("Postcode"))
    lat = StringField(_l("Latitude"))
    lon = StringField(_l("Longitude"))
    radius_m = SelectField(_l("Distance"), coerce=int, default=500)
    key = HiddenField()
    frequency = RadioField(
        _l("How often?"), choices=[SelectChoice(v, label) for v, label in FREQUENCY_LABELS.items()], default="instant"
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Confirmation code"), validators=[InputRequired(_l("Enter the code from the message we sent"))]
    )


@bp.context_processor
def _helpers() -> dict[str, Any]:
    topics = topics_of(current_app)
    return {
        "topic_title": lambda s: topics[s.topic].title if s.topic in topics else s.topic,
        "frequency_label": lambda value: FREQUENCY_LABELS.get(value, value),
    }


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return math.nan  # reported as out of range by the validation


def _subscription(token: str, purpose: str, max_age: timedelta | None = None) -> Subscription:
    subscription_id = unsign(purpose, token, max_age)
    subscription = db_session().get(Subscription, subscription_id) if isinstance(subscription_id, int) else None
    if subscription is None:
        abort(404)
    return subscription


def page(template: str, **context: Any) -> str:
    """Render one of notify's page templates."""
    return render_template(f"civicapps/notify/{template}", **context)


@bp.get("/alerts/")
def index() -> str:
    return page("index.html", topics=offered_topics(current_app))


@bp.route("/alerts/subscribe", methods=["GET", "POST"])
def subscribe() -> Any:
    topics = offered_topics(current_app)
    channels = alert_forms.alert_channels()
    form = SubscribeForm(data={k: v for k, v in request.args.items() if k in ("topic", "lat", "lon", "key")})
    follow = topics.get(form.topic.data or "")
    if follow is not None and follow.matcher == "key":
        if not form.key.data:  # following needs the item: say where to find it, rather than a form that cannot work
            return page("follow_from_item.html", topic=follow)
        offered = {form.topic.data: follow}
    else:  # only what can be set up here: topics about one item are followed from that item's page
        offered = {name: topic for name, topic in topics.items() if topic.matcher == "area"}
    form.topic.choices = [SelectChoice(name, topic.title) for name, topic in offered.items()]
    form.channel.choices = [SelectChoice(channel.name, channel.label) for channel in channels]
    max_radius = notify_settings(current_app).max_radius_m
    form.radius_m.choices = [
        SelectChoice(str(r), gettext("%(distance)s metres", distance=format_number(r)))
        for r in RADII
        if r <= max_radius
    ]
    if form.validate_on_submit():
        wanted = SubscriptionRequest(
            topic=form.topic.data,
            channel=form.channel.data,
            target=form.target.data,
            frequency=form.frequency.data,
            lat=_number(form.lat.data),
            lon=_number(form.lon.data),
            radius_m=form.radius_m.data,
            key=form.key.data or None,
            place=form.postcode.data or None,
        )
        done = alert_forms.subscribe(wanted, form, {"place": "postcode"})
        if done is not None:
            return done
    target_hint = ". ".join(f"{channel.label}: {channel.hint}" for channel in channels)
    followed = item_label(current_app, form.topic.data, form.key.data) if follow is not None else None
    return page("subscribe.html", form=form, topics=offered, target_hint=target_hint, followed=followed)


def _confirmed_or_ended(subscription: Subscription) -> Any:
    """The page for a request that is no longer waiting for confirmation, or None while it is."""
    if subscription.status == ACTIVE:
        return page(
            "done.html",
            title=gettext("Your alerts are on"),
            subscription=subscription,
            area=describe_area(subscription, current_app),
        )
    if subscription.status == ENDED:
        return error_response(404, gettext("This request was stopped or has expired. Set up the alert again."))
    return None


@bp.route("/alerts/confirm", methods=["GET", "POST"])
def confirm_code() -> Any:
    subscription = _subscription(request.args.get("ref", ""), REF, confirm_max_age(current_app))
    form = CodeForm()
    if form.validate_on_submit() and not confirm_with_code(current_app, subscription, form.code.data or ""):
        wrong = gettext("That code is not right. Check the message we sent and try again")
        form.code.errors = [*form.code.errors, wrong]
    if (finished := _confirmed_or_ended(subscription)) is not None:
        return finished
    kind = KINDS[subscription.channel]
    return page(
        "confirm_code.html", form=form, subscription=subscription, channel=kind, masked=kind.mask(subscription.target)
    )


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
def confirm_link(token: str) -> Any:
    subscription = _subscription(token, CONFIRM, confirm_max_age(current_app))
    form = FlaskForm()
    if request.method == "POST" and form.validate_on_submit():
        confirm(subscription)
    if (finished := _confirmed_or_ended(subscription)) is not None:
        return finished
    area = describe_area(subscription, current_app)
    return page("confirm_link.html", form=form, subscription=subscription, area=area)


@bp.get("/alerts/unsubscribe/<token>")
def unsubscribe(token: str) -> Any:
    subscription = _subscription(token, UNSUBSCRIBE)
    area = describe_area(subscription, current_app)
    return page("unsubscribe.html", subscription=subscription, token=token, area=area)


@bp.post("/alerts/unsubscribe/<token>")
def unsubscribe_post(token: str) -> Any:
    subscription = _subscription(token, UNSUBSCRIBE)
    end(subscription)
    return page("unsubscribed.html", subscription=subscription, area=describe_area(subscription, current_app))


@bp.route("/alerts/manage/<token>", methods=["GET", "POST"])
def manage(token: str) -> Any:
    hashed = unsign(MANAGE, token)
    if not isinstance(hashed, str):
        abort(404)
    form = FlaskForm()
    if request.method == "POST" and form.validate_on_submit():
        chosen = next((s for s in of_target(hashed) if str(s.id) == request.form.get("subscription")), None)
        if chosen is None:
            abort(404)
        if request.form.get("action") == "unsubscribe":
            end(chosen)
        elif request.form.get("frequency") in FREQUENCIES:
            set_frequency(current_app, chosen, request.form["frequency"])
        return redirect(url_for("notify.manage", token=token, saved=chosen.id))
    subscriptions = [(s, describe_area(s, current_app)) for s in of_target(hashed)]
    return page(
        "manage.html", form=form, subscriptions=subscriptions, topics=topics_of(current_app), labels=FREQUENCY_LABELS
    )


@bp.get("/alerts/api/openapi.json")
def api_openapi() -> Any:
    """The OpenAPI description of the two endpoints below."""
    return openapi(request.host_url.rstrip("/"), list(enabled_kinds(notify_settings(current_app))))


@bp.get("/alerts/api/topics")
def api_topics() -> Any:
    return [
        {"name": name, "title": t.title, "description": t.description, "matcher": t.matcher, "events": list(t.events)}
        for name, t in offered_topics(current_app).items()
    ]


@bp.post("/alerts/api/subscriptions")
def api_subscribe() -> Any:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return {"error": gettext("Send a JSON object"), "errors": {}}, 400
    try:
        wanted = SubscriptionRequest(
            topic=str(data.get("topic", "")),
            channel=str(data.get("channel", "")),
            target=str(data.get("target", "")),
            frequency=str(data.get("frequency", "instant")),
            lat=_coerce(data.get("lat")),
            lon=_coerce(data.get("lon")),
            radius_m=_coerce(data.get("radius_m")),
            area=data.get("area"),
            key=None if data.get("key") is None else str(data["key"]),
            place=None if data.get("postcode") is None else str(data["postcode"]),
            filters=data.get("filters") if isinstance(data.get("filters"), dict) else None,
        )
        if data.get("filters") is not None and not isinstance(data["filters"], dict):
            raise SubscriptionError("filters", gettext("Send filters as a JSON object"))
        subscription = create(current_app, wanted, request.remote_addr)
    except SubscriptionError as exc:
        return {"error": str(exc), "errors": {exc.field: str(exc)}}, 400
    except RateLimited:
        return error_response(429, str(alert_forms.TOO_MANY))
    ref = sign(REF, subscription.id)
    return {
        "id": subscription.id,
        "status": "pending_confirmation",
        "message": gettext("We sent a confirmation message. Open its link, or enter its code at confirm_url."),
        "confirm_url": url_for("notify.confirm_code", ref=ref, _external=True),
    }, 202


def _coerce(value: Any) -> float | None:
    """A JSON number or numeric string as a float; true/false and the like fail validation."""
    if value is None:
        return None
    return math.nan if isinstance(value, bool) else _number(str(value))
