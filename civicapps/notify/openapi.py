"""The OpenAPI 3.1 description of the alerts JSON API, served at ``/alerts/api/openapi.json``.

It is what API clients build against and what the schemathesis tests in CI check every answer
against, so a change to the API and its description go together.
"""
from __future__ import annotations

from typing import Any

from civicapps.notify.models import FREQUENCIES

_ERROR = {
    "type": "object",
    "description": "What was wrong; ``errors`` names each field with its problem.",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        "detail": {"type": "string"},
        "status": {"type": "integer"},
    },
}


def _problem(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi(base_url: str, channels: list[str]) -> dict[str, Any]:
    """The description for this deployment: its address and the channel kinds it has switched on."""
    subscription = {
        "type": "object",
        "required": ["topic", "channel", "target"],
        "properties": {
            "topic": {"type": "string", "description": "A topic name from GET /alerts/api/topics."},
            "channel": {"type": "string", "enum": channels or ["email"], "description": "How to deliver."},
            "target": {"type": "string", "description": "Where: an email address, an ntfy topic, a URL..."},
            "frequency": {"type": "string", "enum": list(FREQUENCIES), "default": "instant"},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "radius_m": {"type": "number", "exclusiveMinimum": 0},
            "postcode": {"type": "string", "description": "Instead of lat/lon: a postcode to search around."},
            "area": {"type": "object", "description": "Instead of a circle: a GeoJSON Polygon."},
            "key": {"type": "string", "description": "For topics that follow one thing (an application...)."},
            "filters": {"type": "object", "description": "The topic's own filters."},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Alerts API",
            "version": "1",
            "description": "Topics residents can follow, and setting up an alert (confirmed through its channel).",
        },
        "servers": [{"url": base_url}],
        "paths": {
            "/alerts/api/topics": {
                "get": {
                    "operationId": "listTopics",
                    "summary": "Every topic a resident can subscribe to.",
                    "responses": {
                        "200": {
                            "description": "The topics.",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Topic"}}
                                }
                            },
                        }
                    },
                }
            },
            "/alerts/api/subscriptions": {
                "post": {
                    "operationId": "subscribe",
                    "summary": "Set up an alert; nothing is sent until it is confirmed through its channel.",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Subscription"}}},
                    },
                    "responses": {
                        "202": {
                            "description": "Waiting for confirmation.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pending"}}},
                        },
                        "400": _problem("The request was not valid; nothing was stored."),
                        "413": _problem("A field was too long."),
                        "429": _problem("Too many alerts were set up from here or to that address recently."),
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Topic": {
                    "type": "object",
                    "required": ["name", "title", "description", "matcher", "events"],
                    "properties": {
                        "name": {"type": "string"},
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "matcher": {"type": "string"},
                        "events": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "Subscription": subscription,
                "Pending": {
                    "type": "object",
                    "required": ["id", "status", "message", "confirm_url"],
                    "properties": {
                        "id": {"type": "integer"},
                        "status": {"const": "pending_confirmation"},
                        "message": {"type": "string"},
                        "confirm_url": {"type": "string", "format": "uri"},
                    },
                },
                "Error": _ERROR,
            }
        },
    }
