"""The JSON API: addresses in a postcode, an address's next collections, and its OpenAPI 3.1 description.

Answers are built from the pydantic models below, and the description from the same models, so what
is described is what is answered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import request
from pydantic import BaseModel, Field

from civicapps import QueryError, base_url, error_response, openapi_parameters, postcode_in, read_query
from civicapps_bin_collections import clock
from civicapps_bin_collections.disruptions import current_notices
from civicapps_bin_collections.settings import current_settings
from civicapps_bin_collections.store import address, addresses_in, pickups, round_ids
from civicapps_bin_collections.web import bp

REF = "#/components/schemas/{model}"


class AddressesQuery(BaseModel):
    postcode: str = Field(description="A full UK postcode, like YO1 7HH.", min_length=5, max_length=10)


class AddressOut(BaseModel):
    uprn: str = Field(description="Unique Property Reference Number")
    address: str
    postcode: str


class Addresses(BaseModel):
    """The addresses we know in a postcode."""

    postcode: str
    addresses: list[AddressOut]


class CollectionOut(BaseModel):
    date: dt.date
    bin: str = Field(description="The bin in the council's words")
    colour: str | None
    round: str = Field(description="The council's round id")
    moved_from: dt.date | None = Field(description="The usual date, when this collection was moved")
    reason: str | None = Field(description="Why it was moved, e.g. a bank holiday")


class Collections(BaseModel):
    """An address's collections for the weeks ahead, soonest first, and current disruption notices."""

    uprn: str
    address: str
    collections: list[CollectionOut]
    notices: list[str]


class Problem(BaseModel):
    """What was wrong with the request."""

    error: str
    detail: str | None = None
    status: int


@bp.get("/api/addresses.json")
def api_addresses() -> Any:
    try:
        query = read_query(AddressesQuery, request.args)
    except QueryError as exc:
        return error_response(400, str(exc))
    postcode = postcode_in(query.postcode)
    if postcode is None:
        return error_response(400, "postcode: enter a full UK postcode, like YO1 7HH")
    found = [AddressOut(uprn=a.reference, address=a.address, postcode=a.postcode) for a in addresses_in(postcode)]
    return Addresses(postcode=postcode, addresses=found).model_dump(mode="json")


@bp.get("/api/addresses/<uprn>.json")
def api_collections(uprn: str) -> Any:
    found = address(uprn)
    if found is None:
        return error_response(404, "There is no address with that UPRN.")
    today = clock.today()
    ids = round_ids(found.rounds)
    upcoming = pickups(ids, today, today + dt.timedelta(weeks=current_settings().weeks_shown))
    answer = Collections(
        uprn=found.reference,
        address=found.address,
        collections=[
            CollectionOut(
                date=p.day,
                bin=p.round.bin,
                colour=p.round.colour,
                round=p.round.reference,
                moved_from=p.collection.moved_from,
                reason=p.collection.reason or None,
            )
            for p in upcoming
        ],
        notices=[n.message for n in current_notices(ids, today)],
    )
    return answer.model_dump(mode="json")


@bp.get("/api/openapi.json")
def api_openapi() -> Any:
    return openapi(base_url() + "/bin-collections")


def openapi(server: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the API at ``server``."""
    schemas: dict[str, Any] = {}

    def body(model: type[BaseModel], description: str) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template=REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
        return {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}},
        }

    problem = body(Problem, Problem.__doc__ or "")
    uprn = [
        {
            "name": "uprn",
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "description": "The address's UPRN",
        }
    ]
    paths = {
        "/api/addresses.json": {
            "get": {
                "summary": "Addresses in a postcode",
                "parameters": openapi_parameters(AddressesQuery),
                "responses": {"200": body(Addresses, Addresses.__doc__ or ""), "400": problem},
            }
        },
        "/api/addresses/{uprn}.json": {
            "get": {
                "summary": "An address's next collections",
                "parameters": uprn,
                "responses": {"200": body(Collections, Collections.__doc__ or ""), "404": problem},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Bin collections", "version": "1", "description": "Bin collection days by address."},
        "servers": [{"url": server}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
