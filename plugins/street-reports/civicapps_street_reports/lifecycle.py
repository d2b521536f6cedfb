"""After a report is open: updates from residents, staff and back offices; moderation; the abuse list.

Every update goes through :func:`apply`, which moves the report's state, records when the body first
responded and when the report closed (for response times), tells the reporter, and, once committed,
lets followers' alerts match (:func:`published`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from civicapps import Actor, db_session, gettext, normalise_email, parse_id, utcnow
from civicapps_street_reports import alerts, messages, photos, sending
from civicapps_street_reports.models import (
    Abuser,
    Delivery,
    Moderation,
    Photo,
    Report,
    Update,
    UpdateDelivery,
)
from civicapps_street_reports.settings import current_settings
from civicapps_street_reports.states import STAFF_STATES, kind
from civicapps_street_reports.submissions import Refused, check_rate, clean_photos, photo_rows


@dataclass
class UpdateDraft:
    """A resident's update from the report page."""

    text: str
    name: str
    email: str
    show_name: bool = False
    mark: str = ""  # "", "fixed" or "reopen"
    photos: list[tuple[str, bytes]] | None = None


def _store_photos(report: Report, update_id: int, uploads: list[tuple[str, bytes]]) -> None:
    settings = current_settings()
    if len(uploads) > settings.max_photos:
        raise Refused({"photos": gettext("Choose up to %(count)s photos", count=settings.max_photos)})
    db_session().add_all(photo_rows(clean_photos(uploads, settings), report.id, update_id))


def resident_update(report: Report, draft: UpdateDraft, client: str) -> Update:
    """Store a resident's update unconfirmed and email them its confirmation link."""
    settings = current_settings()
    errors = {}
    text = draft.text.strip()
    if not text and draft.mark not in ("fixed", "reopen"):
        errors["text"] = gettext("Enter your update")
    elif len(text) > 4000:
        errors["text"] = gettext("Keep the update to 4,000 characters")
    if not draft.name.strip():
        errors["name"] = gettext("Enter your name")
    if normalise_email(draft.email) is None:
        errors["email"] = gettext("Enter an email address in the correct format, like name@example.com")
    if draft.mark == "fixed" and kind(report.status) != "open":
        errors["mark"] = gettext("This report is not open, so it cannot be marked fixed")
    if draft.mark == "reopen" and kind(report.status) == "open":
        errors["mark"] = gettext("This report is still open")
    if errors:
        raise Refused(errors)
    check_rate(client, settings)
    session = db_session()
    email = draft.email.strip().lower()
    status = {"fixed": "fixed", "reopen": "open"}.get(draft.mark)
    item = Update(
        report_id=report.id,
        role="reporter" if email == report.email else "resident",
        name=draft.name.strip()[:200],
        email=email,
        show_name=draft.show_name,
        text=text,
        status=status,
        state="unconfirmed",
        created_at=utcnow(),
    )
    session.add(item)
    session.flush()
    _store_photos(report, item.id, draft.photos or [])
    messages.confirm_update(report, item)
    session.commit()
    return item


def confirm_update(item: Update) -> bool:
    """Publish a resident's confirmed update (hidden if the address is on the abuse list)."""
    if item.state != "unconfirmed":
        return False
    session = db_session()
    item.confirmed_at = utcnow()
    if session.scalar(select(Abuser.id).where(Abuser.email == item.email)) is not None:
        item.state = "hidden"
        return True
    item.state = "confirmed"
    report = session.get(Report, item.report_id)
    apply(report, item)  # type: ignore[arg-type]  # an update's report exists (foreign key)
    for delivery in report.deliveries:  # type: ignore[union-attr]  # as above
        if delivery.method == "email" and delivery.state == "sent":
            messages.update_to_body(delivery, item)
        elif delivery.method == "open311" and delivery.state == "sent":
            session.add(UpdateDelivery(update_id=item.id, delivery_id=delivery.id, next_attempt_at=utcnow()))
    return True


def apply(report: Report, item: Update) -> None:
    """Move the report to the update's state and tell the reporter (inside the caller's transaction)."""
    now = utcnow()
    if item.status and item.status != report.status:
        report.status = item.status
        if kind(item.status) == "open":
            report.closed_at = None
        else:
            report.closed_at = now
    if item.role in ("staff", "body") and report.responded_at is None:
        report.responded_at = now
    report.updated_at = now
    messages.report_updated(report, item)


def published(report: Report) -> None:
    """After the commit: let followers' alerts match the new update, and wake the sender for any
    update queued for a back office."""
    if not report.hidden and not report.private:
        alerts.announce(changed=[report.id])
    sending.wake()


