"""The Open311 GeoReport v2 server at ``/street-reports/open311/v2/``, in ``.xml`` and ``.json``.

Spec rules followed here: an empty parameter is treated as absent; ``jurisdiction_id`` is optional
(checked only when the council configures one); ``api_key`` is needed only to POST (403 without);
errors are the spec's ``<errors>`` / ``[{"code", "description"}]``. Also ``service/{code}`` (the
``open311`` 1.1 client's spelling) and mySociety's ``servicerequestupdates`` for back offices.
``requests`` pages with ``page`` and ``page_size`` (Chicago's extension; see the plugin's README).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Response, current_app, request

from civicapps import db_session, external_url, geocode
from civicapps_street_reports import georeport, lifecycle, open311_cache, open311_data, submissions
from civicapps_street_reports.open311_data import ApiError
from civicapps_street_reports.settings import current_settings
from civicapps_street_reports.views import bp

PREFIX = "/open311/v2"
FORMATS = ("xml", "json")
SPEC = "http://wiki.open311.org/GeoReport_v2"
ATTRIBUTE = re.compile(r"attribute\[([^\]]+)\](\[\])?")


def param(name: str) -> str | None:
    """A query or form parameter; empty counts as absent (the spec's rule for optional ones)."""
    value = request.values.get(name, "").strip()
    return value or None


def _tuple(name: str) -> tuple[str, ...] | None:
    """A comma-separated list parameter (as a tuple: it is part of a cache key)."""
    value = param(name)
    return tuple(part.strip() for part in value.split(",") if part.strip()) if value else None


def _date(name: str) -> datetime | None:
    value = param(name)
    if value is None:
        return None
    try:
        return georeport.parse_w3c(value)
    except ValueError:
        raise ApiError(400, f"{name} must be a W3C datetime like 2026-11-23T00:00:00Z") from None


def _whole(name: str, default: int) -> int:
    value = param(name)
    if value is None:
        return default
    if not value.isdigit():
        raise ApiError(400, f"{name} must be a whole number")
    return int(value)


def api(view: Callable[..., Response]) -> Callable[..., Response]:
    """Check the format and jurisdiction, and turn :class:`ApiError` into the spec's error answer."""

    @wraps(view)
    def wrapped(fmt: str, **kwargs: Any) -> Response:
        if fmt not in FORMATS:
            return georeport.errors("json", 404, f"Unknown format {fmt}; use .xml or .json")
        try:
            jurisdiction, ours = param("jurisdiction_id"), current_settings().open311_jurisdiction_id
            if jurisdiction and ours and jurisdiction != ours and view.__name__ != "open311_updates":
                raise ApiError(404, f"jurisdiction_id {jurisdiction} not found")
            return view(fmt, **kwargs)
        except ApiError as exc:
            db_session().rollback()
            return georeport.errors(fmt, exc.status, exc.description)

    return wrapped


@bp.get(f"{PREFIX}/discovery.<fmt>")
@api
def open311_discovery(fmt: str) -> Response:
    settings = current_settings()
    changeset = "2026-11-23T00:00:00Z"
    endpoint = {
        "specification": SPEC,
        "url": external_url("street_reports.open311_services", fmt="xml").rsplit("/", 1)[0],
        "changeset": changeset,
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    return georeport.respond(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": settings.open311_contact,
            "key_service": settings.open311_key_service,
            "endpoints": [endpoint],
        },
    )


@bp.get(f"{PREFIX}/services.<fmt>")
@api
def open311_services(fmt: str) -> Response:
    return georeport.respond(fmt, "services", open311_data.services())


@bp.get(f"{PREFIX}/services/<code>.<fmt>")
@bp.get(f"{PREFIX}/service/<code>.<fmt>")
@api
def open311_service(fmt: str, code: str) -> Response:
    return georeport.respond(fmt, "service_definition", open311_data.service_definition(code))


@bp.get(f"{PREFIX}/requests.<fmt>")
@api
def open311_requests(fmt: str) -> Response:
    query = open311_data.RequestQuery(
        ids=_tuple("service_request_id"),
        codes=_tuple("service_code"),
        start=_date("start_date"),
        end=_date("end_date"),
        statuses=_tuple("status"),
        page=_whole("page", 1),
        page_size=_whole("page_size", open311_data.MAX_REQUESTS),
    )
    found = open311_cache.requests(fmt, query)
    return georeport.send(fmt, found.body, etag=found.etag)


@bp.get(f"{PREFIX}/requests/<request_id>.<fmt>")
@api
def open311_request(fmt: str, request_id: str) -> Response:
    return georeport.respond(fmt, "service_requests", [open311_data.one_request(request_id)])


@bp.get(f"{PREFIX}/tokens/<token>.<fmt>")
@api
def open311_token(fmt: str, token: str) -> Response:
    return georeport.respond(fmt, "service_requests", [open311_data.by_token(token)])


def _client() -> str:
    """The name of the app whose ``api_key`` this is (403 otherwise)."""
    key = param("api_key")
    if not key:
        raise ApiError(403, "api_key is required to create a service request")
    for name, secret in current_settings().open311_api_keys.items():
        if hmac.compare_digest(secret.get_secret_value().encode(), key.encode()):
            return name
    raise ApiError(403, "Invalid api_key")


def _attributes() -> dict[str, Any]:
    """``attribute[code]=value`` and, for multivaluelist, ``attribute[code][]=v1&attribute[code][]=v2``."""
    answers: dict[str, Any] = {}
    for key in request.values:
        match = ATTRIBUTE.fullmatch(key)
        if match:
            values = [v for v in request.values.getlist(key) if v.strip()]
            answers[match[1]] = values if match[2] else (values[0] if values else None)
    return answers


@bp.post(f"{PREFIX}/requests.<fmt>")
@api
def open311_create(fmt: str) -> Response:
    client = _client()
    code = param("service_code")
    if code is None:
        raise ApiError(400, "service_code is required")
    lat, lon = param("lat"), param("long")
    address = param("address_string")
    if (lat is None or lon is None) and address:  # before any query: the geocoder may write its cache
        location = geocode(current_app, address)
        if location is None:
            raise ApiError(400, f"address_string {address!r} could not be placed; give lat and long")
        lat, lon = str(location.latitude), str(location.longitude)
    if lat is None or lon is None:
        raise ApiError(400, "lat and long (or address_string) are required")
    category = open311_data.category_name(code)
    description = param("description") or ""
    if len(description) > 4000:
        raise ApiError(400, "description may be at most 4000 characters")
    name = " ".join(filter(None, (param("first_name"), param("last_name"))))
    draft = submissions.Draft(
        lat=lat,
        lon=lon,
        category=category,
        title=(description.splitlines() or [category])[0][:200] or category,
        details=description or category,
        name=name,
        email=param("email") or "",
        phone=param("phone") or "",
        answers=_attributes(),
        location_text=address or "",
        source=f"open311:{client}"[:40],
    )
    try:
        report = submissions.submit_trusted(draft)
    except submissions.Refused as exc:
        raise ApiError(400, "; ".join(f"{field}: {text}" for field, text in exc.errors.items())) from None
    return georeport.respond(
        fmt, "service_requests", [{"service_request_id": str(report.id), "service_notice": None, "account_id": None}]
    )


@bp.route(f"{PREFIX}/servicerequestupdates.<fmt>", methods=["GET", "POST"])
@api
def open311_updates(fmt: str) -> Response:
    if request.method == "GET":
        return georeport.respond(
            fmt, "service_request_updates", open311_data.updates_between(_date("start_date"), _date("end_date"))
        )
    body = open311_data.body_for_updates(param("jurisdiction_id"), param("api_key"))
    fields = {
        name: param(name)
        for name in ("service_request_id", "update_id", "status", "updated_datetime", "description", "media_url")
    }
    item, report, new = open311_data.push_update(body, fields)
    db_session().commit()
    if new:
        lifecycle.published(report)
    return georeport.respond(fmt, "service_request_updates", [{"update_id": str(item.id)}])


#: Called by other systems, not browsers: they authenticate with an api_key, so no CSRF token.
CSRF_EXEMPT = (open311_create, open311_updates)
