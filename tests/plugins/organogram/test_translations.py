"""The organogram in Welsh: a catalogue that covers every string in the code and templates, compiled as committed,
messages written in the language of the page that sent them, and dates spelt out in it on UK time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import civicapps_organogram
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from civicapps_organogram.dates import local_date
from flask import Flask

from civicapps.catalogues import collect
from civicapps.i18n import Catalogue

from .conftest import messages, post_form

TRANSLATIONS = Path(civicapps_organogram.__file__).parent / "translations"
WELSH = TRANSLATIONS / "cy" / "LC_MESSAGES" / "civicapps_organogram.po"


def read(path: Path) -> object:
    with path.open("rb") as fh:
        return read_mo(fh) if path.suffix == ".mo" else read_po(fh, locale="cy")


def test_every_string_in_the_code_and_templates_has_a_welsh_translation() -> None:
    source = collect(Catalogue("organogram", "civicapps_organogram", TRANSLATIONS))
    welsh = read(WELSH)
    assert {m.id for m in source if m.id} == {m.id for m in welsh if m.id}, "run civicapps i18n extract and update"
    untranslated = [
        m.id for m in welsh if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    ]
    assert untranslated == []


def test_the_committed_mo_file_is_the_compiled_po_file() -> None:
    def pairs(catalog: object) -> set[tuple[object, object]]:
        frozen = [(m.id, m.string) for m in catalog if m.id]  # type: ignore[attr-defined]
        return {tuple(tuple(v) if isinstance(v, list | tuple) else v for v in pair) for pair in frozen}

    assert pairs(read(WELSH.with_suffix(".mo"))) == pairs(read(WELSH)), "run civicapps i18n compile"


def test_a_sign_in_link_asked_for_in_welsh_arrives_in_welsh(app: Flask) -> None:
    post_form(app.test_client(), "/organogram/sign-in?lang=cy", email="ann@example.org")
    [message] = messages(app, "ann@example.org")
    assert message.title == "Eich dolen fewngofnodi"
    assert message.text.startswith("Dilynwch y ddolen hon o fewn 60 munud i fewngofnodi")


def test_dates_are_the_uk_day_in_the_page_language(app: Flask) -> None:
    late_on_30_june = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # already 1 July in British Summer Time
    with app.test_request_context("/?lang=cy"):
        assert local_date(late_on_30_june) == "1 Gorffennaf 2026"
        assert local_date(date(2026, 12, 6)) == "6 Rhagfyr 2026"
    with app.test_request_context("/?lang=en"):
        assert local_date(late_on_30_june.replace(tzinfo=None)) == "1 July 2026"  # naive from SQLite: UTC


def test_a_latitude_that_is_not_a_number_is_asked_for_again_in_the_page_language(app: Flask) -> None:
    """WTForms' own message ("Not a valid float value", "Gwerth float annilys") does not say what to type."""
    for language, expected in (
        ("en", "Enter the latitude as a number, like 54.152"),
        ("cy", "Rhowch y lledred fel rhif"),
    ):
        page = f"/organogram/register?lang={language}"
        response = post_form(app.test_client(), page, lat="north", lon="-4.486")
        assert response.status_code == 422 and expected in response.get_data(as_text=True), language
