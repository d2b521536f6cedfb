"""The plugin's forms (Flask-WTF, so every POST carries the CSRF token the core enforces).

Each field has a govuk-frontend-wtf widget, so ``{{ form.field(params={...}) }}`` renders the whole GOV.UK
component (label, hint, error message). Labels and messages are ``lazy_gettext``: the forms are defined at
import time and shown in each request's language. Error messages follow the GOV.UK style: say what to do,
next to the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovTextArea, GovTextInput
from wtforms import BooleanField, EmailField, FloatField, HiddenField, SelectField, StringField, TextAreaField
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

from civicapps import lazy_gettext as _l
from civicapps_organogram.register import THEMES

EMAIL = Email(_l("Enter an email address in the correct format, like name@example.com"))
TEXT, TEXTAREA, CHECKBOX = GovTextInput(), GovTextArea(), GovCheckboxInput()


def _http_url(form: Any, field: Any) -> None:
    """Only http(s) links: escaping does not stop a javascript: link on a public page."""
    if field.data and not field.data.startswith(("https://", "http://")):
        raise ValidationError(_l("Enter a web address starting with https://"))


def choices(pairs: Iterable[tuple[Any, str]], *, data: bool = False) -> list[Any]:
    """Select options as WTForms wants them: ``SelectChoice`` where it exists (3.3+), tuples before.

    ``data`` options (group names, post titles, people) are marked ``translate="no"``: they read the same in
    every language.
    """
    render_kw = {"translate": "no"} if data else {}
    try:
        from wtforms.fields.choices import SelectChoice
    except ImportError:  # pragma: no cover - WTForms older than 3.3
        return [(value, label, render_kw) for value, label in pairs]
    return [SelectChoice(value, label, render_kw=render_kw) for value, label in pairs]


class OptionAttributesSelect(GovSelect):
    """GovSelect that keeps each option's ``render_kw`` (govuk-frontend-wtf drops it) as the option's attributes."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        for item, (_value, _label, _selected, render_kw) in zip(params["items"], field.iter_choices(), strict=True):
            if render_kw:
                item["attributes"] = dict(render_kw)
        return params


SELECT = OptionAttributesSelect()


class GovEmailInput(GovTextInput):
    """A GOV.UK text input of type email (phones show the email keyboard)."""

    input_type = "email"


EMAIL_INPUT = GovEmailInput()


class NumberField(FloatField):
    """A decimal number whose "not a number" message says what to type (WTForms' own is "Not a valid float value")."""

    def __init__(self, label: Any, *, not_a_number: Any, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.not_a_number) from None


class ActionForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[InputRequired(_l("Enter your email address")), EMAIL],
        description=_l("We only use it to sign you in and to tell you about your groups."),
        widget=EMAIL_INPUT,
    )


class JoinCodeForm(FlaskForm):
    code = StringField(
        _l("Invitation code"),
        validators=[DataRequired(_l("Enter the code from your invitation")), Length(max=32)],
        description=_l("The group's admin gave you this code, or sent it by email."),
        widget=TEXT,
    )


