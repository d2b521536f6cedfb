"""Applications as JSON objects and GeoJSON features (the API, the CLI and the map share these)."""

from __future__ import annotations

from typing import Any

from flask import url_for

from civicapps_planning_alerts.api_models import Application as ApplicationJSON
from civicapps_planning_alerts.models import Application

#: The application's own columns in each answer, in order: the API's response model (which the OpenAPI
#: document describes) lists them, so what is written and what is described are one list.
FIELDS = tuple(name for name in ApplicationJSON.model_fields if name not in ("id", "lat", "lng", "distance_m", "url"))


def iso(value: Any) -> str:
    """ISO 8601 (a stored time is read back in UTC, so it carries its offset)."""
    return value.isoformat()


def safe_url(url: str | None) -> str | None:
    """Only http(s) links reach pages and APIs: a feed's ``javascript:`` URL must never become a link."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


def as_json(application: Application, distance_m: float | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": application.id}
    for name in FIELDS:
        value = getattr(application, name)
        data[name] = iso(value) if hasattr(value, "isoformat") else value
    data["info_url"], data["comment_url"] = safe_url(application.info_url), safe_url(application.comment_url)
    data["lat"], data["lng"] = application.latitude, application.longitude
    if distance_m is not None:
        data["distance_m"] = round(distance_m)
    try:
        data["url"] = url_for("planning_alerts.application", application_id=application.id, _external=True)
    except RuntimeError:  # outside a request (the CLI): no host to link to
        pass
    return data


def as_feature(application: Application, distance_m: float | None = None) -> dict[str, Any]:
    properties = as_json(application, distance_m)
    del properties["lat"], properties["lng"]
    geometry = (
        {"type": "Point", "coordinates": [application.longitude, application.latitude]}
        if application.latitude is not None
        else None
    )
    return {"type": "Feature", "id": application.id, "geometry": geometry, "properties": properties}
