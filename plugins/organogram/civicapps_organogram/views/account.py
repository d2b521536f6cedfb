"""Residents' own side: signing in by email link, seeing their data, choosing to show their name, erasure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from civicapps import RateLimit, db_session, gettext, safe_next
from civicapps_organogram import notify
from civicapps_organogram.forms import ActionForm, ConfirmForm, NameForm, ShowNameForm, SignInForm
from civicapps_organogram.identity import (
    current_person,
    find_or_create_person,
    make_token,
    person_by_email,
    person_required,
    read_token,
    sign_in,
    sign_in_link_unused,
    sign_out,
)
from civicapps_organogram.membership import erase
from civicapps_organogram.models import Group, Membership, Post
from civicapps_organogram.settings import current_settings
from civicapps_organogram.views.blueprint import bp, message

SIGN_IN = "sign-in"
#: Sign-in links are emailed to any address typed in: without a limit we could be used to flood a mailbox.
SIGN_IN_LINKS = RateLimit("organogram.sign-in-link", limit=5, per=timedelta(hours=1))


@bp.route("/sign-in", methods=["GET", "POST"], endpoint="sign_in")
def sign_in_page() -> Any:
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        if not SIGN_IN_LINKS.hit(email.strip().lower()):
            form.email.errors.append(
                gettext(
                    "We have sent several sign-in links to this address in the last hour. "
                    "Use the newest one, or try again in an hour."
                )
            )
            return render_template("organogram/sign_in.html", title=gettext("Sign in"), form=form), 429
        back = safe_next(request.args.get("next"), url_for("organogram.my_data"))
        token = make_token(SIGN_IN, {"e": email.strip().lower(), "n": back})
        link = url_for("organogram.use_sign_in_link", token=token, _external=True)
        minutes = current_settings().link_max_age_minutes
        notify.send(
            SIGN_IN,
            email,
            gettext("Your sign-in link"),
            gettext(
                "Follow this link within %(minutes)s minutes to sign in to community groups:\n%(link)s\n\n"
                "If you did not ask to sign in, ignore this message.",
                minutes=minutes,
                link=link,
            ),
        )
        db_session().commit()
        return message(
            gettext("Check your email"),
            gettext(
                "We have sent a sign-in link to %(email)s. It works once, for %(minutes)s minutes.",
                email=email,
                minutes=minutes,
            ),
        )
    return render_template("organogram/sign_in.html", title=gettext("Sign in"), form=form)


@bp.route("/sign-in/<token>", methods=["GET", "POST"])
def use_sign_in_link(token: str) -> Any:
    payload = read_token(SIGN_IN, token)
    person = person_by_email(payload["e"]) if payload else None
    if payload is None or not sign_in_link_unused(person, payload):
        return message(
            gettext("This link does not work"),
            gettext("The link has expired or has been used. Ask for a new one."),
            (url_for("organogram.sign_in"), gettext("Get a new sign-in link")),
            400,
        )
    form = ActionForm()
    if form.validate_on_submit():
        sign_in(person or find_or_create_person(payload["e"]), payload)
        db_session().commit()
        return redirect(safe_next(payload.get("n"), url_for("organogram.my_data")))
    return render_template(
        "organogram/confirm.html",
        title=gettext("Sign in"),
        form=form,
        heading=gettext("Sign in"),
        text=gettext("Sign in as %(email)s?", email=payload["e"]),
        button=gettext("Sign in"),
    )


@bp.post("/sign-out", endpoint="sign_out")
def sign_out_page() -> Any:
    if ActionForm().validate_on_submit():
        sign_out()
    return redirect(url_for("organogram.index"))


@bp.get("/my-data")
@person_required
def my_data() -> str:
    return _my_data_page(NameForm(formdata=None, name=current_person().name))


def _my_data_page(form: NameForm) -> str:
    person = current_person()
    return render_template(
        "organogram/my_data.html",
        title=gettext("Your groups and data"),
        person=person,
        rows=_holdings(person.id),
        form=form,
    )


@bp.get("/my-data.json")
@person_required
def my_data_json() -> Any:
    """Everything stored about the signed-in person (UK GDPR right of access)."""
    person = current_person()
    return jsonify(
        person={
            "email": person.email,
            "name": person.name,
            "language": person.language,
            "created_at": person.created_at.isoformat(),
        },
        memberships=[
            {
                "group": group.name,
                "post": post.label if post else None,
                "status": m.status,
                "admin": m.is_admin,
                "name_public": m.name_public,
                "start_date": _iso(m.start_date),
                "end_date": _iso(m.end_date),
            }
            for m, group, post in _holdings(person.id)
        ],
        messages=[{"subject": subject, "sent_at": sent_at} for subject, sent_at in notify.sent_to(person.email)],
    )


@bp.post("/my-data/name")
@person_required
def set_name() -> Any:
    form = NameForm()
    if not form.validate_on_submit():
        return _my_data_page(form)
    current_person().name = (form.name.data or "").strip() or None
    db_session().commit()
    flash(gettext("Your name has been saved"), "success")
    return redirect(url_for("organogram.my_data"))


@bp.post("/my-data/holdings/<int:membership_id>/name")
@person_required
def show_name(membership_id: int) -> Any:
    """Opt in (or out) of showing one's name on the public chart for one post."""
    membership = db_session().get(Membership, membership_id)
    if membership is None or membership.person_id != current_person().id:
        abort(404)  # someone else's membership does not exist, as far as this person can tell
    form = ShowNameForm()
    if not form.validate_on_submit():
        abort(400)
    membership.name_public = form.show.data == "yes"
    db_session().commit()
    if membership.name_public:
        flash(gettext("Your name is now shown on the group's public page for this post"), "success")
    else:
        flash(gettext("Your name is no longer shown on the group's public page for this post"), "success")
    return redirect(url_for("organogram.my_data"))


@bp.route("/my-data/erase", methods=["GET", "POST"])
@person_required
def erase_me() -> Any:
    form = ConfirmForm()
    if form.validate_on_submit():
        erase(current_person())
        sign_out()
        db_session().commit()
        return message(
            gettext("Your data has been deleted"),
            gettext(
                "We have deleted your name, email address and memberships. Posts you held are now shown as vacant."
            ),
        )
    return render_template("organogram/erase.html", title=gettext("Delete your data"), form=form)


def _holdings(person_id: int) -> list[tuple[Membership, Group, Post | None]]:
    query = (
        select(Membership, Group, Post)
        .join(Group, Membership.group_id == Group.id)
        .outerjoin(Post, Membership.post_id == Post.id)
        .where(Membership.person_id == person_id)
        .order_by(Group.name, Membership.start_date, Membership.id)
    )
    return [tuple(row) for row in db_session().execute(query)]  # type: ignore[misc]  # rows as selected


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None
