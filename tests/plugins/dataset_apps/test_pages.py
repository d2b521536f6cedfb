"""Each configured app's search page (by postcode or street, list and map), item page and staff page;
a template that fails on one record shows that record to staff, and residents still get every record."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape

import pytest

from civicapps import pull_feed

from .conftest import END, HEADER, ROADWORKS, ROADWORKS_CSV, START, TODAY, sign_in

YO31 = "YO31 7EH"
TITLE_IF_STREET = "{{ record.works }}{% if record.street %} on {{ record.street }}{% endif %}"


def titles(page: str) -> list[str]:
    return [
        unescape(t)
        for t in re.findall(r'<h3 class="govuk-heading-s[^"]*"><a class="govuk-link" href="[^"]+">([^<]+)</a>', page)
    ]


def test_search_by_postcode_lists_the_records_within_the_radius_nearest_first(roadworks_app):
    app = roadworks_app()
    pull_feed(app, "roadworks")
    client = app.test_client()
    page = client.get("/dataset-apps/roadworks/", query_string={"q": YO31, "radius": 500}).text
    assert "2 records within 500 metres of YO31 7EH" in page
    assert titles(page) == ["Carriageway patching on Gillygate", "Gas main renewal on Clarence Street"]
    away = [int(m) for m in re.findall(r"(\d+) metres away", page)]
    assert away == [pytest.approx(48, abs=5), pytest.approx(107, abs=5)]  # pyproj's Helmert vs OSTN15: metres
    points = json.loads(unescape(re.search(r'data-points="([^"]*)"', page).group(1)))
    assert {p["title"] for p in points} == set(titles(page))
    wide = client.get("/dataset-apps/roadworks/", query_string={"q": YO31, "radius": 5000}).text
    assert "3 records within 5,000 metres" in wide
    atom = unescape(re.search(r'href="([^"]+)">Atom feed', page).group(1))
    assert client.get(atom).mimetype == "application/atom+xml" and "q=YO31" in atom
    alerts = unescape(re.search(r'href="([^"]+)">Get alerts about new ones near here', page).group(1))
    form = client.get(alerts)
    assert form.status_code == 200 and "Get alerts about new Roadworks" in form.text and "53.96" in form.text
    everything = client.get("/dataset-apps/roadworks/").text
    assert "3 current records." in everything


def test_filters_narrow_the_list(roadworks_app):
    app = roadworks_app()
    pull_feed(app, "roadworks")
    client = app.test_client()
    assert titles(client.get("/dataset-apps/roadworks/?category=major").text) == ["Gas main renewal on Clarence Street"]
    assert titles(client.get("/dataset-apps/roadworks/?keywords=water+heworth").text) == [
        "Water connection on Heworth Green"
    ]
    page = client.get("/dataset-apps/roadworks/?from=2001-01-01&to=2001-01-02").text
    assert titles(page) == []
    bad = client.get("/dataset-apps/roadworks/?radius=9&keywords=water+heworth")
    assert bad.status_code == 200 and "Enter a distance in whole metres, from 50 to 5,000" in unescape(bad.text)
    assert 'href="#radius"' in bad.text, "the problem links to its field"
    assert titles(bad.text) == ["Water connection on Heworth Green"], "one refused filter leaves the others working"
    kept = inputs(bad.text)
    assert (kept["radius"], kept["keywords"]) == ("9", "water heworth"), "what was typed stays, the refused value too"
    backwards = unescape(client.get("/dataset-apps/roadworks/?from=2001-01-02&to=2001-01-01&lang=cy").text)
    assert "Rhaid i'r dyddiad i fod yr un peth â'r dyddiad o, neu ar ei ôl" in backwards, "in the resident's language"


SEARCH = "/dataset-apps/roadworks/"
SOON = TODAY + dt.timedelta(days=20)
LATER = TODAY + dt.timedelta(days=35)
#: The three records of ROADWORKS_CSV (today - 5 to today + 14), and resurfacing from today + 30 to today + 40.
DATED_CSV = ROADWORKS_CSV + (
    f"RW-5,Bootham,Resurfacing,City of York Council,Major,{TODAY + dt.timedelta(days=30):%d/%m/%Y},"
    f"{TODAY + dt.timedelta(days=40):%d/%m/%Y},460000,452500\n"
)
NOW_ON = [
    "Carriageway patching on Gillygate",
    "Gas main renewal on Clarence Street",
    "Water connection on Heworth Green",
]


def typed(name: str, date: dt.date, month: str | None = None) -> dict[str, str]:
    """A date as a resident types it in filter ``name``'s three fields (the month as a word, if given)."""
    return {f"{name}-day": str(date.day), f"{name}-month": month or str(date.month), f"{name}-year": str(date.year)}


