"""The data behind our Open311 GeoReport v2 server: the services, their definitions and requests it
reads from the database, and the status updates councils' back offices push to us (mySociety's
``servicerequestupdates``), stored. No HTTP here: ``views/open311.py`` holds the routes and their
parameters, ``georeport.py`` the spec's XML and JSON on the wire, ``open311_client.py`` our side as
a client sending reports to a council's server.

Only public reports are served (never unconfirmed, hidden or private-category ones), and never the
reporter's details. Statuses collapse to the spec's ``open``/``closed``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from civicapps import db_session, external_url, parse_id, utcnow
from civicapps_street_reports import lifecycle, states
from civicapps_street_reports.georeport import parse_w3c, w3c, w3c_sql
from civicapps_street_reports.models import Body, Category, Delivery, Photo, Report, Update

DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
#: mySociety's extended statuses (lowercase, spaces or underscores) -> our states; None keeps the state.
PUSHED_STATUSES: dict[str, str | None] = {
    "open": "open",
    "reopen": "open",
    "for_triage": "open",
    "investigating": "investigating",
    "in_progress": "in_progress",
    "planned": "action_scheduled",
    "action_scheduled": "action_scheduled",
    "fixed": "fixed",
    "closed": "closed",
    "duplicate": "duplicate",
    "not_councils_responsibility": "not_responsible",
    "not_responsible": "not_responsible",
    "internal_referral": "not_responsible",
    "no_further_action": "no_further_action",
    "unable_to_fix": "no_further_action",
    "cancelled": "closed",
    "unchanged": None,
}


class ApiError(Exception):
    """An answer in the spec's error format: HTTP ``status`` and a description."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def services() -> list[dict[str, Any]]:
    """One service per public category name (shared across bodies), in name order."""
    query = select(Category).where(Category.active.is_(True)).order_by(Category.name, Category.body_id)
    found: dict[str, dict[str, Any]] = {}
    for category in db_session().scalars(query):
        service = found.setdefault(
            category.service_code,
            {
                "service_code": category.service_code,
                "service_name": category.name,
                "description": category.description or category.name,
                "metadata": False,
                "type": "realtime",
                "keywords": "private" if category.private else "",
                "group": category.group or "",
            },
        )
        service["metadata"] = service["metadata"] or bool(category.extra_questions)
    return list(found.values())


def service_definition(code: str) -> dict[str, Any]:
    category = db_session().scalar(
        select(Category).where(Category.service_code == code, Category.active.is_(True)).order_by(Category.body_id)
    )
    if category is None:
        raise ApiError(404, f"service_code {code} not found")
    attributes = [
        {
            "variable": question.get("variable", True),
            "code": question["code"],
            "datatype": question["datatype"],
            "required": bool(question.get("required")),
            "datatype_description": question.get("datatype_description") or None,
            "order": order,
            "description": question["description"],
            "values": question.get("values") or [],
        }
        for order, question in enumerate(category.extra_questions or [], start=1)
    ]
    return {"service_code": category.service_code, "attributes": attributes}


def category_name(code: str) -> str:
    name = db_session().scalar(select(Category.name).where(Category.service_code == code, Category.active.is_(True)))
    if name is None:
        raise ApiError(404, f"service_code {code} not found")
    return name


#: Between the names of a report's bodies as the database joins them (a character no name holds),
#: so that they can be put in name order: the aggregate's own order is not portable.
_SEPARATOR = "\x1f"
#: What a request says beyond the report's own columns, one correlated subquery each: the database
#: finds them by index per report, in the same query, rather than being sent 1,000 ids in an ``IN``
#: (whose expansion cost SQLAlchemy more than the rest of the answer).
_AGENCIES = (
    select(func.aggregate_strings(Body.name, _SEPARATOR))
    .join(Delivery, Delivery.body_id == Body.id)
    .where(Delivery.report_id == Report.id)
    .correlate(Report)
    .scalar_subquery()
)
_NOTES = (
    select(Update.text)
    .where(
        Update.report_id == Report.id,
        Update.state == "confirmed",
        Update.role.in_(("staff", "body")),
        Update.text != "",
    )
    .order_by(Update.id.desc())
    .limit(1)
    .correlate(Report)
    .scalar_subquery()
)
_PHOTO = (
    select(Photo.id)
    .where(Photo.report_id == Report.id, Photo.update_id.is_(None), Photo.redacted.is_(False))
    .order_by(Photo.position, Photo.id)
    .limit(1)
    .correlate(Report)
    .scalar_subquery()
)

