"""The resident's report form without JavaScript, and every way it refuses bad input.

Each refusal must say what to fix next to the field and store nothing at all: no report, no photo,
no rate-limit mark.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from civicapps_street_reports.models import Delivery, Photo, Report
from flask import Flask
from sqlalchemy import func, select

from civicapps import db_session
from civicapps.limits import RateCount
from civicapps.testing import MailSink

from .conftest import (
    CHOICE_LINK,
    KNOWN_POSTCODE,
    NORTH_POINT,
    OUTSIDE_POINT,
    OVERLAP_POINT,
    SOUTH_POINT,
    csrf,
    error_next_to,
    new_report_page,
    post_report,
    report_fields,
    text_of,
)
from .images import TEXT_AS_JPEG, bomb, phone_jpeg


def counts(app: Flask) -> tuple[int, int, int]:
    """Reports, photos, and submissions counted by the rate limit (in the core's shared counts)."""
    with app.app_context():
        session = db_session()
        counted = session.scalar(select(func.coalesce(func.sum(RateCount.count), 0)))
        return (*(session.scalar(select(func.count()).select_from(m)) for m in (Report, Photo)), counted)  # type: ignore[return-value]


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def test_postcode_search_lists_nearby_streets_nearest_first(world: Flask) -> None:
    client = world.test_client()
    html = text(client.get("/street-reports/report/where?q=im1 2ab"))
    items = CHOICE_LINK.findall(html)
    labels = [label for _, label in items]
    assert labels[0] == "The middle of IM1 2AB"
    assert labels[1] == "Strand Street (22 m south)"  # its nearest point, not its middle
    assert {label.split(" (")[0] for label in labels[1:]} == {"Market Cross", "Strand Street", "Duke Street"}
    assert "Far Lane" not in html  # 6 km away
    # each choice leads to the category step at that spot
    first = items[1][0].replace("&amp;", "&")
    assert "lat=54.161000" in first and "lon=-4.495100" in first and "location_text=Strand+Street" in first


def test_street_name_search_without_a_postcode(world: Flask) -> None:
    html = text(world.test_client().get("/street-reports/report/where?q=strand"))
    assert ">Strand Street</a>" in html


def test_unknown_place_says_so(world: Flask) -> None:
    response = world.test_client().get("/street-reports/report/where?q=Nowhere Road")
    assert response.status_code == 404
    assert "We could not find &#39;Nowhere Road&#39;. Check the postcode or street name" in text(response)


def test_categories_offered_are_those_of_every_body_at_the_point(world: Flask) -> None:
    client = world.test_client()
    html = text(client.get(new_report_page(*OVERLAP_POINT)))
    assert re.findall(r'name="category" type="radio" value="([^"]+)"', html) == [
        "Abandoned needles",
        "Fly-tipping",
        "Street lighting",
        "Potholes",
    ]  # ungrouped first, then Roads
    assert 'Reports here go to: <span translate="no">County Council, North Borough Council</span>.' in html
    south = text(client.get(new_report_page(*SOUTH_POINT)))
    assert re.findall(r'name="category" type="radio" value="([^"]+)"', south) == ["Graffiti", "Potholes"]


def test_a_point_outside_every_area_is_refused_before_any_form(world: Flask) -> None:
    response = world.test_client().get(new_report_page(*OUTSIDE_POINT))
    assert response.status_code == 422
    assert "That place is outside the areas this service covers" in text(response)


def test_chosen_category_shows_its_questions_and_where_it_goes(world: Flask) -> None:
    html = text(world.test_client().get(new_report_page(*OVERLAP_POINT, "Potholes")))
    assert 'Your report will be sent to: <strong translate="no">County Council, North Borough Council</strong>.' in html
    assert re.search(
        r'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">\s*How deep is it\?\s*</legend>', html
    )
    assert re.search(r'name="extra_depth" type="radio" value="deep"', html)
    assert re.search(
        r'<label class="govuk-label govuk-label--s" for="extra_lane">\s*Which lane\? \(optional\)\s*</label>', html
    )
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token"' in html


def test_missing_fields_and_a_missing_required_question_are_shown_next_to_each_field(world: Flask) -> None:
    client = world.test_client()
    response = post_report(client, title="", email="not-an-email", extra_depth=None)
    assert response.status_code == 400
    html = text(response)
    assert error_next_to(html, "title") == "Enter a short summary of the problem"
    assert error_next_to(html, "email") == "Enter an email address in the correct format, like name@example.com"
    assert error_next_to(html, "extra_depth") == "Answer &#39;How deep is it?&#39;"
    assert '<a href="#extra_depth">' in html  # the error summary links to the field
    assert 'value="About 30 cm across, by the bus stop."' not in html  # (a textarea keeps its text inside)
    assert ">About 30 cm across, by the bus stop.</textarea>" in html  # what was typed is kept
    assert counts(world) == (0, 0, 0)


def test_a_wrong_answer_to_a_list_question_is_refused(world: Flask) -> None:
    response = post_report(world.test_client(), extra_depth="bottomless")
    assert error_next_to(text(response), "extra_depth") == "Choose one of the options for &#39;How deep is it?&#39;"


def test_a_category_that_needs_a_photo_says_so(world: Flask) -> None:
    response = post_report(world.test_client(), category="Street lighting", title="Light out")
    assert error_next_to(text(response), "photos") == "Add a photo of the problem: this category needs one"


def photo_upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(data), name


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (TEXT_AS_JPEG, "pothole.jpg", "Pothole.jpg is not a photo we can read; choose a JPEG, PNG or WebP image"),
        (bomb(), "bomb.png", "Bomb.png is"),
        (b"\xff\xd8" + b"0" * 2_100_000, "huge.jpg", "Huge.jpg is 2.0 MB; photos must be 2 MB or smaller"),
    ],
    ids=["text-renamed-jpg", "decompression-bomb", "oversized"],
)
def test_bad_photos_are_refused_and_nothing_is_stored(
    civic_app_factory: Any, app_config: dict[str, Any], tmp_path: Any, data: bytes, name: str, message: str
) -> None:
    from . import conftest

    app_config["plugins"]["street_reports"]["max_photo_bytes"] = 2 * 1024 * 1024
    app = civic_app_factory(plugins=[conftest.PLUGIN], config=app_config)
    conftest.load_world(app, tmp_path)
    client = app.test_client()
    good = photo_upload(phone_jpeg(), "fine.jpg")
    response = post_report(client, photos=[good, photo_upload(data, name)])
    assert response.status_code == 400
    assert error_next_to(text(response), "photos").startswith(message)
    assert counts(app) == (0, 0, 0)


