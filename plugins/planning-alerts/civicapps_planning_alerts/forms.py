"""The resident's forms: search, "alert me" and "follow this application" (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import InputRequired

from civicapps import lazy_gettext

FREQUENCIES = {
    "instant": lazy_gettext("As they appear"),
    "daily": lazy_gettext("Once a day"),
    "weekly": lazy_gettext("Once a week"),
}


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form: FlaskForm) -> None:
        """Types come and go with the feeds; the topic's own check decides (clean_filters)."""


class ChannelFields:
    """How and how often: shared by the alert and follow forms."""

    channel = RadioField(
        lazy_gettext("How should we send them?"),
        validators=[InputRequired(lazy_gettext("Choose how you want to get alerts"))],
    )
    target = StringField(
        lazy_gettext("Where should we send them?"),
        validators=[InputRequired(lazy_gettext("Enter where to send your alerts"))],
    )
    frequency = RadioField(
        lazy_gettext("How often?"),
        choices=[SelectChoice(v, label) for v, label in FREQUENCIES.items()],
        default="daily",
    )


class AlertForm(FlaskForm, ChannelFields):
    postcode = StringField(lazy_gettext("Postcode or street"))
    lat = StringField(lazy_gettext("Latitude"))
    lon = StringField(lazy_gettext("Longitude"))
    area = TextAreaField(lazy_gettext("Area (GeoJSON polygon)"))
    radius = RadioField(lazy_gettext("How far around it?"), default="800")
    radius_other = StringField(lazy_gettext("Another distance, in metres"))
    types = CheckboxesField(lazy_gettext("Only these types of application (optional)"))
    keywords = StringField(lazy_gettext("Only applications mentioning (optional)"))


class FollowForm(FlaskForm, ChannelFields):
    pass
