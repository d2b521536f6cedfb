"""A group's life: registered and confirmed by email, members invited or approved, posts and reporting
lines set by form, a post handed over, the group archived; and nobody but its admins can change it."""

from __future__ import annotations

import re

import pytest
from civicapps_organogram.models import Group, Membership, Person, Post
from flask import Flask
from sqlalchemy import select

from civicapps import db_session

from .conftest import csrf, link_in, messages, post_form, register_group, sign_in

ADMIN, MEMBER, OTHER = "ann@example.org", "bob@example.org", "eve@example.org"


def add_post(client, group_id: int, label: str, reports_to: int = 0, **extra: str):  # noqa: ANN001, ANN201
    page = f"/organogram/groups/{group_id}/manage"
    return post_form(
        client,
        page,
        f"/organogram/groups/{group_id}/posts",
        **{"post-label": label, "post-reports_to": str(reports_to)},
        **extra,
    )


def post_id(app: Flask, label: str) -> int:
    with app.app_context():
        return db_session().scalar(select(Post.id).where(Post.label == label))


def test_registration_is_confirmed_by_the_emailed_link(app: Flask) -> None:
    client = app.test_client()
    response = post_form(
        client,
        "/organogram/register",
        name="Port Erin Beach Cleans",
        description="Monthly beach cleans.",
        theme="environment",
        area="Port Erin",
        parent_id="0",
        contact_email="hello@beach.example.org",
        your_email=ADMIN,
    )
    assert "We have sent a link to ann@example.org" in response.get_data(as_text=True)
    assert "Port Erin Beach Cleans" not in client.get("/organogram/").get_data(as_text=True)  # not published yet
    assert client.get("/organogram/groups/1").status_code == 404
    [message] = messages(app, ADMIN)
    assert message.title == "Confirm your group: Port Erin Beach Cleans"
    link = link_in(message)
    assert "Publish the group and become its admin?" in client.get(link).get_data(as_text=True)
    response = post_form(client, link)
    assert response.headers["Location"] == "/organogram/groups/1/manage"
    assert client.get("/organogram/groups/1/manage").status_code == 200  # signed in as its admin
    assert "Port Erin Beach Cleans" in client.get("/organogram/").get_data(as_text=True)
    assert client.get(link).status_code == 400  # the link works once


