"""Stored street reports and everything around them: bodies, their areas and categories, the send
queue, photos, updates, moderation history and the abuse list.

Names follow FixMyStreet where it helps a council moving over (body, category, update) and the
Open311 spec where the data goes over the wire (service code, jurisdiction).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civicapps import Model, UTCDateTime, db_session, utcnow

#: The send methods a category may use: email to its address, Open311 POST to its body's back
#: office, or none (kept here for staff to deal with).
SEND_METHODS = ("email", "open311", "none")


class Body(Model):
    """A council or other organisation that receives reports for the places it covers."""

    __tablename__ = "street_reports_body"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    open311_endpoint: Mapped[str | None] = mapped_column(String(500))
    open311_jurisdiction: Mapped[str | None] = mapped_column(String(200))
    open311_format: Mapped[str] = mapped_column(String(4), default="xml", doc="xml (every back office) or json")
    open311_api_key: Mapped[str | None] = mapped_column(String(500), doc="secret: never shown or logged")
    updates_key_hash: Mapped[str | None] = mapped_column(
        String(64), doc="sha256 of the key the body's back office uses to push servicerequestupdates"
    )

    areas: Mapped[list[Area]] = relationship(back_populates="body", order_by="Area.name")
    categories: Mapped[list[Category]] = relationship(back_populates="body", order_by="Category.name")


class Area(Model):
    """One boundary polygon (or multipolygon) of a body, as GeoJSON in WGS84, with its bounding box."""

    __tablename__ = "street_reports_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("street_reports_body.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    geometry: Mapped[str] = mapped_column(Text)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(500), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    body: Mapped[Body] = relationship(back_populates="areas")
    __table_args__ = (UniqueConstraint("body_id", "name"),)


class Category(Model):
    """A kind of problem one body deals with, and how reports of it reach the body.

    ``extra_questions`` is a list of ``{"code", "question", "type", "required", "options", "hint"}``
    (types: string, text, number, singlevaluelist, multivaluelist), published as the Open311 service
    definition. ``private`` reports are never shown publicly (nor their alerts).
    """

    __tablename__ = "street_reports_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("street_reports_body.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    service_code: Mapped[str] = mapped_column(String(100), index=True)
    external_code: Mapped[str | None] = mapped_column(
        String(100), doc="the service code at the body's Open311 back office, if not service_code"
    )
    group: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    send_method: Mapped[str] = mapped_column(String(20), default="none")
    email: Mapped[str | None] = mapped_column(String(254))
    extra_questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    photo_required: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    body: Mapped[Body] = relationship(back_populates="categories")
    __table_args__ = (UniqueConstraint("body_id", "name"),)


class Report(Model):
    """One problem a resident reported at a point (WGS84 latitude and longitude).

    ``status`` is a state from :mod:`civicapps_street_reports.states`; ``hidden`` is moderation,
    kept apart so unhiding restores the state. The reporter's email and name are personal data: they
    go to the bodies and staff, never onto public pages, feeds or APIs (the name only if
    ``show_name``).
    """

    __tablename__ = "street_reports_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100))
    details: Mapped[str] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)  # explicit: SQLAlchemy 2.0 and 2.1 map float differently
    lon: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, doc="first change of state by staff or the body: the response time"
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    show_name: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    reporter_updates: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default="1", doc="email the reporter when the report is updated"
    )
    language: Mapped[str | None] = mapped_column(
        String(35),
        doc="the language the reporter used (e.g. cy): every email to them is in it, whoever's action sends it; "
        "empty on reports older than the column, which get the deployment's default language",
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    location_text: Mapped[str] = mapped_column(String(200), default="", server_default="")
    used_map: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    source: Mapped[str] = mapped_column(String(40), default="web", server_default="web")
    token: Mapped[str | None] = mapped_column(String(40), unique=True, doc="Open311 token for this report")
    duplicate_of: Mapped[int | None] = mapped_column(Integer)

    photos: Mapped[list[Photo]] = relationship(
        primaryjoin="and_(Photo.report_id == Report.id, Photo.update_id.is_(None))",
        order_by="Photo.position",
        viewonly=True,
    )
    deliveries: Mapped[list[Delivery]] = relationship(back_populates="report", order_by="Delivery.id")
    __table_args__ = (
        #: the map counts and groups reports in some states in a bounding box: one longitude range per
        #: state, and every other column its filters read (latitude, moderation, category, age) is in
        #: the index, so counting 200,000 reports into grid cells never reads the table (SQLite picks
        #: it without ANALYZE statistics; status alone did not)
        Index("ix_street_reports_report_map", "status", "lon", "lat", "hidden", "private", "category", "created_at"),
        #: the list beside the map: newest first, all categories or one
        Index("ix_street_reports_report_created_at", "created_at"),
        Index("ix_street_reports_report_category_created_at", "category", "created_at"),
    )


class ChangeCounter(Model):
    """One row per thing the public reads from many processes at once and each process caches (the
    map, Open311's request lists), counting the changes to what it shows, so every web process knows
    when its cached answers are stale with one indexed read, whatever process made the change (see
    :mod:`.changes`)."""

    __tablename__ = "street_reports_change_counter"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Model):
    """The send queue: one row per (report, body) a report must reach, with its own state and retries.

    Per-body rows mean a report to two councils where one fails is retried only to that one
    (FixMyStreet issue #3168). Backoff: at once, 5 minutes after the first failure, then every 30.
    """

    __tablename__ = "street_reports_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("street_reports_report.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("street_reports_body.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("street_reports_category.id"))
    method: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), index=True, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    external_token: Mapped[str | None] = mapped_column(String(200))

    report: Mapped[Report] = relationship(back_populates="deliveries")
    body: Mapped[Body] = relationship()
    category: Mapped[Category] = relationship()
    __table_args__ = (UniqueConstraint("report_id", "body_id"),)


class UpdateDelivery(Model):
    """The send queue for residents' updates to a back office that took the report by Open311
    (mySociety's ``POST servicerequestupdates``), retried like :class:`Delivery`."""

    __tablename__ = "street_reports_update_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("street_reports_update.id"), index=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("street_reports_delivery.id"))
    state: Mapped[str] = mapped_column(String(20), index=True, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    external_id: Mapped[str | None] = mapped_column(String(200))

    update: Mapped[Update] = relationship()
    delivery: Mapped[Delivery] = relationship()
    __table_args__ = (UniqueConstraint("update_id", "delivery_id"),)


class Photo(Model):
    """A photo of a report or an update, already cleaned: re-encoded, rotated, resized, no EXIF."""

    __tablename__ = "street_reports_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("street_reports_report.id"), index=True)
    update_id: Mapped[int | None] = mapped_column(ForeignKey("street_reports_update.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    redacted: Mapped[bool] = mapped_column(Boolean, default=False)


class Update(Model):
    """A comment on a report: a resident's ("fixed", "still a problem"), staff's, or the body's back office's.

    ``status`` is the report state this update set, if any. ``external_id`` is the back office's
    update id, so a pushed update is stored once however often it arrives.
    """

    __tablename__ = "street_reports_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("street_reports_report.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # resident, reporter, staff, body
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    show_name: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="confirmed")  # unconfirmed, confirmed, hidden
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    staff_id: Mapped[str | None] = mapped_column(String(200))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("street_reports_body.id"))
    external_id: Mapped[str | None] = mapped_column(String(200))

    photos: Mapped[list[Photo]] = relationship(order_by="Photo.position", viewonly=True)
    __table_args__ = (UniqueConstraint("body_id", "external_id"),)


class Moderation(Model):
    """What staff changed when moderating, with the original kept (FixMyStreet's moderation history)."""

    __tablename__ = "street_reports_moderation"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("street_reports_report.id"), index=True)
    update_id: Mapped[int | None] = mapped_column(ForeignKey("street_reports_update.id"))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("street_reports_photo.id"))
    action: Mapped[str] = mapped_column(String(20))  # edit, hide, unhide, redact
    original: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    staff_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    original_photo: Mapped[bytes | None] = mapped_column(LargeBinary)


class Abuser(Model):
    """An email address whose reports and updates are hidden and never sent (the abuse list)."""

    __tablename__ = "street_reports_abuser"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResponseTemplate(Model):
    """A canned public reply staff pick when changing a report's state."""

    __tablename__ = "street_reports_response_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(20))


class Place(Model):
    """A named street or point residents can pick instead of using the map (the accessible way)."""

    __tablename__ = "street_reports_place"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    geometry: Mapped[str] = mapped_column(Text)
    min_lon: Mapped[float] = mapped_column(Float, index=True)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)


ALL_MODELS: list[type[Model]] = [
    Body,
    Area,
    Category,
    Report,
    Delivery,
    UpdateDelivery,
    Photo,
    Update,
    Moderation,
    Abuser,
    ResponseTemplate,
    Place,
    ChangeCounter,
]


def reports_with_status(status: str) -> Sequence[Report]:
    """Public reports in one state, newest first."""
    query = (
        select(Report)
        .where(Report.status == status, Report.hidden.is_(False), Report.private.is_(False))
        .order_by(Report.created_at.desc(), Report.id.desc())
    )
    return db_session().scalars(query).all()
