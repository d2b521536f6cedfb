"""A resident's report, from the submitted form to a stored, confirmed report queued for sending.

Everything is checked before anything is stored: the place (inside some body's area), the category
(offered at that place), the extra questions, the photos (each cleaned), the reporter's details and
then the per-address rate limit (counted only for a valid submission). Then the report and its
photos are written in one transaction, so a refused submission leaves nothing behind.

This module stores a submission and reads no request; what collects one is ``views/reporting.py`` (the
resident's forms) and ``views/open311.py`` (a back office's Open311 ``POST requests``).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import delete, select

from civicapps import Actor, RateLimit, current_language, db_session, distances_m, gettext, normalise_email, utcnow
from civicapps_street_reports import alerts, messages, photos, sending
from civicapps_street_reports.areas import OutsideAllAreas, categories_at
from civicapps_street_reports.links import CONFIRM_DAYS
from civicapps_street_reports.models import Abuser, Category, Delivery, Photo, Report, Update
from civicapps_street_reports.places import degrees_box
from civicapps_street_reports.settings import Settings, current_settings
from civicapps_street_reports.states import OPEN_STATES

MAX_DETAILS = 4000  # the Open311 limit on description


class Refused(ValueError):
    """Fields to correct: ``errors`` maps each form field to what the resident should do."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class RateLimited(Exception):
    """Too many submissions from one client address in the last hour."""


@dataclass
class Draft:
    """What a resident submitted, as text from the form (or an Open311 POST)."""

    lat: Any
    lon: Any
    category: str
    title: str
    details: str
    name: str = ""
    email: str = ""
    phone: str = ""
    show_name: bool = False
    anonymous: bool = False
    answers: dict[str, Any] = field(default_factory=dict)
    photos: list[tuple[str, bytes]] = field(default_factory=list)
    location_text: str = ""
    used_map: bool = False
    source: str = "web"


def check_rate(client: str, settings: Settings) -> None:
    """Count one submission from the client address (across every web process); call it once all is valid."""
    limit = RateLimit("street_reports.submission", settings.reports_per_address_per_hour, timedelta(hours=1))
    if not limit.hit(client):
        raise RateLimited()


def number(value: Any) -> float | None:
    """A finite float from form text, or None."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def check_answers(questions: list[dict[str, Any]], answers: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Answers to a category's extra questions, checked against their Open311 definitions.

    Returns (clean answers by code, errors by ``extra_<code>`` field).
    """
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questions:
        if not question.get("variable", True):
            continue
        code, kind = question["code"], question["datatype"]
        raw = answers.get(code)
        values = [v for v in (raw if isinstance(raw, list) else [raw]) if v not in (None, "")]
        values = [str(v).strip() for v in values if str(v).strip()]
        field_name = f"extra_{code}"
        if not values:
            if question.get("required"):
                errors[field_name] = gettext("Answer '%(question)s'", question=question["description"])
            continue
        keys = {v["key"] for v in question.get("values") or []}
        if kind == "multivaluelist":
            if not set(values) <= keys:
                errors[field_name] = gettext(
                    "Choose from the options for '%(question)s'", question=question["description"]
                )
            else:
                clean[code] = values
        elif kind == "singlevaluelist":
            if values[0] not in keys:
                errors[field_name] = gettext(
                    "Choose one of the options for '%(question)s'", question=question["description"]
                )
            else:
                clean[code] = values[0]
        elif kind == "number":
            if number(values[0]) is None:
                errors[field_name] = gettext("Enter a number for '%(question)s'", question=question["description"])
            else:
                clean[code] = values[0]
        elif kind == "datetime":
            try:
                clean[code] = datetime.fromisoformat(values[0]).isoformat()
            except ValueError:
                errors[field_name] = gettext(
                    "Enter a date like 2026-11-23 for '%(question)s'", question=question["description"]
                )
        else:
            limit = 2000 if kind == "text" else 200
            if len(values[0]) > limit:
                errors[field_name] = gettext(
                    "Keep '%(question)s' to %(limit)s characters", question=question["description"], limit=limit
                )
            else:
                clean[code] = values[0]
    return clean, errors


