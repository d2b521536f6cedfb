"""The minimal example plugin, tested the way a plugin author would test theirs."""
from __future__ import annotations

import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from civicapps import StartupError
from civicapps.testing import AppFactory, CivicRunner

EXAMPLE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture
def notice_board(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The example's module, imported from its folder (it is not installed)."""
    monkeypatch.syspath_prepend(str(EXAMPLE_DIR))
    import civicapps_notice_board

    return civicapps_notice_board


def test_entry_point_names_the_plugin() -> None:
    project = tomllib.loads((EXAMPLE_DIR / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["civicapps.plugins"] == {"notice_board": "civicapps_notice_board"}


def test_posted_notices_show_on_the_page_escaped(civic_app_factory: AppFactory, notice_board: ModuleType) -> None:
    app = civic_app_factory(plugins=[("notice_board", notice_board)])
    runner = CivicRunner(app)
    assert runner.invoke(["db", "status"]).exit_code == 0  # the fixture applied the migration

    result = runner.invoke(["notice-board", "post", "Jumble sale <b>Saturday</b> & cake"])
    assert result.exit_code == 0, result.output
    assert result.output == "Posted.\n"

    page = app.test_client().get("/notice-board/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">Notice board</h1>" in html
    assert "Jumble sale &lt;b&gt;Saturday&lt;/b&gt; &amp; cake" in html
    assert 'href="/notice-board/"' in html  # the menu link


def test_max_notices_limits_the_page(civic_app_factory: AppFactory, notice_board: ModuleType) -> None:
    config = {"plugins": {"notice_board": {"max_notices": 2}}}
    app = civic_app_factory(plugins=[("notice_board", notice_board)], config=config)
    runner = CivicRunner(app)
    for text in ("first", "second", "third"):
        assert runner.invoke(["notice-board", "post", text]).exit_code == 0
    html = app.test_client().get("/notice-board/").get_data(as_text=True)
    assert "<p class=\"govuk-body\">third</p>" in html and "<p class=\"govuk-body\">second</p>" in html
    assert "<p class=\"govuk-body\">first</p>" not in html


def test_empty_notice_is_refused(civic_app_factory: AppFactory, notice_board: ModuleType) -> None:
    app = civic_app_factory(plugins=[("notice_board", notice_board)])
    result = CivicRunner(app).invoke(["notice-board", "post", "   "])
    assert result.exit_code == 1
    assert "Error: A notice needs between 1 and 500 characters of text." in result.output
    assert "There are no notices yet." in app.test_client().get("/notice-board/").get_data(as_text=True)


@pytest.mark.parametrize("value", [0, 101, "many"])
def test_bad_setting_stops_startup(civic_app_factory: AppFactory, notice_board: ModuleType, value: object) -> None:
    config = {"plugins": {"notice_board": {"max_notices": value}}}
    with pytest.raises(StartupError, match=r"plugin 'notice_board'.*'max_notices'"):
        civic_app_factory(plugins=[("notice_board", notice_board)], config=config)