def test_more_photos_than_allowed_are_refused(world: Flask) -> None:
    photos = [photo_upload(phone_jpeg(), f"{n}.jpg") for n in range(4)]
    response = post_report(world.test_client(), photos=photos)
    assert error_next_to(text(response), "photos") == "Choose up to 3 photos"


def test_a_point_outside_every_area_is_refused_on_submit_too(world: Flask) -> None:
    client = world.test_client()
    token = csrf(client, new_report_page(*NORTH_POINT, "Potholes"))
    data = report_fields(*OUTSIDE_POINT)
    response = client.post("/street-reports/report/new", data={"csrf_token": token, **data})
    assert response.status_code == 400
    assert "That place is outside the areas this service covers" in text(response)
    assert counts(world) == (0, 0, 0)


def test_a_category_not_offered_at_the_point_is_refused(world: Flask) -> None:
    response = post_report(world.test_client(), *SOUTH_POINT, category="Street lighting")
    assert response.status_code == 400
    assert counts(world) == (0, 0, 0)


def test_a_forged_csrf_token_is_refused(world: Flask) -> None:
    client = world.test_client()
    client.get(new_report_page(*NORTH_POINT, "Potholes"))  # a session exists, but the token is made up
    response = client.post("/street-reports/report/new", data={"csrf_token": "forged", **report_fields(*NORTH_POINT)})
    assert response.status_code == 400
    assert "The form had expired or was sent from another site" in text(response)
    other = world.test_client()  # a real token, but from another visitor's session
    response = other.post(
        "/street-reports/report/new",
        data={"csrf_token": csrf(client, new_report_page(*NORTH_POINT, "Potholes")), **report_fields(*NORTH_POINT)},
    )
    assert response.status_code == 400
    assert counts(world) == (0, 0, 0)