def inputs(page: str) -> dict[str, str]:
    """Each text input on the page by id, and the value it holds."""
    found = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        value = re.search(r'\bvalue="([^"]*)"', tag)
        found[re.search(r'\bid="([^"]+)"', tag).group(1)] = unescape(value.group(1)) if value else ""
    return found


def marked(page: str) -> set[str]:
    """The ids of the inputs marked as needing correction."""
    return {re.search(r'\bid="([^"]+)"', tag).group(1) for tag in re.findall(r"<input\b[^>]*--error[^>]*>", page)}


def date_group(page: str, name: str) -> str:
    """Date filter ``name``'s fieldset: GOV.UK's group of three fields, described by its example (and error)."""
    opening = rf'<fieldset class="govuk-fieldset" role="group" aria-describedby="{name}-hint[^"]*">'
    found = re.search(opening + ".*?</fieldset>", page, re.S)
    assert found, f"{name} is a GOV.UK date input"
    return found.group(0)


def refused_in_words(page: str, first: str, message: str) -> bool:
    """Whether ``message`` is in the error summary, linking to field ``first``, and beside that date's fields."""
    name = first.split("-")[0]
    summary = re.search(rf'<a href="#{first}">\s*{message}\s*</a>', page)
    beside = re.search(
        rf'<p id="{name}-error" class="govuk-error-message">\s*'
        rf'<span class="govuk-visually-hidden">Error:</span> {message}',
        date_group(page, name),
    )
    return bool(summary and beside) and f'aria-describedby="{name}-hint {name}-error"' in page


@pytest.mark.parametrize(
    "iso, expected",
    [
        ({"from": SOON}, ["Resurfacing on Bootham"]),
        ({"to": SOON}, NOW_ON),
        ({"from": SOON, "to": LATER}, ["Resurfacing on Bootham"]),
        ({"from": TODAY, "to": LATER}, sorted([*NOW_ON, "Resurfacing on Bootham"])),
    ],
)
def test_the_three_date_fields_filter_as_the_iso_dates_of_a_link_and_the_api_do(roadworks_app, iso, expected):
    app = roadworks_app(csv=DATED_CSV)
    pull_feed(app, "roadworks")
    client = app.test_client()
    as_link = {name: date.isoformat() for name, date in iso.items()}
    as_fields = {key: value for name, date in iso.items() for key, value in typed(name, date).items()}
    in_words = {key: value for name, date in iso.items() for key, value in typed(name, date, f"{date:%B}").items()}
    api = client.get(SEARCH + "api/items.json", query_string=as_link)
    assert api.status_code == 200 and sorted(i["title"] for i in api.json["items"]) == expected
    by_link, by_fields, by_words = (client.get(SEARCH, query_string=q).text for q in (as_link, as_fields, in_words))
    assert sorted(titles(by_fields)) == sorted(titles(by_link)) == sorted(titles(by_words)) == expected
    assert "There is a problem" not in by_link + by_fields + by_words
    fields = {key: value for name, date in iso.items() for key, value in typed(name, date).items()}
    assert {key: inputs(by_link)[key] for key in fields} == fields, "a link's dates fill the fields"
    assert {key: inputs(by_fields)[key] for key in fields} == fields, "what was typed stays"
    json_link = unescape(re.search(r'href="([^"]+)">JSON', by_fields).group(1))
    assert sorted(i["title"] for i in client.get(json_link).json["items"]) == expected, "the JSON link keeps the dates"


