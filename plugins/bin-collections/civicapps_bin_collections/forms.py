"""The reminder sign-up and staff disruption forms (CSRF-protected by Flask-WTF, GOV.UK widgets)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea, GovTextInput
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from civicapps import lazy_gettext


class ReminderForm(FlaskForm):
    channel = RadioField(
        lazy_gettext("How should we remind you?"),
        widget=GovRadioInput(),
        validators=[InputRequired(lazy_gettext("Choose how you want to get reminders"))],
    )
    target = StringField(
        lazy_gettext("Where should we send reminders?"),
        widget=GovTextInput(),
        validators=[InputRequired(lazy_gettext("Enter where to send your reminders"))],
    )


class DisruptionForm(FlaskForm):
    message = TextAreaField(
        lazy_gettext("What residents need to know"),
        widget=GovTextArea(),
        validators=[InputRequired(lazy_gettext("Enter the notice")), Length(max=1000)],
    )
    rounds = StringField(lazy_gettext("Rounds affected (optional)"), widget=GovTextInput())
    ends_on = DateField(
        lazy_gettext("Show it until"),
        format=["%d/%m/%Y", "%Y-%m-%d"],
        widget=GovTextInput(),
        validators=[InputRequired(lazy_gettext("Enter the last day the notice applies, like 14/01/2027"))],
    )
