"""The search parameters every list of an app takes (page, JSON, GeoJSON, Atom), read with the core's
``read_query`` so the page and the APIs refuse the same things in the same words, and described to
OpenAPI from the same model."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civicapps import QueryError


class Search(BaseModel):
    """Where and what: a place (postcode or street, or coordinates) within a radius, and the filters."""

    model_config = ConfigDict(populate_by_name=True)

    q: str | None = Field(None, max_length=200, description="a postcode or street name", examples=["YO1 7HH"])
    lat: float | None = Field(None, ge=-90, le=90, description="latitude (WGS84) of the place, with lon")
    lon: float | None = Field(None, ge=-180, le=180, description="longitude (WGS84) of the place, with lat")
    radius: int | None = Field(None, ge=50, le=5000, description="metres around the place (default: the app's)")
    category: str | None = Field(None, max_length=200, description="only records in this category")
    keywords: str | None = Field(None, max_length=200, description="only records with all these words")
    date_from: dt.date | None = Field(None, alias="from", description="only records ending on or after this date")
    date_to: dt.date | None = Field(None, alias="to", description="only records starting on or before this date")

    @model_validator(mode="after")
    def _both_coordinates(self) -> Search:
        if (self.lat is None) != (self.lon is None):
            raise QueryError("lat" if self.lat is None else "lon", "lat and lon: give both, or neither")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QueryError("to", "to: must be on or after from")
        return self