#: Everything a request needs, its two datetimes already formatted by the database: read as rows
#: through the connection (no ORM objects, no ORM execution layer), since building ORM objects and
#: formatting datetimes in Python cost more than the rest of the answer.
REQUEST_COLUMNS = (
    Report.id,
    Report.status,
    Report.category,
    Report.details,
    w3c_sql(func.coalesce(Report.confirmed_at, Report.created_at)),
    w3c_sql(Report.updated_at),
    Report.location_text,
    Report.lat,
    Report.lon,
    _AGENCIES,
    _NOTES,
    _PHOTO,
)


def _agencies(names: str | None) -> str | None:
    if names is None or _SEPARATOR not in names:
        return names
    return ", ".join(sorted(names.split(_SEPARATOR)))


def request_dicts(query: Select[Any]) -> list[dict[str, Any]]:
    """The requests ``query`` (a select of :data:`REQUEST_COLUMNS`) finds, in the spec's fields."""
    connection = db_session().connection()
    rows = connection.execute(query).all()
    codes = dict(connection.execute(select(Category.name, Category.service_code)).all())
    statuses = {status: states.open311_status(status) for status in {row[1] for row in rows}}
    return [
        {
            "service_request_id": str(id_),
            "status": statuses[status],
            "status_notes": notes,
            "service_name": category,
            "service_code": codes.get(category, category),
            "description": details,
            "agency_responsible": _agencies(agencies),
            "service_notice": None,
            "requested_datetime": requested,
            "updated_datetime": updated or requested,
            "expected_datetime": None,
            "address": location_text or None,
            "address_id": None,
            "zipcode": None,
            "lat": lat,
            "long": lon,
            "media_url": external_url("street_reports.photo", photo_id=photo_id) if photo_id else None,
        }
        for (
            id_,
            status,
            category,
            details,
            requested,
            updated,
            location_text,
            lat,
            lon,
            agencies,
            notes,
            photo_id,
        ) in rows
    ]


def _public(*columns: Any) -> Any:
    return select(*(columns or (Report,))).where(
        Report.status != "unconfirmed", Report.hidden.is_(False), Report.private.is_(False)
    )


@dataclass(frozen=True)
class RequestQuery:
    """What a GET of ``requests`` asks for, as parsed from its parameters (hashable: it keys the
    cached answers of :mod:`.open311_cache`).

    By id (``ids``, overriding everything else), or filtered by service codes, a window of
    ``start``..``end`` and statuses; ``page`` (from 1) and ``page_size`` (1 to 1,000) page through
    the window (Chicago's Open311 extension): a client walking a busy window fixes ``end`` so that
    new reports do not shift the pages under it.
    """

    ids: tuple[str, ...] | None = None
    codes: tuple[str, ...] | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] | None = None
    page: int = 1
    page_size: int = MAX_REQUESTS

    def stale_after(self, found: list[dict[str, Any]]) -> datetime | None:
        """When ``found`` (this query's answer now) may stop being its answer with no row changed:
        only the default window's start moves (90 days before now), so the answer holds until its
        oldest request falls out, or, with a ``start`` and no ``end``, until the window grows past
        90 days (an error then). None: it holds until a row changes."""
        if self.ids is not None or self.end is not None:
            return None
        if self.start is not None:
            return self.start + timedelta(days=DEFAULT_DAYS)
        if not found:
            return None
        # confirmed_at, to the second (rounded down, so this is never late)
        return parse_w3c(found[-1]["requested_datetime"]) + timedelta(days=DEFAULT_DAYS)


def find_requests(query: RequestQuery) -> list[dict[str, Any]]:
    """GET requests: by id or filtered (see :class:`RequestQuery`); newest first, 90 days and 1,000
    requests at most (the spec's defaults)."""
    if query.page < 1:
        raise ApiError(400, "page must be a whole number from 1")
    if not 1 <= query.page_size <= MAX_REQUESTS:
        raise ApiError(400, f"page_size must be a whole number from 1 to {MAX_REQUESTS}")
    select_ = _public(*REQUEST_COLUMNS)
    if query.ids is not None:
        numbers = [number for i in query.ids if (number := parse_id(i))]
        select_ = select_.where(Report.id.in_(numbers))
    else:
        end = query.end or utcnow()
        start = query.start or end - timedelta(days=DEFAULT_DAYS)
        if end - start > timedelta(days=DEFAULT_DAYS):
            raise ApiError(400, f"start_date and end_date may be at most {DEFAULT_DAYS} days apart")
        select_ = select_.where(Report.confirmed_at >= start, Report.confirmed_at <= end)
        if query.codes is not None:
            names = db_session().scalars(select(Category.name).where(Category.service_code.in_(query.codes))).all()
            select_ = select_.where(Report.category.in_(names))
        if query.statuses is not None:
            unknown = set(query.statuses) - {"open", "closed"}
            if unknown:
                raise ApiError(400, f"status must be open or closed, not {', '.join(sorted(unknown))}")
            wanted = [s for s in states.PUBLIC_STATES if states.open311_status(s) in query.statuses]
            select_ = select_.where(Report.status.in_(wanted))
    select_ = select_.order_by(Report.confirmed_at.desc(), Report.id.desc())
    return request_dicts(select_.offset((query.page - 1) * query.page_size).limit(query.page_size))


