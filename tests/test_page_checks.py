"""The page checks every plugin's browser tests use (civicapps.testing.page_checks), on pages served by a
route handler so each check is shown to catch what it is for and to pass what it should."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from civicapps.testing import assert_no_sideways_scroll, english_left, low_contrast_text, open_page, page_texts

pytestmark = pytest.mark.browser

ENGLISH = """<!doctype html><html lang="en-GB"><head><title>Report a problem</title></head><body>
<h1>Report a problem</h1><p>Near <span translate="no">Castle Street</span></p>
<a href="/" lang="cy" hreflang="cy">Cymraeg</a><button>Continue</button><p>12 May 2026</p>
<img src="data:," alt="A map of the area"></body></html>"""
WELSH = """<!doctype html><html lang="cy"><head><title>Rhoi gwybod am broblem</title></head><body>
<h1>Rhoi gwybod am broblem</h1><p>Ger <span translate="no">Castle Street</span></p>
<a href="/" lang="en" hreflang="en">English</a><button>Continue</button><p>12 May 2026</p>
<img src="data:," alt="A map of the area"></body></html>"""


@pytest.fixture
def page(civic_browser: Any) -> Iterator[Any]:
    tab = open_page(civic_browser, 375)
    yield tab
    tab.context.close()


def show(page: Any, html: str) -> None:
    page.route("http://page.test/", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto("http://page.test/")


def test_english_left_names_what_reads_the_same_in_both_languages(page: Any) -> None:
    show(page, ENGLISH)
    english = page_texts(page)
    show(page, WELSH)
    welsh = page_texts(page)
    assert "Castle Street" not in welsh, "translate=no marks data"
    assert "English" not in welsh, "a fragment in another language is not the page's own text"
    assert english_left(english, welsh) == ["12 May 2026", "A map of the area", "Continue"]
    assert english_left(english, welsh, ignore={"12 May 2026"}) == ["A map of the area", "Continue"]


def test_low_contrast_text_measures_links_and_buttons_against_their_real_background(page: Any) -> None:
    show(page, """<html><body style="background:#0b0c0c">
      <div style="background:rgba(255,255,255,0.5)"><a href="/" style="color:#888">Grey on grey</a></div>
      <button style="background:#fff;color:#fff;border:0">Redact photo 1</button>
      <a href="/" style="color:#fff">White on black</a>
      <a href="/" style="color:#1d70b8;background:#fff">Blue on white</a></body></html>""")
    found = low_contrast_text(page)
    assert [line.split(":")[0] for line in found] == ["Grey on grey", "Redact photo 1"]
    assert found[1].endswith("1.00:1")


def test_sideways_scroll_is_caught(page: Any) -> None:
    show(page, '<html><body><p style="width:300px">fits</p></body></html>')
    assert_no_sideways_scroll(page)
    show(page, '<html><body><p style="width:500px">too wide</p></body></html>')
    with pytest.raises(AssertionError, match="px wide in a 375 px window"):
        assert_no_sideways_scroll(page, "wide page")
