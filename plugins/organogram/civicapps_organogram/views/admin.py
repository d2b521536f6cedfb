"""Group admins' pages: join requests, invitations, posts, reporting lines, hand-overs, archiving.

Every view here starts with :func:`_admin_group`, so only a current admin of *that* group gets past
the first line; anyone else gets 403, whatever they put in the form. CSRF tokens are checked on every
POST by the core, so a forged cross-site request fails before it gets here.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from civicapps import db_session, gettext
from civicapps_organogram.forms import (
    ActionForm,
    ConfirmForm,
    HandOverForm,
    InviteForm,
    PostForm,
    ReportingLineForm,
    choices,
)
from civicapps_organogram.identity import current_person, person_required
from civicapps_organogram.membership import add_post, approve, archive, decline, hand_over, invite, is_admin, would_loop
from civicapps_organogram.models import ACTIVE, REQUESTED, Group, Invitation, Membership, Person, Post
from civicapps_organogram.settings import current_settings
from civicapps_organogram.views.blueprint import bp, visible_group

FORMS = {"invite": InviteForm, "post": PostForm, "line": ReportingLineForm, "handover": HandOverForm}


def _admin_group(group_id: int) -> Group:
    group = visible_group(group_id)
    if not is_admin(current_person(), group):
        abort(403, gettext("Only an admin of this group can change it."))
    return group


def _forms(group: Group, submitted: str | None = None) -> dict[str, Any]:
    """The page's forms with their choices; only the submitted one reads the request."""
    forms = {name: cls(prefix=name, **({} if name == submitted else {"formdata": None})) for name, cls in FORMS.items()}
    session = db_session()
    posts = list(
        session.scalars(
            select(Post).where(Post.group_id == group.id, Post.eliminated_on.is_(None)).order_by(Post.position)
        )
    )
    post_choices = choices(((p.id, p.label) for p in posts), data=True)
    forms["post"].reports_to.choices = (
        post_choices if posts else choices([(0, gettext("Nobody: this is the top post"))])
    )
    forms["line"].post.choices = forms["line"].reports_to.choices = forms["handover"].post.choices = post_choices
    members = [
        (person.id, person.name or person.email or gettext("A member"))
        for m, person in _members(group)
        if m.status == ACTIVE
    ]
    forms["handover"].member.choices = choices(members, data=True)
    return forms


def _members(group: Group) -> list[tuple[Membership, Person]]:
    query = (
        select(Membership, Person)
        .join(Person, Membership.person_id == Person.id)
        .where(Membership.group_id == group.id, Membership.post_id.is_(None), Membership.end_date.is_(None))
        .order_by(Person.name, Person.email)
    )
    return [tuple(row) for row in db_session().execute(query)]


def _submitted(group_id: int, name: str) -> tuple[Group, dict[str, Any], Any]:
    """The admin's group, the page's forms, and the form named ``name`` read from the request."""
    group = _admin_group(group_id)
    forms = _forms(group, name)
    return group, forms, forms[name]


def _done(group: Group, saved: str) -> Any:
    """Commit, and go back to the manage page with ``saved`` (what changed) in a success banner at its top."""
    db_session().commit()
    flash(saved, "success")
    return redirect(url_for("organogram.manage", group_id=group.id))


def _page(group: Group, forms: dict[str, Any], failed: str | None = None) -> str:
    """The manage page; ``failed`` names a refused form, summarised at the top (the host answers such a POST 422)."""
    session = db_session()
    members = _members(group)
    history = session.execute(
        select(Membership, Person, Post)
        .outerjoin(Person, Membership.person_id == Person.id)
        .join(Post, Membership.post_id == Post.id)
        .where(Membership.group_id == group.id)
        .order_by(Post.position, Membership.start_date, Membership.id)
    ).all()
    invitations = session.scalars(
        select(Invitation).where(Invitation.group_id == group.id).order_by(Invitation.id.desc())
    )
    return render_template(
        "organogram/manage.html",
        title=gettext("Manage %(group)s", group=group.name),
        group=group,
        forms=forms,
        failed=failed,
        requests=[(m, p) for m, p in members if m.status == REQUESTED],
        members=[(m, p) for m, p in members if m.status == ACTIVE],
        history=list(history),
        invitations=list(invitations),
    )