def test_the_date_filters_are_gov_uk_date_inputs_in_both_languages(roadworks_app):
    client = roadworks_app().test_client()
    page = client.get(SEARCH).text
    assert 'type="date"' not in page
    for name, legend in [("from", "Date from"), ("to", "Date to")]:
        group = date_group(page, name)
        assert legend in group and "For example, 27 3 2026" in group
        for part in ("day", "month", "year"):
            label = rf'<label class="govuk-label govuk-date-input__label" for="{name}-{part}">\s*{part.title()}\s*<'
            field = rf'<input\s[^>]*id="{name}-{part}" name="{name}-{part}" type="text"[^>]*inputmode="numeric"'
            assert re.search(label, group) and re.search(field, group), f"{name}-{part}"
    welsh = unescape(client.get(SEARCH, query_string={"lang": "cy"}).text)
    assert all(words in welsh for words in ("Dyddiad o", "Diwrnod", "Mis", "Blwyddyn", "Er enghraifft, 27 3 2026"))


def test_an_impossible_date_is_refused_beside_its_fields_and_nothing_else_typed_is_lost(roadworks_app):
    app = roadworks_app()
    pull_feed(app, "roadworks")
    client = app.test_client()
    others = {"q": YO31, "radius": "500", "keywords": "gas", **typed("to", SOON)}
    impossible = {"from-day": "31", "from-month": "2", "from-year": "2026"}
    answer = client.get(SEARCH, query_string={**others, **impossible, "category": "Major"})
    assert answer.status_code == 200
    page = unescape(answer.text)
    assert refused_in_words(page, "from-day", "Date from must be a real date")
    assert marked(page) == {"from-day", "from-month", "from-year"}, "31 February: the whole date is wrong"
    assert {key: inputs(page)[key] for key in {**others, **impossible}} == {**others, **impossible}
    assert '<option value="Major" selected>' in page
    assert titles(page) == ["Gas main renewal on Clarence Street"], "the other filters still apply"
    welsh = unescape(client.get(SEARCH, query_string={**others, **impossible, "lang": "cy"}).text)
    assert "Rhaid i'r dyddiad o fod yn ddyddiad go iawn" in welsh and "Date from" not in welsh


@pytest.mark.parametrize(
    "query, message, first, wrong",
    [
        ({"from-day": "27", "from-year": "2026"}, "Date from must include a month", "from-month", {"from-month"}),
        ({"to-month": "3"}, "Date to must include a day and year", "to-day", {"to-day", "to-month", "to-year"}),
        (
            {"from-day": "27", "from-month": "13", "from-year": "2026"},
            "Date from must be a real date",
            "from-month",
            {"from-month"},
        ),
        (
            typed("to", dt.date(2026, 3, 27)) | {"to-year": "26"},
            "Date to must include a year with 4 numbers",
            "to-year",
            {"to-year"},
        ),
        ({"from": "2026-02-31"}, "Date from must be a real date", "from-day", {"from-day", "from-month", "from-year"}),
        (
            typed("from", dt.date(2026, 3, 2)) | typed("to", dt.date(2026, 3, 1)),
            "Date to must be the same as or after date from",
            "to-day",
            {"to-day", "to-month", "to-year"},
        ),
    ],
    ids=["no month", "no day or year", "month 13", "two-figure year", "unreal link", "to before from"],
)
def test_each_date_problem_is_named_in_gov_uk_words_and_marks_the_fields_to_correct(
    roadworks_app, query, message, first, wrong
):
    page = unescape(roadworks_app().test_client().get(SEARCH, query_string=query).text)
    assert refused_in_words(page, first, message)
    assert marked(page) == wrong


