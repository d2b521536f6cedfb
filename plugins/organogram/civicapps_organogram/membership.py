"""What group admins and members do: join, approve, invite, create posts, hand over, archive, erase.

These are the rules, kept apart from the web forms so that every path (pages, commands, tests) obeys
the same ones. Each function adds to the caller's transaction and tells people through
:func:`civicapps_organogram.notify.send`, in each recipient's language (``Person.language``, whoever's
action it is); the caller commits. Checking *who* may do these things is the views' job (:func:`is_admin`).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, timedelta

from flask import url_for
from sqlalchemy import delete, select

from civicapps import current_language, db_session, gettext, in_language
from civicapps_organogram import notify
from civicapps_organogram.dates import local_date
from civicapps_organogram.identity import person_by_email
from civicapps_organogram.models import (
    ACTIVE,
    ARCHIVED,
    REQUESTED,
    Group,
    Invitation,
    Membership,
    Person,
    Post,
)
from civicapps_organogram.snapshot import current


def group_membership(person: Person | None, group: Group) -> Membership | None:
    """The person's current (or requested) membership of the group itself, if any."""
    if person is None:
        return None
    query = select(Membership).where(
        Membership.person_id == person.id,
        Membership.group_id == group.id,
        Membership.post_id.is_(None),
        Membership.end_date.is_(None),
    )
    return db_session().scalar(query.order_by(Membership.id.desc()))


def is_admin(person: Person | None, group: Group) -> bool:
    membership = group_membership(person, group)
    return membership is not None and membership.status == ACTIVE and membership.is_admin and group.status != ARCHIVED


def admins(group: Group) -> list[Person]:
    """The group's admins who can be emailed, by address."""
    admin_ids = select(Membership.person_id).where(
        Membership.group_id == group.id,
        Membership.post_id.is_(None),
        Membership.is_admin,
        Membership.status == ACTIVE,
        Membership.end_date.is_(None),
    )
    query = select(Person).where(Person.id.in_(admin_ids), Person.email.is_not(None)).order_by(Person.email)
    return list(db_session().scalars(query))


def add_member(person: Person, group: Group, *, admin: bool = False, status: str = ACTIVE) -> Membership:
    membership = Membership(
        person_id=person.id,
        group_id=group.id,
        status=status,
        is_admin=admin,
        start_date=date.today() if status == ACTIVE else None,
    )
    db_session().add(membership)
    return membership


def request_to_join(person: Person, group: Group) -> Membership:
    """A pending membership; the group's admins are told."""
    membership = group_membership(person, group) or add_member(person, group, status=REQUESTED)
    link = url_for("organogram.manage", group_id=group.id, _external=True)
    for admin in admins(group):
        with in_language(admin.language):
            subject = gettext("Request to join %(group)s", group=group.name)
            body = gettext(
                "Someone has asked to join %(group)s. Approve or decline the request at %(link)s",
                group=group.name,
                link=link,
            )
        notify.send("join-request", admin.email or "", subject, body)
    return membership


def approve(membership: Membership, group: Group) -> None:
    membership.status, membership.start_date = ACTIVE, date.today()
    person = db_session().get(Person, membership.person_id)
    if person is not None and person.email:
        link = url_for("organogram.group_page", group_id=group.id, _external=True)
        with in_language(person.language):
            subject = gettext("You have joined %(group)s", group=group.name)
            body = gettext(
                "An admin of %(group)s approved your request to join. See the group at %(link)s",
                group=group.name,
                link=link,
            )
        notify.send("joined", person.email, subject, body)


def decline(membership: Membership) -> None:
    db_session().delete(membership)


def invite(group: Group, email: str | None, days: int) -> Invitation:
    """A join link and code; emailed to ``email`` when given (in the language of whoever signed in with
    that address, else the inviting admin's)."""
    invitation = Invitation(
        group_id=group.id,
        code=secrets.token_urlsafe(9),
        email=email or None,
        expires_at=datetime.now(UTC) + timedelta(days=days),
    )
    db_session().add(invitation)
    if email:
        link = url_for("organogram.accept_invitation", code=invitation.code, _external=True)
        known = person_by_email(email)
        with in_language(known.language if known else current_language()):
            subject = gettext("Invitation to join %(group)s", group=group.name)
            body = gettext(
                "You are invited to join %(group)s. Follow this link to accept: %(link)s\n"
                "Or enter the code %(code)s on the join page.",
                group=group.name,
                link=link,
                code=invitation.code,
            )
        notify.send("invitation", email, subject, body)
    return invitation


