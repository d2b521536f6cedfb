"""Names are private by default: a holder's name is published only by their own choice, never for a
group that keeps its membership private, and erasure removes the person everywhere."""

from __future__ import annotations

from pathlib import Path

from civicapps_organogram.models import ALL_MODELS, Membership, Person, Post
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from civicapps import db_session
from civicapps.testing import CivicRunner

from .conftest import messages, post_form, register_group, sign_in

ADMIN, HOLDER = "ann@example.org", "robert@example.org"
SECRET = "Robert Secretname"


def public_texts(app: Flask, group_id: int, tmp_path: Path) -> dict[str, str]:
    """Every public page, feed, API and export that could mention a post holder."""
    client = app.test_client()
    paths = [
        "/",
        "/organogram/",
        f"/organogram/groups/{group_id}",
        f"/organogram/groups/{group_id}/chart.svg",
        f"/organogram/groups/{group_id}/popolo.json",
        f"/organogram/groups/{group_id}/openreferral.json",
        f"/organogram/groups/{group_id}/organogram-senior.csv",
        f"/organogram/groups/{group_id}/organogram-junior.csv",
        "/organogram/groups.json",
        "/organogram/register.json",
        "/organogram/register.csv",
        "/organogram/register.geojson",
        "/organogram/openreferral/organizations.json",
    ]
    texts = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        texts[path] = response.get_data(as_text=True)
    runner = CivicRunner(app)
    for form in ("popolo", "openreferral"):
        texts[f"export {form}"] = runner.invoke(["organogram", "export", str(group_id), "--format", form]).output
    runner.invoke(["organogram", "export", str(group_id), "--format", "organogram-csv", "-o", str(tmp_path)])
    for path in tmp_path.glob("*.csv"):
        texts[f"export {path.name}"] = path.read_text(encoding="utf-8")
    return texts


def mentions(texts: dict[str, str], needle: str) -> list[str]:
    return [where for where, text in texts.items() if needle in text]


def group_with_holder(app: Flask, **fields: str) -> tuple[FlaskClient, FlaskClient, int]:
    """Ann's group whose Chair is held by Robert, who gave his name but did not choose to publish it."""
    admin, holder = app.test_client(), app.test_client()
    group_id = register_group(app, admin, ADMIN, **fields)
    manage = f"/organogram/groups/{group_id}/manage"
    post_form(admin, manage, f"/organogram/groups/{group_id}/posts", **{"post-label": "Chair", "post-reports_to": "0"})
    sign_in(app, holder, HOLDER)
    post_form(holder, "/organogram/my-data", "/organogram/my-data/name", name=SECRET)
    post_form(admin, manage, f"/organogram/groups/{group_id}/invitations")
    with app.app_context():
        from civicapps_organogram.models import Invitation

        code = db_session().scalar(select(Invitation.code))
        chair = db_session().scalar(select(Post.id))
        robert = db_session().scalar(select(Person.id).where(Person.email == HOLDER))
    post_form(holder, f"/organogram/join/{code}")
    post_form(
        admin,
        manage,
        f"/organogram/groups/{group_id}/hand-over",
        **{"handover-post": str(chair), "handover-member": str(robert)},
    )
    return admin, holder, group_id


def show_name(app: Flask, holder: FlaskClient, show: bool) -> None:
    with app.app_context():
        holding = db_session().scalar(
            select(Membership.id).where(Membership.post_id.is_not(None), Membership.end_date.is_(None))
        )
    response = post_form(
        holder, "/organogram/my-data", f"/organogram/my-data/holdings/{holding}/name", show="yes" if show else "no"
    )
    assert response.status_code == 302


def test_a_private_name_appears_in_no_public_page_feed_api_or_export(app: Flask, tmp_path: Path) -> None:
    admin, holder, group_id = group_with_holder(app)
    texts = public_texts(app, group_id, tmp_path)
    assert mentions(texts, SECRET) == []
    assert mentions(texts, HOLDER) == [] and mentions(texts, ADMIN) == []
    assert '<strong translate="no">Chair</strong>: not disclosed' in texts[f"/organogram/groups/{group_id}"]
    assert ">Not disclosed</text>" in texts[f"/organogram/groups/{group_id}/chart.svg"]
    assert '"CHAIR","N/D"' in texts[f"/organogram/groups/{group_id}/organogram-senior.csv"]
    assert SECRET in admin.get(f"/organogram/groups/{group_id}/manage").get_data(
        as_text=True
    )  # admins know their members
    assert SECRET in holder.get("/organogram/my-data").get_data(as_text=True)