def staff_update(report: Report, actor: Actor, status: str, text: str, duplicate_of: str = "") -> Update:
    """A public comment (and perhaps a new state) by staff, shown as from the council.

    Marking a report a duplicate needs the number of the report it duplicates; its page links there.
    """
    if status not in STAFF_STATES:
        raise Refused({"status": gettext("Choose a state from the list")})
    if status == "duplicate":
        number = duplicate_of.strip().lstrip("#")
        original = db_session().get(Report, parse_id(number)) if parse_id(number) else None
        if original is None or original.id == report.id or original.status == "unconfirmed":
            raise Refused({"duplicate_of": gettext("Enter the number of the report this one duplicates")})
        report.duplicate_of = original.id
    if len(text) > 4000:
        raise Refused({"text": gettext("Keep the comment to 4,000 characters")})
    if status == report.status and not text.strip():
        raise Refused({"text": gettext("Write a comment, or choose a different state")})
    item = Update(
        report_id=report.id,
        role="staff",
        name=actor.name,
        text=text.strip(),
        status=status if status != report.status else None,
        state="confirmed",
        created_at=utcnow(),
        confirmed_at=utcnow(),
        staff_id=actor.id,
        show_name=False,
    )
    db_session().add(item)
    db_session().flush()
    apply(report, item)
    return item


def bulk_status(report_ids: list[int], actor: Actor, status: str, text: str) -> list[Report]:
    """One state change for many reports (staff list); returns the reports changed."""
    changed = []
    for report in db_session().scalars(select(Report).where(Report.id.in_(report_ids))):
        if report.status == "unconfirmed" or report.status == status:
            continue
        staff_update(report, actor, status, text)
        changed.append(report)
    return changed


def moderate(report: Report, actor: Actor, *, title: str, details: str, reason: str) -> bool:
    """Edit a report's text, keeping the original; False if nothing changed."""
    title, details = title.strip(), details.strip()
    if not title or not details:
        raise Refused({"title" if not title else "details": gettext("Keep a summary and a description")})
    if (title, details) == (report.title, report.details):
        return False
    db_session().add(
        Moderation(
            report_id=report.id,
            action="edit",
            staff_id=actor.id,
            reason=reason.strip(),
            original={"title": report.title, "details": report.details},
        )
    )
    report.title, report.details = title[:200], details
    return True


def set_hidden(report: Report, actor: Actor, hidden: bool, reason: str) -> None:
    if report.hidden == hidden:
        return
    db_session().add(
        Moderation(
            report_id=report.id,
            action="hide" if hidden else "unhide",
            staff_id=actor.id,
            reason=reason.strip(),
            original={"hidden": report.hidden},
        )
    )
    report.hidden = hidden


def hide_update(item: Update, actor: Actor, reason: str) -> None:
    db_session().add(
        Moderation(
            report_id=item.report_id,
            update_id=item.id,
            action="hide",
            staff_id=actor.id,
            reason=reason.strip(),
            original={"state": item.state, "text": item.text},
        )
    )
    item.state = "hidden"


def redact_photo(photo: Photo, actor: Actor, reason: str) -> None:
    """Black the photo out, keeping the original for moderators only."""
    if photo.redacted:
        return
    db_session().add(
        Moderation(
            report_id=photo.report_id,
            photo_id=photo.id,
            action="redact",
            staff_id=actor.id,
            reason=reason.strip(),
            original_photo=photo.data,
        )
    )
    photo.data, photo.thumbnail = photos.redacted(photo.data), photos.redacted(photo.thumbnail)
    photo.redacted = True


def add_abuser(email: str, note: str = "") -> int:
    """Ban an address: hide its reports and updates and stop their sending; returns reports hidden."""
    email = email.strip().lower()
    if normalise_email(email) is None:
        raise Refused({"email": gettext("Enter an email address in the correct format, like name@example.com")})
    session = db_session()
    if session.scalar(select(Abuser.id).where(Abuser.email == email)) is None:
        session.add(Abuser(email=email, note=note.strip()))
    plain = {"synchronize_session": False}
    hidden = session.execute(
        update(Report).where(Report.email == email, Report.hidden.is_(False)).values(hidden=True),
        execution_options=plain,
    ).rowcount
    session.execute(update(Update).where(Update.email == email).values(state="hidden"), execution_options=plain)
    reports = select(Report.id).where(Report.email == email).scalar_subquery()
    session.execute(
        update(Delivery).where(Delivery.report_id.in_(reports), Delivery.state == "pending").values(state="skipped"),
        execution_options=plain,
    )
    session.expire_all()
    return hidden