def categories_for(draft: Draft) -> tuple[float, float, list[Category]]:
    """The point and the categories (one per body) a draft's category name stands for there."""
    lat, lon = number(draft.lat), number(draft.lon)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Refused({"location": gettext("Choose where the problem is")})
    try:
        offered = categories_at(lon, lat)
    except OutsideAllAreas as exc:
        raise Refused({"location": str(exc)}) from None
    chosen = offered.get(draft.category)
    if not chosen:
        raise Refused({"category": gettext("Choose a category from the list for this place")})
    return lat, lon, chosen


def validate(
    draft: Draft, settings: Settings, trusted: bool = False
) -> tuple[float, float, list[Category], dict[str, Any]]:
    """Check every field of a draft, collecting all the errors; returns the point, categories and answers.

    ``trusted`` submitters (staff, Open311 apps with a key) need not give a name and email.
    """
    lat, lon, chosen = categories_for(draft)
    errors: dict[str, str] = {}
    title, details = draft.title.strip(), draft.details.strip()
    if not title:
        errors["title"] = gettext("Enter a short summary of the problem")
    elif len(title) > 200:
        errors["title"] = gettext("Keep the summary to 200 characters")
    if not details:
        errors["details"] = gettext("Describe the problem")
    elif len(details) > MAX_DETAILS:
        errors["details"] = gettext("Keep the description to %(count)s characters", count=f"{MAX_DETAILS:,}")
    answers, answer_errors = check_answers(chosen[0].extra_questions or [], draft.answers)
    errors.update(answer_errors)
    if len(draft.photos) > settings.max_photos:
        errors["photos"] = gettext("Choose up to %(count)s photos", count=settings.max_photos)
    elif not draft.photos and any(c.photo_required for c in chosen):
        errors["photos"] = gettext("Add a photo of the problem: this category needs one")
    anonymous = draft.anonymous and all(c.anonymous_allowed for c in chosen)
    if draft.anonymous and not anonymous:
        errors["anonymous"] = gettext("This category cannot be reported anonymously; give your name and email")
    if not anonymous and not trusted:
        if not draft.name.strip():
            errors["name"] = gettext("Enter your name")
        elif len(draft.name.strip()) > 200:
            errors["name"] = gettext("Keep your name to 200 characters")
        if normalise_email(draft.email) is None:
            errors["email"] = gettext("Enter an email address in the correct format, like name@example.com")
    if len(draft.phone.strip()) > 40:
        errors["phone"] = gettext("Enter a phone number of up to 40 characters")
    if errors:
        raise Refused(errors)
    return lat, lon, chosen, answers


def submit(draft: Draft, client: str, actor: Actor | None = None) -> Report:
    """Store a resident's report unconfirmed and send them the confirmation link (staff: confirmed at once).

    Raises :class:`Refused` or :class:`RateLimited`; nothing is stored then.
    """
    settings = current_settings()
    return _store(draft, settings, trusted=actor is not None, client=client, staff_name=actor.name if actor else None)


def submit_trusted(draft: Draft) -> Report:
    """Store and confirm a report from an Open311 app holding an API key (no rate limit, no email step)."""
    return _store(draft, current_settings(), trusted=True, client=None, staff_name=None)


def clean_photos(uploads: list[tuple[str, bytes]], settings: Settings) -> list[photos.CleanPhoto]:
    """Every uploaded photo cleaned within the council's limits, in order; the first bad one refuses
    the whole submission (a report and an update alike), so nothing is stored half-done."""
    cleaned = []
    for number, (filename, data) in enumerate(uploads, start=1):
        try:
            cleaned.append(
                photos.clean(
                    data,
                    filename or f"Photo {number}",
                    max_bytes=settings.max_photo_bytes,
                    max_pixels=settings.max_photo_pixels,
                    max_side=settings.photo_max_side,
                )
            )
        except photos.PhotoError as exc:
            raise Refused({"photos": str(exc)[0].upper() + str(exc)[1:]}) from None
    return cleaned


def photo_rows(cleaned: list[photos.CleanPhoto], report_id: int, update_id: int | None = None) -> list[Photo]:
    """The stored rows of cleaned photos, in upload order, on a report or on one of its updates."""
    return [
        Photo(
            report_id=report_id,
            update_id=update_id,
            position=position,
            content_type=photo.content_type,
            data=photo.data,
            thumbnail=photo.thumbnail,
            width=photo.width,
            height=photo.height,
            sha256=photo.sha256,
        )
        for position, photo in enumerate(cleaned)
    ]