def test_opting_in_publishes_the_name_and_opting_out_withdraws_it(app: Flask, tmp_path: Path) -> None:
    _, holder, group_id = group_with_holder(app)
    show_name(app, holder, True)
    texts = public_texts(app, group_id, tmp_path / "in")
    assert (
        f'<strong translate="no">Chair</strong>: <span translate="no">{SECRET}</span>'
        in texts[f"/organogram/groups/{group_id}"]
    )
    assert {
        f"/organogram/groups/{group_id}/popolo.json",
        f"/organogram/groups/{group_id}/organogram-senior.csv",
        f"/organogram/groups/{group_id}/chart.svg",
    } <= set(mentions(texts, SECRET))
    show_name(app, holder, False)
    assert mentions(public_texts(app, group_id, tmp_path / "out"), SECRET) == []


def test_a_private_membership_group_never_shows_names_even_opted_in(app: Flask, tmp_path: Path) -> None:
    _, holder, group_id = group_with_holder(app, theme="political", name="Port Erin Labour Branch")
    show_name(app, holder, True)
    texts = public_texts(app, group_id, tmp_path)
    assert mentions(texts, SECRET) == []
    assert "Private: the group does not publish who its members" in texts[f"/organogram/groups/{group_id}"]
    assert "the group keeps its membership private" in holder.get("/organogram/my-data").get_data(as_text=True)


def test_members_see_their_own_data_and_only_theirs(app: Flask) -> None:
    admin, holder, group_id = group_with_holder(app)
    data = holder.get("/organogram/my-data.json").get_json()
    assert data["person"] == {
        "email": HOLDER, "name": SECRET, "language": "en", "created_at": data["person"]["created_at"]
    }
    assert [(m["group"], m["post"]) for m in data["memberships"]] == [
        ("Friends of Athol Park", None),
        ("Friends of Athol Park", "Chair"),
    ]
    assert {m["subject"] for m in data["messages"]} >= {
        "Your sign-in link",
        "You now hold Chair in Friends of Athol Park",
    }
    with app.app_context():
        robert_holding = db_session().scalar(select(Membership.id).where(Membership.post_id.is_not(None)))
    response = post_form(
        admin, "/organogram/my-data", f"/organogram/my-data/holdings/{robert_holding}/name", show="yes"
    )
    assert response.status_code == 404  # Ann cannot publish Robert's name
    assert app.test_client().get("/organogram/my-data.json").status_code == 302


def test_erasure_leaves_the_post_vacant_and_removes_the_person_everywhere(app: Flask, tmp_path: Path) -> None:
    _, holder, group_id = group_with_holder(app)
    show_name(app, holder, True)
    page = "/organogram/my-data/erase"
    assert "Tick the box to confirm" in post_form(holder, page).get_data(as_text=True)
    response = post_form(holder, page, confirm="y")
    assert "Your data has been deleted" in response.get_data(as_text=True)
    assert holder.get("/organogram/my-data").status_code == 302  # signed out
    texts = public_texts(app, group_id, tmp_path)
    assert mentions(texts, SECRET) == [] and mentions(texts, HOLDER) == []
    assert '<strong translate="no">Chair</strong>: vacant' in texts[f"/organogram/groups/{group_id}"]
    assert '"CHAIR","Vacant"' in texts[f"/organogram/groups/{group_id}/organogram-senior.csv"]
    with app.app_context():
        session = db_session()
        stored = [
            repr([getattr(row, c.key) for c in model.__table__.columns])
            for model in ALL_MODELS
            for row in session.scalars(select(model))
        ]
        history = session.execute(
            select(Membership.person_id, Membership.end_date).where(Membership.post_id.is_not(None))
        ).all()
    assert not [row for row in stored if SECRET in row or HOLDER in row]
    assert history and all(person is None and end is not None for person, end in history)  # dates kept, nobody named
    assert messages(app, HOLDER) == []


def test_the_register_never_carries_people_or_addresses(app: Flask) -> None:
    group_with_holder(app)
    [record] = app.test_client().get("/organogram/register.json").get_json()["groups"]
    assert set(record) == {
        "id",
        "name",
        "theme",
        "area",
        "description",
        "contact_email",
        "website",
        "identifier",
        "parent_id",
        "verified",
        "lat",
        "lon",
        "url",
    }
    assert "never a home address" in app.test_client().get("/organogram/register").get_data(as_text=True)
