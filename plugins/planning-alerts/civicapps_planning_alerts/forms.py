"""The resident's forms: search, "alert me" and "follow this application" (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import InputRequired

FREQUENCIES = {"instant": "As they appear", "daily": "Once a day", "weekly": "Once a week"}


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form: FlaskForm) -> None:
        """Types come and go with the feeds; the topic's own check decides (clean_filters)."""


class ChannelFields:
    """How and how often: shared by the alert and follow forms."""

    channel = RadioField("How should we send them?", validators=[InputRequired("Choose how you want to get alerts")])
    target = StringField("Where should we send them?", validators=[InputRequired("Enter where to send your alerts")])
    frequency = RadioField(
        "How often?", choices=[SelectChoice(v, label) for v, label in FREQUENCIES.items()], default="daily"
    )


class AlertForm(FlaskForm, ChannelFields):
    postcode = StringField("Postcode or street")
    lat = StringField("Latitude")
    lon = StringField("Longitude")
    area = TextAreaField("Area (GeoJSON polygon)")
    radius = RadioField("How far around it?", default="800")
    radius_other = StringField("Another distance, in metres")
    types = CheckboxesField("Only these types of application (optional)")
    keywords = StringField("Only applications mentioning (optional)")


class FollowForm(FlaskForm, ChannelFields):
    pass
