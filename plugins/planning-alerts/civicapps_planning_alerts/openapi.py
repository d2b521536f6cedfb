"""The OpenAPI 3.1 description of the plugin's API, served at ``/planning-alerts/api/openapi.json``.

Built from the models the API checks its requests against and describes its answers with
(:mod:`.api_models`), so what is described is what is accepted and answered.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from civicapps import openapi_parameters
from civicapps_planning_alerts.api_models import FeatureCollection, Problem, SearchPage, area_query, search_query
from civicapps_planning_alerts.settings import Settings

REF = "#/components/schemas/{model}"


def openapi(base: str, settings: Settings) -> dict[str, Any]:
    """The description for this deployment: its address, radius bounds and page size."""
    schemas: dict[str, Any] = {}

    def body(model: type[BaseModel], media_type: str, description: str) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template=REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
        reference = {"$ref": REF.format(model=model.__name__)}
        return {"description": description, "content": {media_type: {"schema": reference}}}

    def get(summary: str, parameters: list[dict[str, Any]], answer: dict[str, Any]) -> dict[str, Any]:
        bad = body(Problem, "application/json", Problem.__doc__ or "")
        return {"get": {"summary": summary, "parameters": parameters, "responses": {"200": answer, "400": bad}}}

    search, area = openapi_parameters(search_query(settings)), openapi_parameters(area_query(settings))
    paths = {
        "/api/applications.json": get(
            "Search applications (JSON)", search, body(SearchPage, "application/json", "One page of applications")
        ),
        "/api/applications.geojson": get(
            "Search applications (GeoJSON FeatureCollection; properties as in the JSON search)",
            search,
            body(FeatureCollection, "application/geo+json", "A FeatureCollection"),
        ),
        "/area.atom": get(
            "Atom 1.0 feed of the newest applications in an area",
            area,
            {"description": "Atom 1.0", "content": {"application/atom+xml": {}}},
        ),
        "/area.rss": get(
            "RSS 2.0 feed of the newest applications in an area",
            area,
            {"description": "RSS 2.0", "content": {"application/rss+xml": {}}},
        ),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Planning applications",
            "version": "1",
            "description": "Planning applications published by councils, newest first, searchable by place.",
        },
        "servers": [{"url": base}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
