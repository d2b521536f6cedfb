"""The plugin's forms (Flask-WTF, so every POST carries the CSRF token the core enforces).

Error messages follow the GOV.UK style: say what to do, next to the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, FloatField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from civicapps_organogram.register import THEMES

EMAIL = Email("Enter an email address in the correct format, like name@example.com")


def _http_url(form: Any, field: Any) -> None:
    """Only http(s) links: escaping does not stop a javascript: link on a public page."""
    if field.data and not field.data.startswith(("https://", "http://")):
        raise ValidationError("Enter a web address starting with https://")


def choices(pairs: Iterable[tuple[Any, str]]) -> list[Any]:
    """Select options as WTForms wants them: ``SelectChoice`` where it exists (3.3+), tuples before."""
    try:
        from wtforms.fields.choices import SelectChoice
    except ImportError:  # pragma: no cover - WTForms older than 3.3
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


class ActionForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""


class SignInForm(FlaskForm):
    email = EmailField("Email address", validators=[InputRequired("Enter your email address"), EMAIL])


class JoinCodeForm(FlaskForm):
    code = StringField(
        "Invitation code", validators=[DataRequired("Enter the code from your invitation"), Length(max=32)]
    )


class RegisterGroupForm(FlaskForm):
    name = StringField("Group name", validators=[DataRequired("Enter the name of your group"), Length(max=200)])
    description = TextAreaField(
        "What does the group do?", validators=[DataRequired("Say what your group does"), Length(max=2000)]
    )
    theme = SelectField("Theme", choices=choices(THEMES.items()), validators=[InputRequired("Choose a theme")])
    area = StringField("Area", validators=[Optional(), Length(max=200)])
    parent_id = SelectField("Part of a larger group", coerce=int, validate_choice=True)
    contact_email = EmailField(
        "Group contact email", validators=[InputRequired("Enter an email address for the group"), EMAIL]
    )
    website = StringField("Website", validators=[Optional(), Length(max=2000), _http_url])
    identifier = StringField(
        "Registration number",
        validators=[
            Optional(),
            Length(max=100),
            Regexp(
                r"^[A-Z]{2}-[A-Z]{2,4}-[0-9A-Za-z]+$", message="Enter an org-id like GB-CHC-1234567, or leave it blank"
            ),
        ],
    )
    lat = FloatField("Latitude", validators=[Optional(), NumberRange(-90, 90, "Enter a latitude between -90 and 90")])
    lon = FloatField(
        "Longitude", validators=[Optional(), NumberRange(-180, 180, "Enter a longitude between -180 and 180")]
    )
    membership_private = BooleanField("Keep the whole membership private")
    your_email = EmailField("Your email address", validators=[InputRequired("Enter your email address"), EMAIL])

    def validate_lon(self, field: Any) -> None:
        if (self.lat.data is None) != (field.data is None):
            raise ValidationError("Enter both latitude and longitude, or neither")


class InviteForm(FlaskForm):
    email = EmailField("Email address to send the invitation to", validators=[Optional(), EMAIL])


class PostForm(FlaskForm):
    label = StringField("Post title", validators=[DataRequired("Enter the title of the post"), Length(max=200)])
    role = StringField("Role", validators=[Optional(), Length(max=200)])
    description = TextAreaField("What the post holder does", validators=[Optional(), Length(max=2000)])
    reports_to = SelectField("Reports to", coerce=int, validate_choice=True)
    contact_email = EmailField("Contact email for the post", validators=[Optional(), EMAIL])


class ReportingLineForm(FlaskForm):
    post = SelectField("Post", coerce=int, validate_choice=True)
    reports_to = SelectField("Now reports to", coerce=int, validate_choice=True)


class HandOverForm(FlaskForm):
    post = SelectField("Post", coerce=int, validate_choice=True)
    member = SelectField("Hand over to", coerce=int, validate_choice=True)


class ConfirmForm(FlaskForm):
    confirm = BooleanField("I understand", validators=[InputRequired("Tick the box to confirm")])
