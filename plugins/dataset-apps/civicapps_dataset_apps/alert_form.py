"""Each app's "alert me" form (``/dataset-apps/<app>/alerts``): a place and a distance, the app's own filters
(category, keywords: those its search page offers), and how to send them; set up through the core
notifications (``civicapps.subscribe``), which match new records with the topic's filters."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextInput
from wtforms import HiddenField, IntegerField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from civicapps import SubscriptionRequest, alert_channels, gettext, lazy_gettext, subscribe
from civicapps_dataset_apps import records
from civicapps_dataset_apps.queries import Search
from civicapps_dataset_apps.settings import NAME, AppConfig
from civicapps_dataset_apps.topics import near_topic
from civicapps_dataset_apps.web import app_or_404, bp, locate

FREQUENCIES = {
    "instant": lazy_gettext("As they appear"),
    "daily": lazy_gettext("Once a day"),
    "weekly": lazy_gettext("Once a week"),
}
#: Core subscription fields -> fields of this form.
FIELDS = {"place": "q", "lat": "q", "lon": "q", "radius_m": "radius", "filters": "keywords"}


class AlertForm(FlaskForm):
    q = StringField(lazy_gettext("Postcode or street"), widget=GovTextInput())
    lat = HiddenField()
    lon = HiddenField()
    radius = IntegerField(
        lazy_gettext("Within (metres)"),
        validators=[NumberRange(50, 5000, lazy_gettext("Enter a distance in whole metres, from 50 to 5,000"))],
        widget=GovTextInput(),
    )
    category = SelectField(lazy_gettext("Category"), validators=[Optional()], validate_choice=False, widget=GovSelect())
    keywords = StringField(lazy_gettext("Only records with these words (optional)"), widget=GovTextInput())
    frequency = RadioField(
        lazy_gettext("How often?"),
        choices=[SelectChoice(value, label) for value, label in FREQUENCIES.items()],
        default="daily",
        widget=GovRadioInput(),
    )
    channel = RadioField(
        lazy_gettext("How should we send them?"),
        validators=[InputRequired(lazy_gettext("Choose how you want to get alerts"))],
        widget=GovRadioInput(),
    )
    target = StringField(
        lazy_gettext("Where should we send them?"),
        validators=[InputRequired(lazy_gettext("Enter where to send your alerts"))],
        widget=GovTextInput(),
    )


@bp.route("/<name>/alerts", methods=["GET", "POST"])
def alert_page(name: str) -> Any:
    config = app_or_404(name)
    prefill = {k: request.args.get(k) for k in ("q", "lat", "lon", "category", "keywords") if request.args.get(k)}
    form = AlertForm(data={"radius": config.radius_m, **prefill} if request.method == "GET" else None)
    channels = alert_channels()
    form.channel.choices = [SelectChoice(c.name, c.label) for c in channels]
    categories = records.categories(name, config)
    form.category.choices = [SelectChoice("", gettext("Any")), *(SelectChoice(c, c) for c in categories)]
    if form.validate_on_submit():
        done = _subscribe(name, config, form)
        if done is not None:
            return done
    return render_template(
        "dataset_apps/alert.html",
        title=gettext("Get alerts about new %(app)s", app=config.title),
        name=name,
        config=config,
        form=form,
        target_hint=". ".join(f"{c.label}: {c.hint}" for c in channels),
    )


def _subscribe(name: str, config: AppConfig, form: AlertForm) -> Any:
    """Set the alert up, or put the problem on its field (and return None)."""
    lat, lon = _number(form.lat.data), _number(form.lon.data)
    if lat is None or lon is None:  # the place typed: a postcode, or a street the search page would find
        where = locate(Search(q=(form.q.data or "").strip() or None))
        if where.lat is None:
            several = gettext("More than one street matches: type more of its name, or enter a postcode")
            missing = gettext("Enter a postcode or the name of a street")
            form.q.errors = [where.errors.get("q") or (several if where.streets else missing)]
            return None
        lat, lon = where.lat, where.lon
    wanted_filters = {
        key: (getattr(form, key).data or "").strip()
        for key, offered in (("category", config.filters.category), ("keywords", config.filters.keywords))
        if offered and (getattr(form, key).data or "").strip()
    }
    wanted = SubscriptionRequest(
        topic=f"{NAME}.{near_topic(name)}",
        channel=form.channel.data,
        target=form.target.data,
        frequency=form.frequency.data,
        lat=lat,
        lon=lon,
        radius_m=form.radius.data,
        filters=wanted_filters or None,
    )
    return subscribe(wanted, form, FIELDS)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None
