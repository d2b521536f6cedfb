"""One pydantic model per API both validates its query string and lists its OpenAPI parameters."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel, Field, model_validator
from werkzeug.datastructures import MultiDict

from civicapps import QueryError, openapi_parameters, read_query


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class NearQuery(BaseModel):
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False, description="Latitude, with lon.")
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False, description="Longitude, with lat.")
    status: Status = Field(Status.OPEN, description="Which reports.")
    page: int = Field(1, ge=1, description="Page number, from 1.")
    q: str = Field(description="What to look for.", examples=["pothole"])

    @model_validator(mode="after")
    def _together(self) -> NearQuery:
        if (self.lat is None) != (self.lon is None):
            raise QueryError("lon" if self.lon is None else "lat", "lat and lon go together")
        return self


def test_read_query_validates_and_converts():
    query = read_query(NearQuery, MultiDict({"q": "hole", "lat": "51.5", "lon": "-0.1", "page": "3", "x": "1"}))
    assert (query.q, query.lat, query.lon, query.status, query.page) == ("hole", 51.5, -0.1, Status.OPEN, 3)


def test_empty_values_count_as_absent():
    query = read_query(NearQuery, MultiDict({"q": "hole", "lat": "", "lon": "", "page": ""}))
    assert (query.lat, query.lon, query.page) == (None, None, 1)


@pytest.mark.parametrize(
    "args, parameter",
    [
        ({"q": "hole", "lat": "91", "lon": "0"}, "lat"),
        ({"q": "hole", "lat": "nan", "lon": "0"}, "lat"),
        ({"q": "hole", "page": "0"}, "page"),
        ({"q": "hole", "status": "lost"}, "status"),
        ({}, "q"),
    ],
)
def test_an_invalid_field_is_named(args: dict[str, str], parameter: str):
    with pytest.raises(QueryError) as raised:
        read_query(NearQuery, MultiDict(args))
    assert raised.value.parameter == parameter
    assert str(raised.value).startswith(f"{parameter}: ")


@pytest.mark.parametrize(
    "args, english, welsh",
    [
        ({}, "q: this parameter is required", "q: mae angen y paramedr hwn"),
        ({"q": "hole", "page": "two"}, "page: must be a whole number", "page: rhaid iddo fod yn rhif cyfan"),
        ({"q": "hole", "lat": "north", "lon": "0"}, "lat: must be a number", "lat: rhaid iddo fod yn rhif"),
        ({"q": "hole", "page": "0"}, "page: must be 1 or more", "page: rhaid iddo fod yn 1 neu fwy"),
        ({"q": "hole", "lat": "91", "lon": "0"}, "lat: must be 90 or less", "lat: rhaid iddo fod yn 90 neu lai"),
        (
            {"q": "hole", "status": "lost"},
            "status: must be one of 'open', 'closed'",
            "status: rhaid iddo fod yn un o 'open', 'closed'",
        ),
        (
            {"q": "hole", "since": "last week"},
            "since: must be a date like 2027-03-31",
            "since: rhaid iddo fod yn ddyddiad fel 2027-03-31",
        ),
    ],
)
def test_an_invalid_field_is_explained_in_the_language_of_the_request(civic_app, args, english, welsh):
    """A client (or a resident on a page that reads its query) gets the words in its language, as pages do."""

    class Dated(NearQuery):
        since: date | None = None

    for query_string, expected in (("", english), ("?lang=cy", welsh)):
        with civic_app.test_request_context(f"/api/things{query_string}"), pytest.raises(QueryError) as raised:
            read_query(Dated, MultiDict(args))
        assert str(raised.value) == expected
    with civic_app.test_request_context("/api/things", headers={"Accept-Language": "cy"}):
        with pytest.raises(QueryError, match=welsh):
            read_query(Dated, MultiDict(args))


def test_an_uncommon_error_keeps_pydantics_english_words(civic_app):
    class Short(BaseModel):
        code: str = Field(max_length=3)

    with civic_app.test_request_context("/api/things?lang=cy"), pytest.raises(QueryError) as raised:
        read_query(Short, MultiDict({"code": "ABCD"}))
    assert str(raised.value) == "code: String should have at most 3 characters"


def test_a_rule_across_parameters_names_its_own_parameter():
    with pytest.raises(QueryError) as raised:
        read_query(NearQuery, MultiDict({"q": "hole", "lat": "51.5"}))
    assert (raised.value.parameter, str(raised.value)) == ("lon", "lat and lon go together")


def test_openapi_parameters_describe_the_fields():
    parameters = {p["name"]: p for p in openapi_parameters(NearQuery)}
    assert list(parameters) == ["lat", "lon", "status", "page", "q"]
    assert parameters["lat"] == {
        "name": "lat",
        "in": "query",
        "required": False,
        "description": "Latitude, with lon.",
        "schema": {"type": "number", "minimum": -90, "maximum": 90},
    }
    assert parameters["status"]["schema"] == {"type": "string", "enum": ["open", "closed"], "default": "open"}
    assert parameters["page"]["schema"] == {"type": "integer", "minimum": 1, "default": 1}
    assert parameters["q"]["required"] is True and parameters["q"]["schema"]["examples"] == ["pothole"]


def test_the_parameters_make_a_valid_openapi_document():
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Near", "version": "1"},
        "paths": {
            "/near.json": {
                "get": {"parameters": openapi_parameters(NearQuery), "responses": {"200": {"description": "ok"}}}
            }
        },
    }
    validate(document)
