"""Getting into a group: registering a new one, asking to join, or joining with an invitation."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from civicapps import db_session, gettext
from civicapps_organogram.forms import ActionForm, JoinCodeForm, RegisterGroupForm, choices
from civicapps_organogram.identity import current_person, person_required, read_token
from civicapps_organogram.membership import accept, group_membership, request_to_join, usable_invitation
from civicapps_organogram.models import ACTIVE, PENDING, Group
from civicapps_organogram.registration import CONFIRM, confirm_group, register_group, too_many_registrations
from civicapps_organogram.views.blueprint import bp, message, visible_group

GROUP_FIELDS = (
    "name",
    "description",
    "theme",
    "area",
    "contact_email",
    "website",
    "identifier",
    "lat",
    "lon",
    "membership_private",
)


@bp.route("/register", methods=["GET", "POST"], endpoint="register_group")
def register_group_page() -> Any:
    form = RegisterGroupForm()
    groups = db_session().scalars(select(Group).where(Group.status == ACTIVE).order_by(Group.name))
    form.parent_id.choices = choices([(0, gettext("None: it is an independent group"))]) + choices(
        ((g.id, g.name) for g in groups), data=True
    )
    if person := current_person():
        form.your_email.data = form.your_email.data or person.email
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        if too_many_registrations(address):
            abort(
                429,
                gettext("Too many groups have been registered from your connection in the last hour. Try again later."),
            )
        fields = {name: getattr(form, name).data for name in GROUP_FIELDS}
        fields = {key: value.strip() if isinstance(value, str) else value for key, value in fields.items()}
        fields = {key: value for key, value in fields.items() if value not in ("",)}
        register_group(fields | {"parent_id": form.parent_id.data or None}, form.your_email.data or "")
        db_session().commit()
        return message(
            gettext("Check your email"),
            gettext(
                "We have sent a link to %(email)s. Follow it to confirm %(group)s: "
                "until then the group is not published.",
                email=form.your_email.data,
                group=fields["name"],
            ),
        )
    return render_template("organogram/register_group.html", title=gettext("Register a group"), form=form)


@bp.route("/confirm/<token>", methods=["GET", "POST"], endpoint="confirm_group")
def confirm_group_page(token: str) -> Any:
    payload = read_token(CONFIRM, token)
    group = db_session().get(Group, payload.get("g")) if payload else None
    if payload is None or group is None or group.status != PENDING:
        return message(
            gettext("This link does not work"),
            gettext("The link has expired or the group is already confirmed."),
            status=400,
        )
    form = ActionForm()
    if form.validate_on_submit():
        confirm_group(payload)
        db_session().commit()
        flash(gettext("%(group)s is confirmed and published. You are its admin.", group=group.name), "success")
        return redirect(url_for("organogram.manage", group_id=group.id))
    return render_template(
        "organogram/confirm.html",
        title=gettext("Confirm your group"),
        form=form,
        heading=gettext("Confirm %(group)s", group=group.name),
        text=gettext("Publish the group and become its admin?"),
        button=gettext("Confirm the group"),
    )


@bp.post("/groups/<int:group_id>/join")
@person_required
def request_join(group_id: int) -> Any:
    group = visible_group(group_id)
    if group.status != ACTIVE or not ActionForm().validate_on_submit():
        abort(400)
    request_to_join(current_person(), group)
    db_session().commit()
    flash(
        gettext("You have asked to join %(group)s. An admin of the group will look at your request.", group=group.name),
        "success",
    )
    return redirect(url_for("organogram.group_page", group_id=group.id))


@bp.route("/join", methods=["GET", "POST"])
def join() -> Any:
    form = JoinCodeForm()
    if form.validate_on_submit():
        return redirect(url_for("organogram.accept_invitation", code=(form.code.data or "").strip()))
    return render_template("organogram/join.html", title=gettext("Join a group"), form=form)


@bp.route("/join/<code>", methods=["GET", "POST"])
@person_required
def accept_invitation(code: str) -> Any:
    invitation = usable_invitation(code)
    group = db_session().get(Group, invitation.group_id) if invitation else None
    if invitation is None or group is None or group.status != ACTIVE:
        return message(
            gettext("This invitation does not work"),
            gettext("The code is wrong or has expired. Ask the group for a new invitation."),
            (url_for("organogram.join"), gettext("Enter another code")),
            404,
        )
    form = ActionForm()
    if form.validate_on_submit():
        accept(invitation, current_person(), group)
        db_session().commit()
        flash(gettext("You have joined %(group)s", group=group.name), "success")
        return redirect(url_for("organogram.group_page", group_id=group.id))
    already = group_membership(current_person(), group)
    return render_template(
        "organogram/confirm.html",
        title=gettext("Join a group"),
        form=form,
        heading=gettext("Join %(group)s", group=group.name),
        text=gettext("You are already a member.")
        if already and already.status == ACTIVE
        else gettext("Join this group? Your name is not published unless you choose to show it."),
        button=gettext("Join the group"),
    )