def one_request(request_id: str) -> dict[str, Any]:
    number = parse_id(request_id)
    found = request_dicts(_public(*REQUEST_COLUMNS).where(Report.id == number)) if number else []
    if not found:
        raise ApiError(404, f"service_request_id {request_id} not found")
    return found[0]


def by_token(token: str) -> dict[str, Any]:
    report = db_session().scalar(_public().where(Report.token == token))
    if report is None:
        raise ApiError(404, f"token {token} not found")
    return {"service_request_id": str(report.id), "token": token}


def body_for_updates(jurisdiction_id: str | None, api_key: str | None) -> Body:
    """The body pushing updates, checked by its updates key (``civicapps street-reports bodies updates-key``)."""
    if not api_key:
        raise ApiError(403, "api_key is required")
    number = parse_id(jurisdiction_id)
    body = db_session().get(Body, number) if number else None
    digest = hashlib.sha256(api_key.encode()).hexdigest()
    if body is None or not body.updates_key_hash or not hmac.compare_digest(body.updates_key_hash, digest):
        raise ApiError(403, "Invalid api_key or jurisdiction_id")
    return body


def push_update(body: Body, fields: dict[str, str | None]) -> tuple[Update, Report, bool]:
    """Store a status update a body's back office pushed; returns (update, report, new?).

    ``service_request_id`` is the back office's id for the report (what it answered our POST with).
    An ``update_id`` already stored is not stored again, so a retried push notifies nobody twice.
    """
    for name in ("service_request_id", "update_id", "status", "updated_datetime"):
        if not fields.get(name):
            raise ApiError(400, f"{name} is required")
    session = db_session()
    delivery = session.scalar(
        select(Delivery).where(Delivery.body_id == body.id, Delivery.external_id == fields["service_request_id"])
    )
    if delivery is None:
        raise ApiError(404, f"service_request_id {fields['service_request_id']} not found")
    report = delivery.report
    existing = session.scalar(
        select(Update).where(Update.body_id == body.id, Update.external_id == fields["update_id"])
    )
    if existing is not None:
        return existing, report, False
    status_key = (fields["status"] or "").strip().lower().replace(" ", "_")
    if status_key not in PUSHED_STATUSES:
        raise ApiError(400, f"status {fields['status']} is not one we know")
    try:
        when = parse_w3c(fields["updated_datetime"] or "")
    except ValueError:
        raise ApiError(400, "updated_datetime must be a W3C datetime like 2026-11-23T14:05:00Z") from None
    status = PUSHED_STATUSES[status_key]
    item = Update(
        report_id=report.id,
        role="body",
        name=body.name,
        body_id=body.id,
        external_id=fields["update_id"],
        text=(fields.get("description") or "").strip()[:4000],
        status=status if status != report.status else None,
        state="confirmed",
        created_at=when,
        confirmed_at=utcnow(),
    )
    session.add(item)
    session.flush()
    lifecycle.apply(report, item)
    return item, report, True


def updates_between(start: datetime | None, end: datetime | None) -> list[dict[str, Any]]:
    """GET servicerequestupdates: public updates in a window (default the last 2 hours)."""
    end = end or utcnow()
    start = start or end - timedelta(hours=2)
    query = (
        select(Update, Report)
        .join(Report, Report.id == Update.report_id)
        .where(
            Update.state == "confirmed",
            Update.created_at >= start,
            Update.created_at <= end,
            Report.hidden.is_(False),
            Report.private.is_(False),
        )
        .order_by(Update.created_at, Update.id)
        .limit(MAX_REQUESTS)
    )
    return [
        {
            "update_id": str(u.id),
            "service_request_id": str(r.id),
            "status": states.open311_status(r.status),
            "updated_datetime": w3c(u.created_at),
            "description": u.text,
            "media_url": "",
        }
        for u, r in db_session().execute(query)
    ]
