"""An app's records as residents see them: worded by the app's field templates, near a place, current.

Every list (page, API, Atom, alerts) goes through :func:`shown`, so a template that fails on one record
never fails the list: that record is listed under its reference, and its ``errors`` say what went
wrong for the staff page.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import select

from civicapps import db_session, distances_m, utcnow
from civicapps_dataset_apps.field_templates import Renderer, parse_date
from civicapps_dataset_apps.models import Item
from civicapps_dataset_apps.settings import AppConfig, Show

METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Shown:
    """One record, worded. ``errors`` are the field templates that failed on it (for staff)."""

    id: int
    app: str
    reference: str
    title: str
    summary: str
    starts: dt.date | None
    ends: dt.date | None
    category: str
    link: str | None
    latitude: float | None
    longitude: float | None
    first_seen_at: dt.datetime
    last_changed_at: dt.datetime
    version: int
    record: dict[str, Any]
    errors: tuple[str, ...] = ()
    distance_m: float | None = field(default=None, compare=False)


@lru_cache(maxsize=64)
def renderer_for(show: Show) -> Renderer:
    """The app's compiled templates (settings are frozen, so one compile per app and process)."""
    return Renderer(show.model_dump())


def word(config: AppConfig, item: Item) -> Shown:
    """``item`` worded by the app's templates; a failing template is recorded, never raised."""
    renderer = renderer_for(config.show)
    record = item.fields
    errors: list[str] = []

    def text(name: str) -> str:
        try:
            return renderer.render(name, record, item.reference)
        except TemplateError as exc:
            errors.append(f"show.{name}: {exc.message or type(exc).__name__}")
            return ""

    def date(name: str) -> dt.date | None:
        try:
            return parse_date(text(name))
        except ValueError as exc:
            errors.append(f"show.{name}: {exc}")
            return None

    link = text("link") or None
    if link is not None and not link.startswith(("https://", "http://")):
        errors.append(f"show.link: {link[:60]!r} is not an http(s) URL")
        link = None
    return Shown(
        id=item.id,
        app=item.authority,
        reference=item.reference,
        title=text("title") or item.reference,
        summary=text("summary"),
        starts=date("starts"),
        ends=date("ends"),
        category=text("category"),
        link=link,
        latitude=item.latitude,
        longitude=item.longitude,
        first_seen_at=item.first_seen_at,
        last_changed_at=item.last_changed_at,
        version=item.version,
        record=record,
        errors=tuple(errors),
    )


def items_of(app_name: str, ids: Iterable[int] | None = None) -> list[Item]:
    """The app's stored records (only those of ``ids`` if given), newest first."""
    query = select(Item).where(Item.authority == app_name)
    if ids is not None:
        query = query.where(Item.id.in_(list(ids)))
    return list(db_session().scalars(query.order_by(Item.first_seen_at.desc(), Item.id.desc())))


def is_current(config: AppConfig, shown: Shown, today: dt.date) -> bool:
    """Still relevant: not ended, or (with no end date) started or first seen within ``current_days``."""
    if shown.ends is not None:
        return shown.ends >= today
    began = shown.starts or shown.first_seen_at.date()
    return began >= today - dt.timedelta(days=config.current_days)


@dataclass(frozen=True)
class Wanted:
    """What a resident narrowed the list to (each optional)."""

    lat: float | None = None
    lon: float | None = None
    radius_m: float | None = None
    category: str | None = None
    keywords: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def shown(app_name: str, config: AppConfig, wanted: Wanted = Wanted()) -> list[Shown]:
    """The app's current records that ``wanted`` asks for, worded: nearest first near a place, else newest."""
    query = select(Item).where(Item.authority == app_name)
    near = wanted.lat is not None and wanted.lon is not None and wanted.radius_m
    if near:
        assert wanted.lat is not None and wanted.lon is not None and wanted.radius_m is not None
        dlat = wanted.radius_m / METRES_PER_DEGREE
        dlon = dlat / max(math.cos(math.radians(wanted.lat)), 0.01)
        query = query.where(
            Item.latitude.between(wanted.lat - dlat, wanted.lat + dlat),
            Item.longitude.between(wanted.lon - dlon, wanted.lon + dlon),
        )
    items = list(db_session().scalars(query.order_by(Item.first_seen_at.desc(), Item.id.desc())))
    today = utcnow().date()
    found = [s for s in (word(config, i) for i in items) if is_current(config, s, today) and _passes(config, s, wanted)]
    if not near:
        return found
    assert wanted.lat is not None and wanted.lon is not None and wanted.radius_m is not None
    placed = [s for s in found if s.latitude is not None and s.longitude is not None]
    metres = distances_m(wanted.lon, wanted.lat, [(s.longitude, s.latitude) for s in placed])  # type: ignore[misc]
    within = [_at(s, d) for s, d in zip(placed, metres, strict=True) if d <= wanted.radius_m]
    return sorted(within, key=lambda s: (s.distance_m, -s.id))


def _at(item: Shown, distance: float) -> Shown:
    return Shown(**{**item.__dict__, "distance_m": distance})


def matches(config: AppConfig, record: dict[str, Any], category: str | None, keywords: str | None) -> bool:
    """Whether a record's fields pass a category and keywords (all the words) as the app's filters read
    them: the one test of the search page, the APIs and alerts. A filter the app does not offer is ignored."""
    filters = config.filters
    if category and filters.category:
        if str(record.get(filters.category) or "").casefold() != category.casefold():
            return False
    if keywords and filters.keywords:
        text = " ".join(str(record.get(name) or "") for name in filters.keywords).casefold()
        if not all(word in text for word in keywords.casefold().split()):
            return False
    return True


def _passes(config: AppConfig, item: Shown, wanted: Wanted) -> bool:
    filters = config.filters
    if not matches(config, item.record, wanted.category, wanted.keywords):
        return False
    if filters.dates and (wanted.date_from or wanted.date_to):
        start, end = item.starts, item.ends or item.starts
        if start is None or end is None:
            return False
        if wanted.date_from and end < wanted.date_from:
            return False
        if wanted.date_to and start > wanted.date_to:
            return False
    return True


def categories(app_name: str, config: AppConfig) -> list[str]:
    """The values of the app's category field among its records, for the filter's choices."""
    name = config.filters.category
    if not name:
        return []
    values = {str(i.fields.get(name)) for i in items_of(app_name) if i.fields.get(name)}
    return sorted(values, key=str.casefold)


def with_errors(app_name: str, config: AppConfig) -> list[Shown]:
    """Records a field template fails on, for the staff page."""
    return [s for s in (word(config, i) for i in items_of(app_name)) if s.errors]


def by_id(app_name: str, config: AppConfig, item_id: int) -> Shown | None:
    found = items_of(app_name, [item_id])
    return word(config, found[0]) if found else None
