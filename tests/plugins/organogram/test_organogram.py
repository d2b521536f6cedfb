"""The organogram plugin's register of groups: demo data, the nested page, JSON and the tree command."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import civicapps_organogram as organogram
import pytest
from civicapps_organogram.models import Group, Post
from flask import Flask
from sqlalchemy import func, select

from civicapps import StartupError, db_session
from civicapps.testing import AppFactory, CivicRunner

PLUGIN = ("organogram", organogram)
SAMPLE_GROUPS = 8

TREE = """\
Upper Douglas Community Association (#1)
  Allotment society (#8)
  Events committee (#2)
    Christmas lights team (#4)
    Summer fair team (#3)
  Friends of Noble's Park (#5)
    Tuesday litter pick (#6)
  Youth club (#7)
"""


@pytest.fixture
def app(civic_app_factory: AppFactory) -> Flask:
    return civic_app_factory(plugins=[PLUGIN])


def load_demo(app: Flask) -> None:
    with app.app_context():
        organogram.load_demo_data(app)


class ListItems(HTMLParser):
    """Collects the text that opens each <li>, indented by how deeply the list is nested."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.items: list[str] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "ul":
            self.depth += 1
        elif tag == "li":
            self._open = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.items.append("  " * (self.depth - 1) + data.strip())
            self._open = False


def test_demo_data_loads_once_however_often_it_runs(app: Flask) -> None:
    load_demo(app)
    load_demo(app)
    with app.app_context():
        assert db_session().scalar(select(func.count()).select_from(Group)) == SAMPLE_GROUPS
        events = db_session().scalars(select(Group).where(Group.name == "Events committee")).one()
        children = db_session().scalars(select(Group.name).where(Group.parent_id == events.id).order_by(Group.name))
        assert list(children) == ["Christmas lights team", "Summer fair team"]
        assert db_session().scalar(select(func.count()).select_from(Post)) == 4  # the association's officers, once


def test_page_shows_groups_as_nested_lists_escaped(app: Flask) -> None:
    load_demo(app)
    response = app.test_client().get("/organogram/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1 and "Community groups</h1>" in html
    groups = html[html.rindex("<ul", 0, html.index('id="group-tree"')) : html.index("Open data")]
    parser = ListItems()
    parser.feed(groups)
    assert parser.items == [
        "Upper Douglas Community Association",
        "  Allotment society",
        "  Events committee",
        "    Christmas lights team",
        "    Summer fair team",
        "  Friends of Noble's Park",
        "    Tuesday litter pick",
        "  Youth club",
    ]
    assert ">Friends of Noble&#39;s Park</a>" in html
    assert "Puts up the lights on Bucks Road &amp; Woodbourne Road." in html


def test_menu_link(app: Flask) -> None:
    html = app.test_client().get("/").get_data(as_text=True)
    assert re.search(r'<a class="govuk-service-navigation__link" href="/organogram/">\s*Community groups\s*</a>', html)


def test_empty_page_says_so(app: Flask) -> None:
    assert "No groups have been added yet." in app.test_client().get("/organogram/").get_data(as_text=True)


def test_json_is_the_tree(app: Flask) -> None:
    load_demo(app)
    body = app.test_client().get("/organogram/groups.json").get_json()
    [association] = body["groups"]
    assert association["name"] == "Upper Douglas Community Association"
    assert [child["name"] for child in association["children"]] == [
        "Allotment society",
        "Events committee",
        "Friends of Noble's Park",
        "Youth club",
    ]
    events = association["children"][1]
    assert [c["name"] for c in events["children"]] == ["Christmas lights team", "Summer fair team"]
    assert events["children"][0]["children"] == []


def test_tree_command_prints_the_indented_tree(app: Flask) -> None:
    runner = CivicRunner(app)
    assert runner.invoke(["organogram", "tree"]).output == "No groups yet.\n"
    load_demo(app)
    result = runner.invoke(["organogram", "tree"])
    assert result.exit_code == 0, result.output
    assert result.output == TREE


def test_groups_in_a_cycle_are_left_out_instead_of_looping(app: Flask) -> None:
    load_demo(app)
    with app.app_context():
        session = db_session()
        first, second = Group(name="Loop A"), Group(name="Loop B")
        session.add_all([first, second])
        session.flush()
        first.parent_id, second.parent_id = second.id, first.id
        session.commit()
    assert CivicRunner(app).invoke(["organogram", "tree"]).output == TREE
    html = app.test_client().get("/organogram/").get_data(as_text=True)
    assert "Loop A" not in html


def test_a_bad_setting_stops_startup(civic_app_factory: AppFactory) -> None:
    with pytest.raises(StartupError, match="registrations_per_hour"):
        civic_app_factory(plugins=[PLUGIN], config={"plugins": {"organogram": {"registrations_per_hour": 0}}})