def test_a_name_or_description_of_only_spaces_is_asked_for_again(app: Flask) -> None:
    """Found by the form fuzzer on PostgreSQL: "   " passed "required", was stripped to nothing and
    reached the NOT NULL column as a 500."""
    response = post_form(
        app.test_client(),
        "/organogram/register",
        name="   ",
        description=" \t ",
        theme="environment",
        parent_id="0",
        contact_email="hello@beach.example.org",
        your_email=ADMIN,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the name of your group" in page and "Say what your group does" in page
    assert messages(app, ADMIN) == []


def test_a_forged_or_stale_confirmation_link_does_nothing(app: Flask) -> None:
    client = app.test_client()
    post_form(
        client,
        "/organogram/register",
        name="Fake",
        description="x",
        theme="community",
        parent_id="0",
        contact_email="a@b.example",
        your_email=ADMIN,
    )
    link = link_in(messages(app, ADMIN)[-1])
    tampered = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    assert client.get(tampered).status_code == 400
    with app.app_context():
        assert db_session().get(Group, 1).status == "pending"


def test_registration_is_rate_limited_per_address(civic_app_factory) -> None:  # noqa: ANN001
    from .conftest import PLUGIN

    app = civic_app_factory(plugins=[PLUGIN], config={"plugins": {"organogram": {"registrations_per_hour": 2}}})
    client = app.test_client()
    fields = dict(description="x", theme="community", parent_id="0", contact_email="a@b.example", your_email=ADMIN)
    for number in (1, 2):
        assert post_form(client, "/organogram/register", name=f"Group {number}", **fields).status_code == 200
    response = post_form(client, "/organogram/register", name="Group 3", **fields)
    assert response.status_code == 429
    assert "Too many groups have been registered from your connection" in response.get_data(as_text=True)
    other = app.test_client()
    response = other.post(
        "/organogram/register",
        data={"csrf_token": csrf(other, "/organogram/register"), "name": "Group 4", **fields},
        environ_overrides={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 200


def test_invitation_by_code_and_by_email_link(app: Flask) -> None:
    admin = app.test_client()
    group_id = register_group(app, admin, ADMIN)
    page = f"/organogram/groups/{group_id}/manage"
    post_form(admin, page, f"/organogram/groups/{group_id}/invitations", **{"invite-email": MEMBER})
    [invitation] = [m for m in messages(app, MEMBER) if m.title.startswith("Invitation")]
    code = re.search(r"the code (\S+) on", invitation.text).group(1)
    assert code in admin.get(page).get_data(as_text=True)
    member = app.test_client()
    sign_in(app, member, MEMBER)
    response = post_form(member, "/organogram/join", code=code)
    assert response.headers["Location"] == f"/organogram/join/{code}"
    response = post_form(member, link_in(invitation))
    assert response.headers["Location"] == f"/organogram/groups/{group_id}"
    assert "You are a member of this group." in member.get(f"/organogram/groups/{group_id}").get_data(as_text=True)
    stranger = app.test_client()
    sign_in(app, stranger, OTHER)
    assert stranger.get("/organogram/join/not-a-code").status_code == 404


def test_join_request_is_approved_and_everyone_is_told(app: Flask) -> None:
    admin, member = app.test_client(), app.test_client()
    group_id = register_group(app, admin, ADMIN)
    sign_in(app, member, MEMBER)
    post_form(member, f"/organogram/groups/{group_id}", f"/organogram/groups/{group_id}/join")
    assert "You have asked to join" in member.get(f"/organogram/groups/{group_id}").get_data(as_text=True)
    assert messages(app, ADMIN)[-1].title == "Request to join Friends of Athol Park"
    with app.app_context():
        request_id = db_session().scalar(select(Membership.id).where(Membership.status == "requested"))
    page = f"/organogram/groups/{group_id}/manage"
    assert post_form(admin, page, f"/organogram/groups/{group_id}/requests/{request_id}/approve").status_code == 302
    assert messages(app, MEMBER)[-1].title == "You have joined Friends of Athol Park"
    assert "You are a member of this group." in member.get(f"/organogram/groups/{group_id}").get_data(as_text=True)


def test_posts_reporting_lines_and_hand_over_keep_history(app: Flask) -> None:
    admin, member = app.test_client(), app.test_client()
    group_id = register_group(app, admin, ADMIN)
    add_post(admin, group_id, "Chair")
    chair = post_id(app, "Chair")
    add_post(admin, group_id, "Treasurer", chair, **{"post-contact_email": "money@athol.example.org"})
    add_post(admin, group_id, "Volunteer coordinator", chair)
    treasurer, volunteers = post_id(app, "Treasurer"), post_id(app, "Volunteer coordinator")
    page = f"/organogram/groups/{group_id}/manage"
    lines = f"/organogram/groups/{group_id}/reporting-lines"
    response = post_form(admin, page, lines, **{"line-post": str(chair), "line-reports_to": str(volunteers)})
    assert response.status_code == 422  # a loop is refused, next to the field
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "Volunteer coordinator already reports to Chair" in html
    assert (
        post_form(admin, page, lines, **{"line-post": str(volunteers), "line-reports_to": str(treasurer)}).status_code
        == 302
    )
    with app.app_context():
        assert db_session().get(Post, volunteers).reports_to_id == treasurer
        assert db_session().get(Post, treasurer).ref == "TREASURER"
    sign_in(app, member, MEMBER)
    post_form(member, f"/organogram/groups/{group_id}", f"/organogram/groups/{group_id}/join")
    with app.app_context():
        request_id = db_session().scalar(select(Membership.id).where(Membership.status == "requested"))
        ann, bob = (db_session().scalar(select(Person.id).where(Person.email == e)) for e in (ADMIN, MEMBER))
    post_form(admin, page, f"/organogram/groups/{group_id}/requests/{request_id}/approve")
    handover = f"/organogram/groups/{group_id}/hand-over"
    assert (
        post_form(admin, page, handover, **{"handover-post": str(chair), "handover-member": str(ann)}).status_code
        == 302
    )
    assert (
        post_form(admin, page, handover, **{"handover-post": str(chair), "handover-member": str(bob)}).status_code
        == 302
    )
    with app.app_context():
        history = (
            db_session()
            .execute(
                select(Membership.person_id, Membership.end_date)
                .where(Membership.post_id == chair)
                .order_by(Membership.id)
            )
            .all()
        )
    assert [person for person, _ in history] == [ann, bob]
    assert history[0][1] is not None and history[1][1] is None
    assert messages(app, ADMIN)[-1].title == "You have handed over Chair"
    assert messages(app, MEMBER)[-1].title == "You now hold Chair in Friends of Athol Park"
    public = app.test_client().get(f"/organogram/groups/{group_id}").get_data(as_text=True)
    assert '<strong translate="no">Chair</strong>: not disclosed' in public  # nobody opted in to showing their name
    assert '<strong translate="no">Treasurer</strong>: vacant' in public


def test_archived_group_leaves_the_register_and_cannot_be_changed(app: Flask) -> None:
    admin = app.test_client()
    group_id = register_group(app, admin, ADMIN)
    page = f"/organogram/groups/{group_id}/archive"
    assert "Tick the box to confirm" in post_form(admin, page).get_data(as_text=True)
    response = post_form(admin, page, confirm="y")
    assert response.status_code == 302
    archived = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "This group was archived on" in archived
    assert "govuk-notification-banner--success" in archived and "Friends of Athol Park is archived" in archived
    assert "Friends of Athol Park" not in admin.get("/organogram/").get_data(as_text=True)
    assert admin.get(f"/organogram/groups/{group_id}/manage").status_code == 403


@pytest.fixture
def two_groups(app: Flask):  # noqa: ANN201
    """Ann's group and Eve's group, each with its admin signed in."""
    ann, eve = app.test_client(), app.test_client()
    ann_group = register_group(app, ann, ADMIN)
    eve_group = register_group(app, eve, OTHER, name="Eve's Book Club", your_email=OTHER)
    return ann, ann_group, eve, eve_group


def test_a_second_user_cannot_change_someone_elses_group(app: Flask, two_groups) -> None:  # noqa: ANN001
    ann, ann_group, eve, eve_group = two_groups
    add_post(ann, ann_group, "Chair")
    chair = post_id(app, "Chair")
    token = csrf(eve, f"/organogram/groups/{eve_group}/manage")  # a genuine token of Eve's own session
    attempts = {
        "manage": ("get", f"/organogram/groups/{ann_group}/manage", {}),
        "add post": (
            "post",
            f"/organogram/groups/{ann_group}/posts",
            {"post-label": "Owner", "post-reports_to": str(chair)},
        ),
        "invite": ("post", f"/organogram/groups/{ann_group}/invitations", {"invite-email": OTHER}),
        "hand over": (
            "post",
            f"/organogram/groups/{ann_group}/hand-over",
            {"handover-post": str(chair), "handover-member": "2"},
        ),
        "archive": ("post", f"/organogram/groups/{ann_group}/archive", {"confirm": "y"}),
        "approve": ("post", f"/organogram/groups/{ann_group}/requests/1/approve", {}),
    }
    for name, (method, path, data) in attempts.items():
        response = getattr(eve, method)(path, data={"csrf_token": token, **data})
        assert response.status_code == 403, name
    anonymous = app.test_client()
    assert anonymous.get(f"/organogram/groups/{ann_group}/manage").headers["Location"].startswith("/organogram/sign-in")
    with app.app_context():
        assert db_session().scalar(select(Group.status).where(Group.id == ann_group)) == "active"
        assert [p.label for p in db_session().scalars(select(Post))] == ["Chair"]
    assert not [m for m in messages(app, OTHER) if m.title.startswith("Invitation")]


def test_forged_requests_without_a_good_csrf_token_are_refused(app: Flask, two_groups) -> None:  # noqa: ANN001
    ann, ann_group, _, _ = two_groups
    for data in ({}, {"csrf_token": "forged"}):
        response = ann.post(
            f"/organogram/groups/{ann_group}/posts", data={"post-label": "Forged", "post-reports_to": "0", **data}
        )
        assert response.status_code == 400
        assert "The form had expired or was sent from another site" in response.get_data(as_text=True)
        assert ann.post(f"/organogram/groups/{ann_group}/archive", data={"confirm": "y", **data}).status_code == 400
    with app.app_context():
        assert db_session().scalar(select(Post.id)) is None
        assert db_session().get(Group, ann_group).status == "active"