def test_a_burst_of_100_reports_from_one_address_is_refused_after_the_limit(world: Flask) -> None:
    client = world.test_client()
    token = csrf(client, new_report_page(*NORTH_POINT, "Fly-tipping"))
    statuses = []
    for number in range(100):
        data = report_fields(
            *NORTH_POINT,
            category="Fly-tipping",
            title=f"Dumped sofa {number}",
            anonymous="yes",
            name="",
            email="",
            extra_depth=None,
        )
        statuses.append(client.post("/street-reports/report/new", data={"csrf_token": token, **data}).status_code)
    assert statuses[:10] == [302] * 10  # anonymous fly-tipping needs no confirmation email
    assert statuses[10:] == [429] * 90
    last = client.post("/street-reports/report/new", data={"csrf_token": token, **report_fields(*NORTH_POINT)})
    assert "You have sent a lot of reports from this connection in the last hour" in text(last)
    assert counts(world) == (10, 0, 10)
    # another address is not affected
    other = world.test_client()
    data = report_fields(*NORTH_POINT, category="Fly-tipping", anonymous="yes", name="", email="", extra_depth=None)
    token = csrf(other, new_report_page(*NORTH_POINT, "Fly-tipping"))
    response = other.post(
        "/street-reports/report/new", data={"csrf_token": token, **data}, environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert response.status_code == 302


def test_anonymous_is_refused_where_the_category_does_not_allow_it(world: Flask) -> None:
    response = post_report(world.test_client(), anonymous="yes", name="", email="")
    assert error_next_to(text(response), "anonymous") == (
        "This category cannot be reported anonymously; give your name and email"
    )


def test_anonymous_report_is_public_at_once_and_kept_for_staff(world: Flask) -> None:
    response = post_report(
        world.test_client(),
        category="Fly-tipping",
        title="Mattress",
        anonymous="yes",
        name="",
        email="",
        extra_depth=None,
    )
    assert response.status_code == 302 and "/street-reports/reports/1" in response.headers["Location"]
    with world.app_context():
        report = db_session().get(Report, 1)
        assert (report.status, report.email, report.name, report.anonymous) == ("open", None, None, True)
        delivery = db_session().scalars(select(Delivery)).one()
        assert (delivery.method, delivery.state) == ("none", "kept")


def test_postcode_field_is_on_the_front_page_and_leads_to_the_place(world: Flask) -> None:
    html = text(world.test_client().get("/street-reports/"))
    assert 'action="/street-reports/report/where"' in html and 'name="q"' in html
    assert KNOWN_POSTCODE[0]  # used in the search test above


@pytest.mark.parametrize("email", ["first..last@example.org", "name@-council-.example.org", "name@example..org"])
def test_an_address_mail_servers_would_refuse_is_refused_like_any_other(world: Flask, email: str) -> None:
    """Addresses are checked by email-validator (civicapps.normalise_email), not a regular expression that
    let these through and left the confirmation link undeliverable."""
    response = post_report(world.test_client(), email=email)
    assert response.status_code == 400
    expected = "Enter an email address in the correct format, like name@example.com"
    assert error_next_to(text(response), "email") == expected


def test_a_report_sent_from_a_welsh_page_is_refused_and_confirmed_in_welsh(
    world: Flask, civic_mail_sink: MailSink
) -> None:
    client = world.test_client()
    client.get("/street-reports/?lang=cy")  # the choice is remembered
    refused = text(post_report(client, title=""))
    assert error_next_to(refused, "title") == "Rhowch grynodeb byr o&#39;r broblem"
    assert '<span class="govuk-visually-hidden">Gwall:</span>' in refused
    assert post_report(client).status_code == 302
    [mail] = civic_mail_sink.wait_for(1)
    assert mail["Subject"] == "Cadarnhewch eich adroddiad: Deep pothole"
    assert "Diolch am roi gwybod am broblem: Deep pothole (Potholes)." in text_of(mail)