def test_unknown_postcode_is_explained_and_an_unknown_app_is_404(roadworks_app):
    app = roadworks_app()
    client = app.test_client()
    page = client.get("/dataset-apps/roadworks/", query_string={"q": "ZZ9 9ZZ"}).text
    assert "There is a problem" in page and "We could not find the postcode ZZ9 9ZZ" in page
    assert client.get("/dataset-apps/potholes/").status_code == 404
    assert client.get("/dataset-apps/roadworks/items/999").status_code == 404


def test_item_page_shows_the_record(roadworks_app):
    app = roadworks_app()
    pull_feed(app, "roadworks")
    client = app.test_client()
    page = client.get("/dataset-apps/roadworks/").text
    link = re.search(r'href="(/dataset-apps/roadworks/items/\d+)">Gas main renewal', page).group(1)
    item = unescape(client.get(link).text)
    assert '<h1 class="govuk-heading-l">Gas main renewal on Clarence Street</h1>' in item
    assert "RW-1" in item and "Northern Gas" in item and f"By Northern Gas, {START} to {END}" in item
    follow = re.search(r'href="([^"]+)">Get alerts when this changes', item).group(1)
    form = client.get(follow).text
    assert "Gas main renewal on Clarence Street (RW-1)" in unescape(form), "the followed item is named"


def test_a_template_failing_on_one_record_is_shown_to_staff_and_residents_still_see_every_record(roadworks_app):
    csv = ROADWORKS_CSV + f"RW-4,,Pole repair,Openreach,Minor,{START},{END},460150,452350\n"
    app = roadworks_app(
        csv=csv, app={"show": {**ROADWORKS["show"], "title": "{{ record.works }} on {{ record.street.upper() }}"}}
    )
    pull_feed(app, "roadworks")
    resident = app.test_client()
    page = resident.get("/dataset-apps/roadworks/")
    assert page.status_code == 200
    assert sorted(titles(page.text)) == [
        "Carriageway patching on GILLYGATE",
        "Gas main renewal on CLARENCE STREET",
        "RW-4",
        "Water connection on HEWORTH GREEN",
    ]
    item_link = re.search(r'href="(/dataset-apps/roadworks/items/\d+)">RW-4', page.text).group(1)
    item = resident.get(item_link)
    assert item.status_code == 200 and "field template failed" not in item.text
    assert resident.get("/dataset-apps/roadworks/staff").status_code in (302, 403)
    staff = sign_in(app)
    staff_page = unescape(staff.get("/dataset-apps/roadworks/staff").text)
    assert "Records a field template fails on" in staff_page
    failing = staff_page.split("Records a field template fails on", 1)[1]
    assert "RW-4" in failing and "show.title:" in failing and "Pole repair" in failing and "Openreach" in failing
    assert "RW-1" not in failing
    assert "ok" in staff_page.lower() and "4 read, 4 new" in staff_page
    assert "field template failed on this record" in unescape(staff.get(item_link).text)


def test_a_record_without_a_street_is_not_a_template_error_when_the_template_allows_it(roadworks_app):
    csv = HEADER + f"RW-9,,Pole repair,Openreach,Minor,{START},{END},460150,452350\n"
    app = roadworks_app(csv=csv, app={"show": {**ROADWORKS["show"], "title": TITLE_IF_STREET}})
    pull_feed(app, "roadworks")
    assert titles(app.test_client().get("/dataset-apps/roadworks/").text) == ["Pole repair"]


def test_the_pages_are_welsh_for_a_welsh_reader(roadworks_app):
    app = roadworks_app()
    pull_feed(app, "roadworks")
    client = app.test_client()
    page = unescape(client.get("/dataset-apps/roadworks/", query_string={"q": YO31, "radius": 500, "lang": "cy"}).text)
    assert "Cod post neu stryd" in page and "Postcode or street" not in page
    assert "2 cofnod o fewn 500 metr i YO31 7EH." in page
    assert "Cael hysbysiadau am rai newydd yn agos i'r fan hon" in page and "ffrwd Atom" in page
    link = re.search(r'href="(/dataset-apps/roadworks/items/\d+)"', page).group(1)
    assert "Cael hysbysiadau pan fydd hyn yn newid" in unescape(client.get(link).text)
