"""The API's query parameters and answers as pydantic models: one source for checking a request and for
the OpenAPI document (:mod:`.openapi`), so the description cannot drift from what the API does.

The radius bounds and the page size are the deployment's settings, so the query models a request is
checked against are made per settings (:func:`area_query`, :func:`search_query`).
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from typing import Annotated, Any, Literal, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    create_model,
    model_validator,
)

from civicapps import QueryError
from civicapps_planning_alerts.settings import Settings

MAX_PER_PAGE = 500
BBOX_HELP = "bbox must be min_lng,min_lat,max_lng,max_lat in degrees, minimums first"


def _bbox(text: Any) -> tuple[float, float, float, float]:
    try:
        values = tuple(float(part) for part in str(text).split(","))
    except ValueError:
        values = ()
    if (
        len(values) != 4
        or not all(math.isfinite(v) for v in values)
        or not (-180 <= values[0] < values[2] <= 180 and -90 <= values[1] < values[3] <= 90)
    ):
        raise ValueError(BBOX_HELP)
    min_lng, min_lat, max_lng, max_lat = values
    return min_lng, min_lat, max_lng, max_lat


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


#: ``min_lng,min_lat,max_lng,max_lat``: one query parameter, so described as the string it is.
BBox = Annotated[
    tuple[float, float, float, float],
    PlainValidator(_bbox),
    WithJsonSchema({"type": "string", "examples": ["-0.15,51.49,-0.11,51.51"]}),
]
Since = Annotated[dt.datetime, AfterValidator(_utc)]


class AreaQuery(BaseModel):
    """Where and what to search: a postcode or a point with a radius, or a box; a council; a start date."""

    postcode: str | None = Field(None, description="UK postcode to search around (with radius).", examples=["SW1A 1AA"])
    lat: float | None = Field(
        None, ge=-90, le=90, allow_inf_nan=False, description="Latitude (WGS84) to search around, with lng and radius."
    )
    lng: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False, description="Longitude (WGS84), with lat.")
    radius: float | None = Field(None, gt=0, allow_inf_nan=False, description="Metres around postcode or lat/lng.")
    bbox: BBox | None = Field(None, description="min_lng,min_lat,max_lng,max_lat in degrees.")
    authority: str | None = Field(None, description="Only this council's applications (case-insensitive).")
    since: Since | None = Field(
        None, description="Only applications first seen at or after this date or time (ISO 8601; UTC if no offset)."
    )

    @model_validator(mode="after")
    def _one_place(self) -> AreaQuery:
        if (self.lat is None) != (self.lng is None):
            raise QueryError("lat" if self.lat is None else "lng", "lat and lng go together")
        if self.postcode and self.lat is not None:
            raise QueryError("postcode", "give postcode or lat/lng, not both")
        if self.radius is not None and not self.postcode and self.lat is None:
            raise QueryError("radius", "radius needs postcode or lat and lng")
        return self


class SearchQuery(AreaQuery):
    """An area search, one page at a time."""

    page: int = Field(1, ge=1, le=1_000_000, description="Page number, from 1.")
    per_page: int = Field(50, ge=1, le=MAX_PER_PAGE, description="Applications per page.")


def area_query(settings: Settings) -> type[AreaQuery]:
    """:class:`AreaQuery` with this deployment's radius bounds and default."""
    return _with_settings(AreaQuery, settings.min_radius_m, settings.max_radius_m, settings.default_radius_m, None)


def search_query(settings: Settings) -> type[SearchQuery]:
    """:class:`SearchQuery` with this deployment's radius bounds and default, and its page size."""
    model = _with_settings(
        SearchQuery, settings.min_radius_m, settings.max_radius_m, settings.default_radius_m, settings.page_size
    )
    return cast(type[SearchQuery], model)  # made with SearchQuery as its base


@lru_cache(maxsize=32)
def _with_settings(
    base: type[AreaQuery], low: int, high: int, default: int, page_size: int | None
) -> type[AreaQuery]:
    # Made once per distinct settings (a pydantic model is costly to build), not per request.
    fields: dict[str, Any] = {
        "radius": (
            float | None,
            Field(
                None,
                ge=low,
                le=high,
                allow_inf_nan=False,
                description=f"Metres around postcode or lat/lng (default {default}).",
            ),
        )
    }
    if page_size is not None:
        fields["per_page"] = (
            int,
            Field(page_size, ge=1, le=MAX_PER_PAGE, description=SearchQuery.model_fields["per_page"].description),
        )
    return create_model(base.__name__, __base__=base, __doc__=base.__doc__, **fields)


class Application(BaseModel):
    """One application as the JSON search gives it (GeoJSON: the same, less lat and lng, as properties)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    authority: str
    reference: str
    description: str
    address: str | None
    postcode: str | None
    local_area: str | None
    application_type: str | None
    status: str | None
    decision: str | None
    decision_date: dt.date | None
    date_received: dt.date | None
    date_validated: dt.date | None
    consultation_end: dt.date | None
    info_url: str | None = Field(description="the council's page for it (http or https only)")
    comment_url: str | None = Field(description="where to comment on it (http or https only)")
    first_seen_at: dt.datetime = Field(description="when this site first saw it: the alert clock")
    last_changed_at: dt.datetime
    version: int | str | None
    lat: float | None
    lng: float | None
    distance_m: int | None = Field(None, description="metres from the searched point (radius searches only)")
    url: str = Field(description="the application's page here", json_schema_extra={"format": "uri"})


class SearchPage(BaseModel):
    """One page of a JSON search."""

    query: dict[str, Any] = Field(description="the search as understood (a postcode tidied, the radius used)")
    total: int
    page: int
    per_page: int
    links: dict[str, str] = Field(description="self, and next and prev where there are such pages")
    applications: list[Application]


class Point(BaseModel):
    type: Literal["Point"]
    coordinates: tuple[float, float] = Field(description="longitude, latitude")


class Feature(BaseModel):
    type: Literal["Feature"]
    id: int
    geometry: Point | None
    properties: dict[str, Any] = Field(description="as an application in the JSON search, without lat and lng")


class FeatureCollection(BaseModel):
    """One page of a GeoJSON search."""

    type: Literal["FeatureCollection"]
    query: dict[str, Any]
    total: int
    links: dict[str, str]
    features: list[Feature]


class Problem(BaseModel):
    """A parameter is wrong: ``parameter`` names it and ``detail`` says how to fix it."""

    error: str
    parameter: str | None = Field(
        None, description="absent when the host refused the request before the API read it (a NUL character)"
    )
    detail: str
    status: int
