"""The OpenAPI 3.1 description of the plugin's API, served at ``/planning-alerts/api/openapi.json``."""

from __future__ import annotations

from typing import Any

from civicapps_planning_alerts.serialise import FIELDS
from civicapps_planning_alerts.settings import Settings


def _parameters(settings: Settings) -> list[dict[str, Any]]:
    def param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}

    return [
        param("postcode", "UK postcode to search around (with radius).", {"type": "string", "example": "SW1A 1AA"}),
        param(
            "lat",
            "Latitude (WGS84) to search around, with lng and radius.",
            {"type": "number", "minimum": -90, "maximum": 90},
        ),
        param("lng", "Longitude (WGS84), with lat.", {"type": "number", "minimum": -180, "maximum": 180}),
        param(
            "radius",
            f"Metres around postcode or lat/lng (default {settings.default_radius_m}).",
            {"type": "number", "minimum": settings.min_radius_m, "maximum": settings.max_radius_m},
        ),
        param(
            "bbox",
            "min_lng,min_lat,max_lng,max_lat in degrees.",
            {"type": "string", "example": "-0.15,51.49,-0.11,51.51"},
        ),
        param("authority", "Only this council's applications (case-insensitive).", {"type": "string"}),
        param(
            "since",
            "Only applications first seen at or after this date or time (ISO 8601).",
            {"type": "string", "format": "date-time"},
        ),
        param("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "default": 1}),
        param(
            "per_page",
            "Applications per page.",
            {"type": "integer", "minimum": 1, "maximum": 500, "default": settings.page_size},
        ),
    ]


def openapi(base: str, settings: Settings) -> dict[str, Any]:
    application = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            **{
                name: {"type": ["string", "integer", "null"] if name == "version" else ["string", "null"]}
                for name in FIELDS
            },
            "lat": {"type": ["number", "null"]},
            "lng": {"type": ["number", "null"]},
            "distance_m": {"type": "integer", "description": "metres from the searched point (radius searches only)"},
            "url": {"type": "string", "format": "uri", "description": "the application's page here"},
        },
        "required": ["id", "authority", "reference", "description"],
    }
    error = {
        "description": "A parameter is wrong; `parameter` names it and `detail` says how to fix it.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "error": {"type": "string"},
                        "parameter": {"type": "string"},
                        "detail": {"type": "string"},
                    },
                }
            }
        },
    }
    params = _parameters(settings)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Planning applications",
            "version": "1",
            "description": "Planning applications published by councils, newest first, searchable by place.",
        },
        "servers": [{"url": base}],
        "paths": {
            "/api/applications.json": {
                "get": {
                    "summary": "Search applications (JSON)",
                    "parameters": params,
                    "responses": {
                        "200": {
                            "description": "One page of applications",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "query": {"type": "object"},
                                            "total": {"type": "integer"},
                                            "page": {"type": "integer"},
                                            "per_page": {"type": "integer"},
                                            "links": {"type": "object"},
                                            "applications": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Application"},
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": error,
                    },
                }
            },
            "/api/applications.geojson": {
                "get": {
                    "summary": "Search applications (GeoJSON FeatureCollection; properties as in the JSON search)",
                    "parameters": params,
                    "responses": {
                        "200": {"description": "A FeatureCollection", "content": {"application/geo+json": {}}},
                        "400": error,
                    },
                }
            },
            "/area.atom": {
                "get": {
                    "summary": "Atom feed of the newest applications in an area",
                    "parameters": params[:6],
                    "responses": {
                        "200": {"description": "Atom 1.0", "content": {"application/atom+xml": {}}},
                        "400": error,
                    },
                }
            },
            "/area.rss": {
                "get": {
                    "summary": "RSS 2.0 feed of the newest applications in an area",
                    "parameters": params[:6],
                    "responses": {
                        "200": {"description": "RSS 2.0", "content": {"application/rss+xml": {}}},
                        "400": error,
                    },
                }
            },
        },
        "components": {"schemas": {"Application": application}},
    }
