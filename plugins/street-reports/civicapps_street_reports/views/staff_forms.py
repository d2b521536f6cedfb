"""The staff pages' forms as Flask-WTF classes: each names the fields its page posts.

As with the resident's forms, the rules live in lifecycle.py (a refusal's errors come back from there
and show next to the fields), and the core checks CSRF on every POST.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField

from civicapps import parse_id


class ReportActionForm(FlaskForm):
    """Every form on one report's staff page: ``action`` says which (status, edit, hide, unhide,
    hide_update, redact, retry, abuse); each sends only the fields it needs."""

    action = HiddenField()
    status = StringField()
    template = StringField()
    text = TextAreaField()
    duplicate_of = StringField()
    title = StringField()
    details = TextAreaField()
    reason = StringField()
    update = HiddenField()
    photo = HiddenField()

    def typed(self) -> dict[str, Any]:
        """What was sent, to show the page again after a refusal (only the fields the form sent)."""
        return {field.name: field.data for field in self if field.raw_data and field.type != "CSRFTokenField"}

    def chosen(self, name: str) -> int | None:
        """A numeric id field (template, update, photo), or None when it is missing or not a number."""
        return parse_id(getattr(self, name).data)


class BulkForm(FlaskForm):
    """The staff list's "change the state of the selected reports"."""

    report = SelectMultipleField(validate_choice=False)
    status = StringField()
    text = TextAreaField()
    back = HiddenField()

    def ids(self) -> list[int]:
        return [number for value in self.report.data or [] if (number := parse_id(value))]


class AbuseForm(FlaskForm):
    """Add an address to the abuse list, or take one off (``remove``: the entry's id)."""

    email = StringField()
    note = StringField()
    remove = HiddenField()
