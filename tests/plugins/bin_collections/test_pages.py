"""Residents' pages: postcode, address, this week's bins, the next weeks, printable calendar, .ics."""

from __future__ import annotations

import datetime as dt
import re

import icalendar


def test_postcode_then_address_then_collections_without_javascript(loaded_app, set_now):
    app = loaded_app()
    set_now("2027-03-22 07:00")  # a Monday, recycling day; Easter Monday is next week
    client = app.test_client()
    page = client.get("/bin-collections/?postcode=yo31+7ew")
    assert page.status_code == 200
    assert re.findall(r'name="uprn" type="radio" value="(\d+)"', page.text) == [
        "100050535001",
        "100050535002",
        "100050535003",
    ]
    page = client.get("/bin-collections/address?uprn=100050535001")
    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "Bin collections for 1 Clarence Street, York" in text
    assert "Garden waste Friday 2 April" in text
    assert (
        "General waste Tuesday 30 March. Moved from Monday 29 March to Tuesday 30 March because of Easter Monday"
        in text
    )
    assert text.count("This week") == 1 and "Monday 22 March This week Recycling" in text
    assert "Friday 26 March" not in text, "no garden waste collection that week"
    rows = re.findall(r"<tr class=\"govuk-table__row\">", page.text)
    assert len(rows) == 1 + 4 + 4 + 2, "head, fortnightly x2 over 8 weeks, 4-weekly x2"


def test_unknown_postcode_and_bad_postcode_are_explained(loaded_app):
    client = loaded_app().test_client()
    page = client.get("/bin-collections/?postcode=nonsense")
    assert page.status_code == 400 and "Enter a full postcode, like YO1 7HH" in page.text
    page = client.get("/bin-collections/?postcode=SW1A+1AA")
    assert page.status_code == 400 and "We have no addresses for SW1A 1AA" in page.text
    assert client.get("/bin-collections/address/999").status_code == 404


def test_printable_calendar_and_ics_feed(loaded_app, set_now):
    app = loaded_app()
    set_now("2027-01-01 12:00")
    client = app.test_client()
    page = client.get("/bin-collections/address/100050600001/calendar")
    assert page.status_code == 200
    # 52 weeks from Monday 28 December 2026: R1 26 times, R2 26 (28 Dec 2026 to 13 Dec 2027), R4 13 less
    # the one cancelled on 15 December, and the heading row
    assert page.text.count('<tr class="govuk-table__row">') == 1 + 26 + 26 + 12
    feed = client.get("/bin-collections/address/100050600001/collections.ics")
    assert feed.mimetype == "text/calendar"
    events = list(icalendar.Calendar.from_ical(feed.data).walk("VEVENT"))
    days = {(str(e["summary"]), e.decoded("dtstart")) for e in events}
    assert ("Glass collection", dt.date(2027, 12, 15)) not in days
    assert ("Recycling collection", dt.date(2027, 5, 4)) in days


def test_the_pages_are_in_welsh_from_the_plugins_own_catalogue(loaded_app, set_now):
    app = loaded_app()
    set_now("2027-03-22 07:00")
    page = app.test_client().get("/bin-collections/address/100050535001?lang=cy")
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "Casgliadau biniau ar gyfer 1 Clarence Street, York" in text
    assert "Wedi symud o Dydd Llun 29 Mawrth i Dydd Mawrth 30 Mawrth oherwydd Easter Monday" in text
    assert "Yr wythnos hon" in text
