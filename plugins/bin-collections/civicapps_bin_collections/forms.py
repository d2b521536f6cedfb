"""The reminder sign-up form (CSRF-protected by Flask-WTF, GOV.UK widgets)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import RadioField, StringField
from wtforms.validators import InputRequired

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