def _store(draft: Draft, settings: Settings, *, trusted: bool, client: str | None, staff_name: str | None) -> Report:
    lat, lon, chosen, answers = validate(draft, settings, trusted=trusted)
    cleaned = clean_photos(draft.photos, settings)
    anonymous = draft.anonymous and all(c.anonymous_allowed for c in chosen)
    if client is not None:
        check_rate(client, settings)
    session = db_session()
    report = Report(
        title=draft.title.strip(),
        details=draft.details.strip(),
        category=draft.category,
        lat=lat,
        lon=lon,
        status="unconfirmed",
        name=None if anonymous else (draft.name.strip() or staff_name),
        email=None if anonymous else (draft.email.strip().lower() or None),
        phone=draft.phone.strip() or None,
        show_name=draft.show_name and not anonymous,
        anonymous=anonymous,
        private=any(c.private for c in chosen),
        answers=answers,
        location_text=draft.location_text.strip()[:200],
        used_map=draft.used_map,
        source=draft.source,
        token=secrets.token_urlsafe(12),
        created_at=utcnow(),
        language=current_language(),  # the page's or API call's: every email to the reporter is in it
    )
    session.add(report)
    session.flush()
    session.add_all(photo_rows(cleaned, report.id))
    if trusted or anonymous or not report.email:
        confirm(report)
    else:
        messages.confirm_report(report)
    session.commit()
    if report.status != "unconfirmed":
        after_confirm(report)
    return report


def confirm(report: Report) -> bool:
    """Make an unconfirmed report public and queue it for every body; False if it was not unconfirmed.

    A report from an address on the abuse list is confirmed hidden and never sent.
    """
    if report.status != "unconfirmed":
        return False
    session = db_session()
    now = utcnow()
    report.status, report.confirmed_at, report.updated_at = "open", now, now
    if report.email and session.scalar(select(Abuser.id).where(Abuser.email == report.email)) is not None:
        report.hidden = True
        return True
    _, _, chosen = categories_for(Draft(report.lat, report.lon, report.category, "", ""))
    for category in chosen:
        state = "pending" if category.send_method != "none" else "kept"
        session.add(
            Delivery(
                report_id=report.id,
                body_id=category.body_id,
                category_id=category.id,
                method=category.send_method,
                state=state,
                next_attempt_at=now,
            )
        )
    return True


def after_confirm(report: Report) -> None:
    """Once the confirmation is committed: alert residents watching the area, wake the sender."""
    if not report.hidden and not report.private:
        alerts.announce(new=[report.id])
    sending.wake()


def possible_duplicates(
    lat: float, lon: float, category: str, radius_m: float, limit: int = 5
) -> list[tuple[Report, float]]:
    """Open public reports of the same category within ``radius_m``, nearest first ("is it one of these?")."""
    min_lon, min_lat, max_lon, max_lat = degrees_box(lat, lon, radius_m)
    query = select(Report).where(
        Report.category == category,
        Report.status.in_(OPEN_STATES),
        Report.hidden.is_(False),
        Report.private.is_(False),
        Report.lat.between(min_lat, max_lat),
        Report.lon.between(min_lon, max_lon),
    )
    candidates = list(db_session().scalars(query))
    found = zip(candidates, distances_m(lon, lat, [(r.lon, r.lat) for r in candidates]), strict=True)
    return sorted((pair for pair in found if pair[1] <= radius_m), key=lambda pair: pair[1])[:limit]


def tidy(app: Flask) -> int:
    """The daily ``street_reports.tidy`` job: forget what is no longer needed; returns rows deleted.

    Reports and updates never confirmed (their links have expired) are personal data kept for
    nothing. (Rate-limit counts are the shared ``civicapps.RateLimit``'s, which expire by themselves.)
    """
    session = db_session()
    expired = utcnow() - timedelta(days=CONFIRM_DAYS + 1)
    stale_reports = select(Report.id).where(Report.status == "unconfirmed", Report.created_at < expired)
    stale_updates = select(Update.id).where(Update.state == "unconfirmed", Update.created_at < expired)
    deleted = session.execute(delete(Photo).where(Photo.update_id.in_(stale_updates))).rowcount
    deleted += session.execute(delete(Update).where(Update.id.in_(stale_updates))).rowcount
    deleted += session.execute(delete(Photo).where(Photo.report_id.in_(stale_reports))).rowcount
    deleted += session.execute(delete(Report).where(Report.id.in_(stale_reports))).rowcount
    session.commit()
    return deleted
