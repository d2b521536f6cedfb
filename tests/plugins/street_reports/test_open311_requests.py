"""Open311 ``requests`` at speed, answering what it did before: the bodies compared with the previous
implementation's (kept below as the reference), ETag and 304, and paging with ``page``/``page_size``."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

import pytest
from civicapps_street_reports import lifecycle, states
from civicapps_street_reports.georeport import ITEM_NAMES, w3c
from civicapps_street_reports.models import Body, Category, Delivery, Photo, Report, Update
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from civicapps import Actor, db_session, external_url

from .conftest import NORTH_POINT, OVERLAP_POINT
from .test_open311_server import API, create

# The previous implementation, as it was before this change: ORM objects, Python datetimes,
# ElementTree and json.dumps. The new answers must say exactly what these say.


def _old_element(parent: ElementTree.Element, name: str, value: Any) -> None:
    node = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, child in value.items():
            _old_element(node, key, child)
    elif isinstance(value, list):
        for child in value:
            _old_element(node, ITEM_NAMES.get(name, "item"), child)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    else:
        node.text = "" if value is None else str(value)


def old_xml(root: str, value: list[Any]) -> bytes:
    tree = ElementTree.Element(root)
    for item in value:
        _old_element(tree, ITEM_NAMES[root], item)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
        tree, encoding="utf-8", xml_declaration=False
    )


def old_request(report: Report) -> dict[str, Any]:
    """One request as the previous ``open311_server.request_dict`` built it from the ORM."""
    session = db_session()
    codes = dict(session.execute(select(Category.name, Category.service_code)).all())
    agencies = session.scalars(
        select(Body.name).join(Delivery).where(Delivery.report_id == report.id).order_by(Body.name)
    ).all()
    photos = session.scalars(
        select(Photo.id)
        .where(Photo.report_id == report.id, Photo.update_id.is_(None), Photo.redacted.is_(False))
        .order_by(Photo.position.desc())
    ).all()
    notes = session.scalars(
        select(Update.text)
        .where(
            Update.report_id == report.id,
            Update.state == "confirmed",
            Update.role.in_(("staff", "body")),
            Update.text != "",
        )
        .order_by(Update.id)
    ).all()
    requested = w3c(report.confirmed_at or report.created_at)
    return {
        "service_request_id": str(report.id),
        "status": states.open311_status(report.status),
        "status_notes": notes[-1] if notes else None,
        "service_name": report.category,
        "service_code": codes.get(report.category, report.category),
        "description": report.details,
        "agency_responsible": ", ".join(agencies) or None,
        "service_notice": None,
        "requested_datetime": requested,
        "updated_datetime": w3c(report.updated_at) if report.updated_at else requested,
        "expected_datetime": None,
        "address": report.location_text or None,
        "address_id": None,
        "zipcode": None,
        "lat": report.lat,
        "long": report.lon,
        "media_url": external_url("street_reports.photo", photo_id=photos[-1]) if photos else None,
    }


def add_photo(report_id: int, position: int, redacted: bool = False) -> None:
    db_session().add(
        Photo(
            report_id=report_id,
            position=position,
            content_type="image/jpeg",
            data=b"jpeg",
            thumbnail=b"jpeg",
            width=1,
            height=1,
            sha256="0" * 64,
            redacted=redacted,
        )
    )


@pytest.fixture
def fixture_set(world: Flask) -> list[str]:
    """Reports exercising every field: two bodies, staff notes, photos (one redacted), an address,
    text that XML must escape and non-ASCII text; newest first."""
    client = world.test_client()
    ids = [
        create(client, description="Plain bags").get_json()[0]["service_request_id"],
        create(
            client, description='Sofa <b>&amp;</b> "chairs" > 3 & more\nCafé ☕ — Heol y Frenhines', email=None
        ).get_json()[0]["service_request_id"],
        create(
            client,
            service_code="POTHOLES",
            lat=str(OVERLAP_POINT[0]),
            long=str(OVERLAP_POINT[1]),
            address_string="By the Market Cross",
            **{"attribute[depth]": "deep"},
        ).get_json()[0]["service_request_id"],
        create(client, lat=str(NORTH_POINT[0]), long=str(NORTH_POINT[1])).get_json()[0]["service_request_id"],
    ]
    staff = Actor("s1", "Sam Staff", "staff")
    with world.app_context():
        first, _, overlap, last = (db_session().get(Report, int(i)) for i in ids)
        lifecycle.staff_update(first, staff, "investigating", "Looking into it.")
        lifecycle.staff_update(first, staff, "fixed", "Cleared <today> & tidied.")
        lifecycle.staff_update(overlap, staff, "in_progress", "")
        add_photo(overlap.id, position=1)
        add_photo(overlap.id, position=0)
        add_photo(last.id, position=0, redacted=True)
        db_session().commit()
    return list(reversed(ids))


def test_requests_say_what_the_previous_implementation_said(world: Flask, fixture_set: list[str]) -> None:
    client = world.test_client()
    with world.app_context():
        expected = [old_request(db_session().get(Report, int(i))) for i in fixture_set]
    assert len({r["agency_responsible"] for r in expected}) > 1 and any(r["media_url"] for r in expected)
    assert any(r["status_notes"] for r in expected) and any("," in (r["agency_responsible"] or "") for r in expected)
    for path in ("requests", f"requests/{fixture_set[1]}"):
        wanted = expected if path == "requests" else [expected[1]]
        as_json = client.get(f"{API}/{path}.json")
        as_xml = client.get(f"{API}/{path}.xml")
        assert json.loads(as_json.data) == wanted
        assert as_xml.data == old_xml("service_requests", wanted)  # byte for byte: escaping and shape


def test_empty_and_nested_documents_are_written_as_elementtree_wrote_them(world: Flask) -> None:
    client = world.test_client()
    assert client.get(f"{API}/requests.xml", query_string={"service_code": "GRAFFITI"}).data == old_xml(
        "service_requests", []
    )
    definition = client.get(f"{API}/services/POTHOLES.json").get_json()
    tree = ElementTree.Element("service_definition")
    for key, child in definition.items():
        _old_element(tree, key, child)
    expected = b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(tree, encoding="utf-8")
    assert client.get(f"{API}/services/POTHOLES.xml").data == expected


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unchanged_answer_is_a_304_and_a_changed_one_is_not(world: Flask, fixture_set: list[str], fmt: str) -> None:
    client: FlaskClient = world.test_client()
    first = client.get(f"{API}/requests.{fmt}")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    again = client.get(f"{API}/requests.{fmt}", headers={"If-None-Match": etag})
    assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", etag)
    assert client.get(f"{API}/requests.{fmt}", headers={"If-None-Match": '"other"'}).status_code == 200
    other_format = client.get(f"{API}/requests.{'xml' if fmt == 'json' else 'json'}").headers["ETag"]
    assert other_format != etag
    with world.app_context():
        lifecycle.staff_update(
            db_session().get(Report, int(fixture_set[0])), Actor("s1", "Sam Staff", "staff"), "closed", "A new note."
        )
        db_session().commit()
    changed = client.get(f"{API}/requests.{fmt}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and b"A new note." in changed.data


def test_errors_and_posts_carry_no_etag(world: Flask) -> None:
    client = world.test_client()
    assert "ETag" not in client.get(f"{API}/requests/99999.json").headers
    assert "ETag" not in create(client).headers


def test_pages_walk_the_window_newest_first_without_gaps_or_repeats(world: Flask, fixture_set: list[str]) -> None:
    client = world.test_client()
    whole = [r["service_request_id"] for r in client.get(f"{API}/requests.json").get_json()]
    assert whole == fixture_set
    pages = [
        [r["service_request_id"] for r in client.get(f"{API}/requests.json?page={n}&page_size=3").get_json()]
        for n in (1, 2, 3)
    ]
    assert pages == [whole[:3], whole[3:], []]
    xml = ElementTree.fromstring(client.get(f"{API}/requests.xml?page=2&page_size=3").data)
    assert [r.findtext("service_request_id") for r in xml] == whole[3:]
    assert (
        client.get(f"{API}/requests.json?page=&page_size=").get_json() == client.get(f"{API}/requests.json").get_json()
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=0", "page must be a whole number from 1"),
        ("page=two", "page must be a whole number"),
        ("page_size=0", "page_size must be a whole number from 1 to 1000"),
        ("page_size=1001", "page_size must be a whole number from 1 to 1000"),
        ("page_size=-5", "page_size must be a whole number"),
    ],
)
def test_bad_paging_is_a_400_in_the_spec_error_format(world: Flask, query: str, message: str) -> None:
    answer = world.test_client().get(f"{API}/requests.json?{query}")
    assert (answer.status_code, answer.get_json()) == (400, [{"code": 400, "description": message}])
