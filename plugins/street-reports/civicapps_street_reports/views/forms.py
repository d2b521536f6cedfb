"""The resident's two forms (a report, an update on one) as Flask-WTF classes: what each form sends,
typed and in one place, read into the drafts that submissions and lifecycle check.

The rules (what is required, lengths, photos, which categories and answers) stay in submissions.py and
lifecycle.py, shared with the Open311 API, so these forms only carry fields: a refusal's errors come
back from there and are shown next to the same fields. CSRF is checked for every POST by the core.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, HiddenField, MultipleFileField, StringField, TextAreaField

from civicapps_street_reports import lifecycle, submissions

#: More file fields than this in one POST are ignored (a form has one, with a few photos).
MAX_UPLOADS = 10


def chosen_files(files: list[FileStorage] | None) -> list[tuple[str, bytes]]:
    """The files chosen in a file field (the empty part a browser sends when none is chosen left out)."""
    chosen = []
    for upload in (files or [])[:MAX_UPLOADS]:
        data = upload.read() if isinstance(upload, FileStorage) else b""
        if isinstance(upload, FileStorage) and (upload.filename or data):
            chosen.append((upload.filename or "", data))
    return chosen


class ResidentForm(FlaskForm):
    """What both forms share: who is writing, and photos. ``typed()`` gives back what was typed (photos
    excepted: a browser cannot be given files back) to show the form again after a refusal."""

    name = StringField()
    email = StringField()
    show_name = BooleanField()
    photos = MultipleFileField()

    def typed(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in self:
            if field.type == "BooleanField":
                values[field.name] = "yes" if field.data else ""
            elif field.type not in ("MultipleFileField", "CSRFTokenField"):
                values[field.name] = field.data or ""
        return values


class ReportForm(ResidentForm):
    """A new report. The place and category come from the earlier steps (hidden fields); the answers to the
    category's extra questions (``extra_<code>`` fields, different for every category) are kept as read."""

    lat = HiddenField()
    lon = HiddenField()
    category = HiddenField()
    location_text = HiddenField()
    used_map = HiddenField()
    title = StringField()
    details = TextAreaField()
    phone = StringField()
    anonymous = BooleanField()

    def process(
        self, formdata: Any = None, obj: Any = None, data: Any = None, extra_filters: Any = None, **kwargs: Any
    ) -> None:
        formdata = self.meta.wrap_formdata(self, formdata)  # the request's form and files, on a POST
        super().process(formdata, obj, data, extra_filters, **kwargs)
        lists = formdata.lists() if formdata is not None else []
        self.answers = {
            key[len("extra_") :]: values if len(values) > 1 else values[0]
            for key, values in lists
            if key.startswith("extra_")
        }

    def draft(self) -> submissions.Draft:
        return submissions.Draft(
            lat=self.lat.data,
            lon=self.lon.data,
            category=self.category.data or "",
            title=self.title.data or "",
            details=self.details.data or "",
            name=self.name.data or "",
            email=self.email.data or "",
            phone=self.phone.data or "",
            show_name=self.show_name.data,
            anonymous=self.anonymous.data,
            answers=self.answers,
            photos=chosen_files(self.photos.data),
            location_text=self.location_text.data or "",
            used_map=self.used_map.data == "1",
        )

    def typed(self) -> dict[str, Any]:
        return {**super().typed(), **{f"extra_{code}": answer for code, answer in self.answers.items()}}


class UpdateForm(ResidentForm):
    """An update on a report: text, and "fixed" or "still a problem" (``mark``)."""

    text = TextAreaField()
    mark = StringField()

    def draft(self) -> lifecycle.UpdateDraft:
        return lifecycle.UpdateDraft(
            text=self.text.data or "",
            name=self.name.data or "",
            email=self.email.data or "",
            show_name=self.show_name.data,
            mark=self.mark.data or "",
            photos=chosen_files(self.photos.data),
        )
