"""Members are written to in the language they signed up in, whoever's action sends the email: an
admin approving a request from an English page tells a Welsh member in Welsh, and the other way round.
People stored before the language was get the deployment's default language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from civicapps_organogram.models import Membership, Person
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, Table, insert, inspect, select

from civicapps import db_session
from civicapps.migrations import _config, migration_sets
from civicapps.testing import AppFactory

from .conftest import PLUGIN, link_in, messages, post_form, register_group, sign_in

ADMIN, MEMBER = "ann@example.org", "bob@example.org"


def speaking(app: Flask, language: str | None) -> FlaskClient:
    """A browser whose visitor chose ``language`` with the switcher (None: chose nothing, so English)."""
    client = app.test_client()
    if language:
        client.get(f"/organogram/?lang={language}")  # remembered in a cookie
    return client


def ask_to_join_and_be_approved(app: Flask, admin_language: str | None, member_language: str | None) -> None:
    """An admin (signed in last from a page in ``admin_language``) approves a member's request to join."""
    admin, member = app.test_client(), speaking(app, member_language)
    group_id = register_group(app, admin, ADMIN)  # in English: the helper reads what the page says
    if admin_language:
        admin.get(f"/organogram/?lang={admin_language}")
        sign_in(app, admin, ADMIN)  # again, from a page in the admin's language
    sign_in(app, member, MEMBER)
    post_form(member, f"/organogram/groups/{group_id}", f"/organogram/groups/{group_id}/join")
    with app.app_context():
        request_id = db_session().scalar(select(Membership.id).where(Membership.status == "requested"))
    page = f"/organogram/groups/{group_id}/manage"
    assert post_form(admin, page, f"/organogram/groups/{group_id}/requests/{request_id}/approve").status_code == 302


def test_a_welsh_member_approved_by_an_english_admin_is_told_in_welsh(app: Flask) -> None:
    ask_to_join_and_be_approved(app, None, "cy")
    assert messages(app, MEMBER)[-1].title == "Rydych wedi ymuno â'r grŵp Friends of Athol Park"
    assert "Mae un o weinyddwyr y grŵp Friends of Athol Park wedi cymeradwyo" in messages(app, MEMBER)[-1].text
    # the admin hears of the Welsh member's request in English, the admin's own language
    assert messages(app, ADMIN)[-1].title == "Request to join Friends of Athol Park"


def test_an_english_member_approved_by_a_welsh_admin_is_told_in_english(app: Flask) -> None:
    ask_to_join_and_be_approved(app, "cy", None)
    assert messages(app, MEMBER)[-1].title == "You have joined Friends of Athol Park"
    assert messages(app, ADMIN)[-1].title == "Cais i ymuno â'r grŵp Friends of Athol Park"


def test_the_language_is_the_one_the_link_was_asked_for_in_wherever_it_is_opened(app: Flask) -> None:
    """A sign-in link asked for on a Welsh page and opened in another browser (in English) keeps Welsh."""
    post_form(speaking(app, "cy"), "/organogram/sign-in", email=MEMBER)
    elsewhere = speaking(app, None)
    assert post_form(elsewhere, link_in(messages(app, MEMBER)[-1])).status_code == 302
    with app.app_context():
        assert db_session().scalar(select(Person.language).where(Person.email == MEMBER)) == "cy"


def test_an_invitation_to_someone_known_is_in_their_language(app: Flask) -> None:
    sign_in(app, speaking(app, "cy"), MEMBER)
    admin = app.test_client()
    group_id = register_group(app, admin, ADMIN)
    page = f"/organogram/groups/{group_id}/manage"
    post_form(admin, page, f"/organogram/groups/{group_id}/invitations", **{"invite-email": MEMBER})
    assert messages(app, MEMBER)[-1].title == "Gwahoddiad i ymuno â'r grŵp Friends of Athol Park"
    post_form(admin, page, f"/organogram/groups/{group_id}/invitations", **{"invite-email": "new@example.org"})
    assert messages(app, "new@example.org")[-1].title == "Invitation to join Friends of Athol Park"  # the admin's


@pytest.mark.parametrize(
    ("default", "other", "expected"),
    [
        ("en", "cy", "You have joined Friends of Athol Park"),
        ("cy", "en", "Rydych wedi ymuno â'r grŵp Friends of Athol Park"),
    ],
)
def test_someone_from_before_languages_were_stored_gets_the_default_language(
    civic_app_factory: AppFactory, default: str, other: str, expected: str
) -> None:
    app = civic_app_factory(plugins=[PLUGIN], config={"default_language": default})
    admin, member = speaking(app, "en"), speaking(app, "en")  # the helpers read English pages
    group_id = register_group(app, admin, ADMIN)
    sign_in(app, member, MEMBER)
    post_form(member, f"/organogram/groups/{group_id}", f"/organogram/groups/{group_id}/join")
    with app.app_context():
        for person in db_session().scalars(select(Person)):
            person.language = None  # as the migration leaves everyone stored before it
        request_id = db_session().scalar(select(Membership.id).where(Membership.status == "requested"))
        db_session().commit()
    admin.get(f"/organogram/?lang={other}")  # the admin approves from a page in the other language
    page = f"/organogram/groups/{group_id}/manage"
    assert post_form(admin, page, f"/organogram/groups/{group_id}/requests/{request_id}/approve").status_code == 302
    assert messages(app, MEMBER)[-1].title == expected


def test_the_migration_adds_an_empty_language_to_existing_people(app: Flask) -> None:
    from alembic import command

    engine = app.extensions["civicapps"].db.engine

    def migrate(step: Callable[[Any, str], None], revision: str) -> None:
        with engine.connect() as connection, connection.begin():
            step(_config(migration_sets(app)["organogram"], connection), revision)

    def columns() -> set[str]:
        return {column["name"] for column in inspect(engine).get_columns("organogram_person")}

    migrate(command.downgrade, "organogram_0004")
    assert "language" not in columns()
    with engine.begin() as connection:
        people = Table("organogram_person", MetaData(), autoload_with=connection)
        connection.execute(insert(people).values(email=MEMBER, created_at=datetime.now(UTC)))
    migrate(command.upgrade, "heads")
    assert "language" in columns()
    with app.app_context():
        assert db_session().scalars(select(Person.language)).all() == [None]
    migrate(command.downgrade, "organogram_0004")
    assert "language" not in columns()
    migrate(command.upgrade, "heads")