def usable_invitation(code: str) -> Invitation | None:
    invitation = db_session().scalar(select(Invitation).where(Invitation.code == code.strip()))
    if invitation is None or invitation.expires_at < datetime.now(UTC):
        return None
    return invitation


def accept(invitation: Invitation, person: Person, group: Group) -> Membership:
    """Join through an invitation: no approval needed. A pending request becomes active."""
    membership = group_membership(person, group)
    if membership is None:
        return add_member(person, group)
    if membership.status == REQUESTED:
        membership.status, membership.start_date = ACTIVE, date.today()
    return membership


def reference_for(group: Group, label: str) -> str:
    """A new, unused Post Unique Reference from the label: letters, digits and hyphens only."""
    base = re.sub(r"[^0-9A-Za-z]+", "-", label).strip("-").upper()[:40] or "POST"
    base = base.replace("XX", "X-X")
    taken = set(db_session().scalars(select(Post.ref).where(Post.group_id == group.id)))
    ref, number = base, 2
    while ref in taken:
        ref, number = f"{base}-{number}", number + 1
    return ref


def add_post(
    group: Group, label: str, role: str, description: str, reports_to: Post | None, contact_email: str | None
) -> Post:
    position = len(list(db_session().scalars(select(Post.id).where(Post.group_id == group.id))))
    post = Post(
        group_id=group.id,
        ref=reference_for(group, label),
        label=label,
        role=role or label,
        description=description,
        reports_to_id=reports_to.id if reports_to else None,
        position=position,
        contact_email=contact_email or None,
        start_date=date.today(),
    )
    db_session().add(post)
    return post


def would_loop(post: Post, new_boss: Post) -> bool:
    """Whether reporting to ``new_boss`` would put ``post`` in a loop (or report to itself)."""
    bosses = dict(db_session().execute(select(Post.id, Post.reports_to_id).where(Post.group_id == post.group_id)).all())
    seen, cursor = set(), new_boss.id
    while cursor is not None and cursor not in seen:
        if cursor == post.id:
            return True
        seen.add(cursor)
        cursor = bosses.get(cursor)
    return False


def hand_over(post: Post, group: Group, to: Person, today: date | None = None) -> None:
    """End the post's current holdings and start one for ``to``; everyone involved is told."""
    today = today or date.today()
    session = db_session()
    holdings = session.scalars(current(select(Membership).where(Membership.post_id == post.id), today))
    link = url_for("organogram.group_page", group_id=group.id, _external=True)
    for holding in holdings:
        holding.end_date = today
        previous = session.get(Person, holding.person_id) if holding.person_id else None
        if previous is not None and previous.email and previous.id != to.id:
            with in_language(previous.language):
                subject = gettext("You have handed over %(post)s", post=post.label)
                body = gettext(
                    "You no longer hold the post %(post)s in %(group)s from %(date)s. %(link)s",
                    post=post.label,
                    group=group.name,
                    date=local_date(today),
                    link=link,
                )
            notify.send("handed-over", previous.email, subject, body)
    session.add(Membership(person_id=to.id, group_id=group.id, post_id=post.id, status=ACTIVE, start_date=today))
    if to.email:
        with in_language(to.language):
            subject = gettext("You now hold %(post)s in %(group)s", post=post.label, group=group.name)
            body = gettext(
                "You hold the post %(post)s in %(group)s from %(date)s. Your name is not shown publicly unless "
                "you choose to show it on your data page. %(link)s",
                post=post.label,
                group=group.name,
                date=local_date(today),
                link=link,
            )
        notify.send("post-holder", to.email, subject, body)


def archive(group: Group) -> None:
    """Archive the group: it leaves the register; its structure and history are kept."""
    group.status, group.archived_at = ARCHIVED, datetime.now(UTC)


def erase(person: Person) -> None:
    """UK GDPR Art 17: remove the person everywhere. Posts they held become vacant; the dates of
    past holdings are kept without saying who it was; their requests and messages go too."""
    session = db_session()
    today = date.today()
    for membership in session.scalars(select(Membership).where(Membership.person_id == person.id)):
        if membership.status == REQUESTED or membership.post_id is None:
            session.delete(membership)
            continue
        membership.person_id, membership.name_public, membership.details = None, False, {}
        if membership.end_date is None or membership.end_date > today:
            membership.end_date = today
    if person.email:
        session.execute(delete(Invitation).where(Invitation.email == person.email))
        notify.forget(person.email)
    session.delete(person)
