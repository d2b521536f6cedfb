"""Alerts for each configured app: "new near me" (``<app>_near``) and "changes to this item" (``<app>_follow``).

Both watch the shared dataset ``dataset_apps.item`` and load only their own app's records, worded by the
app's templates; the core notify layer matches, holds while the app is off, and delivers on every
channel. "New" alerts come only from records stored for the first time and still current; a change
goes to the followers of that one record, once per version, saying which fields changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import Flask
from sqlalchemy import select

from civicapps import Item, Topic, db_session, external_url, gettext, past_versions, utcnow
from civicapps_dataset_apps import records
from civicapps_dataset_apps.models import DATASET
from civicapps_dataset_apps.models import Item as Record
from civicapps_dataset_apps.settings import AppConfig


def near_topic(name: str) -> str:
    return f"{name}_near"


def follow_topic(name: str) -> str:
    return f"{name}_follow"


def topics(name: str, config: AppConfig) -> list[Topic]:
    """The app's two topics."""
    return [
        Topic(
            near_topic(name),
            gettext("New %(app)s near you", app=config.title),
            DATASET,
            _loader(name, config, changed=False),
            description=config.description,
            **_filtering(config),
        ),
        Topic(
            follow_topic(name),
            gettext("Changes to one of %(app)s", app=config.title),
            DATASET,
            _loader(name, config, changed=True),
            matcher="key",
            events=("changed",),
            label=lambda app, key: _label(name, config, key),
        ),
    ]


def item_for(name: str, shown: records.Shown, summary: str | None = None) -> Item:
    """A record as messages show it; ``key`` is its id, which the follow topic's subscriptions name."""
    return Item(
        id=shown.id,
        title=shown.title,
        url=external_url("dataset_apps.item_page", name=name, item_id=shown.id),
        summary=summary if summary is not None else shown.summary,
        lon=shown.longitude,
        lat=shown.latitude,
        key=str(shown.id),
        version=str(shown.version),
        details={"reference": shown.reference, "category": shown.category, "fields": shown.record},
    )


#: The filters an alert may keep, as the search page names them.
FILTERS = ("category", "keywords")


def _filtering(config: AppConfig) -> dict[str, Any]:
    """The "new near you" topic's filters: the app's category and keywords, as on its search page."""
    offered = tuple(f for f, on in zip(FILTERS, (config.filters.category, config.filters.keywords), strict=True) if on)
    if not offered:
        return {}

    def clean(raw: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(raw) - set(offered)
        if unknown:
            names, known = ", ".join(sorted(unknown)), ", ".join(offered)
            raise ValueError(gettext("Unknown filter %(names)s; use %(known)s", names=names, known=known))
        cleaned = {}
        for key in offered:
            value = raw.get(key) or ""
            if not isinstance(value, str) or len(value) > 200:
                raise ValueError(gettext("Enter up to 200 characters"))
            if " ".join(value.split()):
                cleaned[key] = " ".join(value.split())
        return cleaned

    def accepts(item: Item, filters: Mapping[str, Any]) -> bool:
        fields = item.details.get("fields") or {}
        return records.matches(config, fields, filters.get("category"), filters.get("keywords"))

    def describe(filters: Mapping[str, Any]) -> str:
        parts = []
        if filters.get("category"):
            parts.append(gettext("category %(category)s", category=filters["category"]))
        if filters.get("keywords"):
            parts.append(gettext("mentioning %(words)s", words=filters["keywords"]))
        return "; ".join(parts)

    return {"clean_filters": clean, "accepts": accepts, "describe_filters": describe}


def _loader(name: str, config: AppConfig, *, changed: bool) -> Callable[[Flask, Sequence[Any]], list[Item]]:
    def load(app: Flask, ids: Sequence[Any]) -> list[Item]:
        found = [r for r in db_session().scalars(select(Record).where(Record.id.in_(list(ids)))) if r.app == name]
        if changed:
            before = _previous(found)
            return [item_for(name, records.word(config, r), changes(r.fields, before.get(r.id, {}))) for r in found]
        today = utcnow().date()
        shown = [records.word(config, r) for r in found if r.latitude is not None]
        return [item_for(name, s) for s in shown if records.is_current(config, s, today)]

    return load


def _previous(found: list[Record]) -> dict[int, dict[str, Any]]:
    """Each record's fields in the version before its current one."""
    wanted = {r.id: r.version - 1 for r in found}
    result = {}
    for record_id, versions in past_versions(DATASET, list(wanted)).items():
        for version in versions:
            if version.version == wanted[record_id]:
                value = json.loads(version.data.get("record") or "{}")
                result[record_id] = value if isinstance(value, dict) else {}
    return result


def changes(now: Mapping[str, Any], before: Mapping[str, Any]) -> str:
    """``Street: Gillygate → Bootham; End: 04/12/2026 → 11/12/2026`` (the fields that changed)."""
    parts = []
    for field in sorted(set(now) | set(before)):
        old, new = before.get(field), now.get(field)
        if (old or None) != (new or None):
            label = field.replace("_", " ").capitalize()
            parts.append(f"{label}: {old or '-'} → {new or '-'}")
    return "; ".join(parts) or gettext("Its place on the map changed")


def _label(name: str, config: AppConfig, key: str) -> str | None:
    if not key.isdigit():
        return None
    shown = records.by_id(name, config, int(key))
    return f"{shown.title} ({shown.reference})" if shown else None