class RegisterGroupForm(FlaskForm):
    name = StringField(
        _l("Group name"),
        validators=[DataRequired(_l("Enter the name of your group")), Length(max=200)],
        widget=TEXT,
    )
    description = TextAreaField(
        _l("What does the group do?"),
        validators=[DataRequired(_l("Say what your group does")), Length(max=2000)],
        widget=TEXTAREA,
    )
    theme = SelectField(
        _l("Theme"), choices=choices(THEMES.items()), validators=[InputRequired(_l("Choose a theme"))], widget=SELECT
    )
    area = StringField(
        _l("Area"),
        validators=[Optional(), Length(max=200)],
        description=_l("The ward, parish, village or town the group covers"),
        widget=TEXT,
    )
    parent_id = SelectField(
        _l("Part of a larger group"),
        coerce=int,
        validate_choice=True,
        description=_l("For a committee or team of a group already registered"),
        widget=SELECT,
    )
    contact_email = EmailField(
        _l("Group contact email"),
        validators=[InputRequired(_l("Enter an email address for the group")), EMAIL],
        description=_l(
            "Shown publicly. Use a shared address for the group (for example secretary@), not a personal one."
        ),
        widget=EMAIL_INPUT,
    )
    website = StringField(
        _l("Website"),
        validators=[Optional(), Length(max=2000), _http_url],
        description=_l("Optional"),
        widget=TEXT,
    )
    identifier = StringField(
        _l("Registration number"),
        validators=[
            Optional(),
            Length(max=100),
            Regexp(
                r"^[A-Z]{2}-[A-Z]{2,4}-[0-9A-Za-z]+$",
                message=_l("Enter an org-id like GB-CHC-1234567, or leave it blank"),
            ),
        ],
        description=_l("Optional: the charity or company number as an org-id, for example GB-CHC-1234567"),
        widget=TEXT,
    )
    lat = NumberField(
        _l("Latitude"),
        not_a_number=_l("Enter the latitude as a number, like 54.152"),
        validators=[Optional(), NumberRange(-90, 90, _l("Enter a latitude between -90 and 90"))],
        description=_l(
            "Optional, for the map: a public meeting place or the middle of your area, never a home address. "
            "For example 54.152"
        ),
        widget=TEXT,
    )
    lon = NumberField(
        _l("Longitude"),
        not_a_number=_l("Enter the longitude as a number, like -4.486"),
        validators=[Optional(), NumberRange(-180, 180, _l("Enter a longitude between -180 and 180"))],
        description=_l("For example -4.486"),
        widget=TEXT,
    )
    membership_private = BooleanField(
        _l("Keep the whole membership private"),
        description=_l(
            "Nobody's name is published, even if they would like it to be. "
            "Political, faith and trade union groups are always private."
        ),
        widget=CHECKBOX,
    )
    your_email = EmailField(
        _l("Your email address"),
        validators=[InputRequired(_l("Enter your email address")), EMAIL],
        description=_l("We send the confirmation link here. It is not published."),
        widget=EMAIL_INPUT,
    )

    def validate_lon(self, field: Any) -> None:
        if (self.lat.data is None) != (field.data is None):
            raise ValidationError(_l("Enter both latitude and longitude, or neither"))


class NameForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[Optional(), Length(max=200, message=_l("Your name must be 200 characters or fewer"))],
        description=_l("Shown to the admins of your groups, and publicly only for posts where you choose it below."),
        widget=TEXT,
    )


class ShowNameForm(FlaskForm):
    """Publish (``yes``) or withdraw (``no``) one's name for one post."""

    show = HiddenField(validators=[InputRequired()])


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email address to send the invitation to"),
        validators=[Optional(), EMAIL],
        description=_l("Optional: we email the link. Leave it blank to share the link or code yourself."),
        widget=EMAIL_INPUT,
    )


class PostForm(FlaskForm):
    label = StringField(
        _l("Post title"),
        validators=[DataRequired(_l("Enter the title of the post")), Length(max=200)],
        description=_l("For example Chair, Treasurer or Volunteer coordinator"),
        widget=TEXT,
    )
    role = StringField(
        _l("Role"),
        validators=[Optional(), Length(max=200)],
        description=_l("Optional: the role in a word, for example chair"),
        widget=TEXT,
    )
    description = TextAreaField(
        _l("What the post holder does"), validators=[Optional(), Length(max=2000)], widget=TEXTAREA
    )
    reports_to = SelectField(_l("Reports to"), coerce=int, validate_choice=True, widget=SELECT)
    contact_email = EmailField(
        _l("Contact email for the post"),
        validators=[Optional(), EMAIL],
        description=_l("Optional: a shared address for the post, shown publicly. Not a personal address."),
        widget=EMAIL_INPUT,
    )


class ReportingLineForm(FlaskForm):
    post = SelectField(_l("Post"), coerce=int, validate_choice=True, widget=SELECT)
    reports_to = SelectField(_l("Now reports to"), coerce=int, validate_choice=True, widget=SELECT)


class HandOverForm(FlaskForm):
    post = SelectField(_l("Post"), coerce=int, validate_choice=True, widget=SELECT)
    member = SelectField(_l("Hand over to"), coerce=int, validate_choice=True, widget=SELECT)


class ConfirmForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand"), validators=[InputRequired(_l("Tick the box to confirm"))], widget=CHECKBOX
    )
