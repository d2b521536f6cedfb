"""Stored groups, posts, people and memberships, shaped like Popolo (plus W3C ORG's reportsTo).

A post exists independently of whoever holds it; people hold posts (and belong to groups) through
dated memberships, so ending one membership and starting another keeps the history of who held a post
when. The organogram columns of a post are kept as the text the data.gov.uk format uses ("N/A", "0",
"1.00"), because a council re-publishing a file expects to get back exactly what it gave.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from civicapps import Model, UTCDateTime, utcnow

#: Group.status values: a registration waits for its email confirmation before anyone sees it.
PENDING, ACTIVE, ARCHIVED = "pending", "active", "archived"
#: Membership.status values: a join request waits for an admin.
REQUESTED = "requested"


class Group(Model):
    """A group of people: an organisation, or a committee or team inside its parent group."""

    __tablename__ = "organogram_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organogram_group.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=func.now())
    theme: Mapped[str] = mapped_column(String(40), default="community", server_default="community", index=True)
    area: Mapped[str | None] = mapped_column(String(200), index=True)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(2000))
    identifier: Mapped[str | None] = mapped_column(String(100))
    parent_department: Mapped[str | None] = mapped_column(String(200))
    membership_private: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE, server_default=ACTIVE, index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[str | None] = mapped_column(String(200))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Post(Model):
    """A position in a group (W3C ORG Post), with its organogram columns and reporting line."""

    __tablename__ = "organogram_post"
    __table_args__ = (UniqueConstraint("group_id", "ref", name="uq_organogram_post_group_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("organogram_group.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    reports_to_id: Mapped[int | None] = mapped_column(ForeignKey("organogram_post.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(200), default="")
    grade: Mapped[str] = mapped_column(String(20), default="N/A")
    fte: Mapped[str] = mapped_column(String(10), default="1")
    salary_cost_of_reports: Mapped[str] = mapped_column(String(20), default="0")
    pay_floor: Mapped[str] = mapped_column(String(20), default="0")
    pay_ceiling: Mapped[str] = mapped_column(String(20), default="0")
    profession: Mapped[str] = mapped_column(String(100), default="Other")
    notes: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    eliminated_on: Mapped[date | None] = mapped_column(Date)


class JuniorRole(Model):
    """A row of the junior-staff sheet: a number of unnamed roles (in FTE) under a post."""

    __tablename__ = "organogram_junior_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("organogram_group.id", ondelete="CASCADE"), index=True)
    reporting_post_id: Mapped[int] = mapped_column(ForeignKey("organogram_post.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    parent_department: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(200), default="")
    grade: Mapped[str] = mapped_column(String(50), default="N/A")
    payscale_min: Mapped[str] = mapped_column(String(20), default="0")
    payscale_max: Mapped[str] = mapped_column(String(20), default="0")
    title: Mapped[str] = mapped_column(String(200))
    fte: Mapped[str] = mapped_column(String(10), default="1")
    profession: Mapped[str] = mapped_column(String(100), default="Other")


class Person(Model):
    """Someone who holds a post or belongs to a group; a resident, never council staff.

    ``email`` is how residents sign in (an emailed link); people imported from a published organogram
    have a name and no email. The name is never shown publicly except through a membership whose
    ``name_public`` the person chose.
    """

    __tablename__ = "organogram_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(
        String(35),
        doc="the language the person signed in or registered in (e.g. cy): every email to them is in it, "
        "whoever's action sends it; empty for people stored before the column, who get the default language",
    )


class Membership(Model):
    """A person in a group (``post_id`` empty) or holding a post, from ``start_date`` to ``end_date``.

    ``details`` keeps the organogram cells that differ between the holders of a job share (pay, FTE,
    contact, notes). ``person_id`` becomes empty when the person erases their data, so the dates of a
    post's history survive without saying who it was.
    """

    __tablename__ = "organogram_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("organogram_person.id", ondelete="SET NULL"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("organogram_group.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("organogram_post.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    name_public: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Invitation(Model):
    """A link or code that lets whoever has it join a group without waiting for approval."""

    __tablename__ = "organogram_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("organogram_group.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


ALL_MODELS: list[type[Model]] = [Group, Post, JuniorRole, Person, Membership, Invitation]