@bp.get("/groups/<int:group_id>/manage")
@person_required
def manage(group_id: int) -> Any:
    group = _admin_group(group_id)
    return _page(group, _forms(group))


@bp.post("/groups/<int:group_id>/requests/<int:membership_id>/<any(approve, decline):decision>")
@person_required
def decide_request(group_id: int, membership_id: int, decision: str) -> Any:
    group = _admin_group(group_id)
    membership = db_session().get(Membership, membership_id)
    if membership is None or membership.group_id != group.id or membership.status != REQUESTED:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    person = db_session().get(Person, membership.person_id)
    who = (person.name or person.email) if person else gettext("A member")
    if decision == "approve":
        approve(membership, group)
        return _done(group, gettext("%(person)s is now a member of the group", person=who))
    decline(membership)
    return _done(group, gettext("You declined the request from %(person)s", person=who))


@bp.post("/groups/<int:group_id>/invitations")
@person_required
def create_invitation(group_id: int) -> Any:
    group, forms, form = _submitted(group_id, "invite")
    if not form.validate_on_submit():
        return _page(group, forms, "invite")
    invitation = invite(group, form.email.data, current_settings().invitation_days)
    if invitation.email:
        return _done(group, gettext("Invitation sent to %(email)s", email=invitation.email))
    return _done(group, gettext("Invitation created: share its code %(code)s or its link", code=invitation.code))


@bp.post("/groups/<int:group_id>/posts")
@person_required
def create_post(group_id: int) -> Any:
    group, forms, form = _submitted(group_id, "post")
    if not form.validate_on_submit():
        return _page(group, forms, "post")
    boss = db_session().get(Post, form.reports_to.data) if form.reports_to.data else None
    add_post(
        group,
        form.label.data.strip(),
        (form.role.data or "").strip(),
        (form.description.data or "").strip(),
        boss,
        form.contact_email.data,
    )
    return _done(group, gettext("Post added: %(post)s", post=form.label.data.strip()))


@bp.post("/groups/<int:group_id>/reporting-lines")
@person_required
def change_reporting_line(group_id: int) -> Any:
    group, forms, form = _submitted(group_id, "line")
    if form.validate_on_submit():
        post, boss = db_session().get(Post, form.post.data), db_session().get(Post, form.reports_to.data)
        if would_loop(post, boss):
            form.reports_to.errors = [
                gettext(
                    "%(boss)s already reports to %(post)s, directly or through others: choose another post",
                    boss=boss.label,
                    post=post.label,
                )
            ]
        else:
            post.reports_to_id = boss.id
            return _done(group, gettext("%(post)s now reports to %(boss)s", post=post.label, boss=boss.label))
    return _page(group, forms, "line")


@bp.post("/groups/<int:group_id>/hand-over")
@person_required
def hand_over_post(group_id: int) -> Any:
    group, forms, form = _submitted(group_id, "handover")
    if not form.validate_on_submit():
        return _page(group, forms, "handover")
    post, person = db_session().get(Post, form.post.data), db_session().get(Person, form.member.data)
    hand_over(post, group, person)
    return _done(
        group,
        gettext("%(post)s is now held by %(person)s", post=post.label, person=person.name or person.email),
    )


@bp.route("/groups/<int:group_id>/archive", methods=["GET", "POST"])
@person_required
def archive_group(group_id: int) -> Any:
    group = _admin_group(group_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        archive(group)
        db_session().commit()
        flash(gettext("%(group)s is archived", group=group.name), "success")
        return redirect(url_for("organogram.group_page", group_id=group.id))
    return render_template(
        "organogram/archive.html", title=gettext("Archive %(group)s", group=group.name), group=group, form=form
    )
