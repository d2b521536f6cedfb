"""What residents subscribe to: new applications near a place, and changes to one application.

Both topics watch the dataset ``planning_alerts.application``; the core notify layer matches and
delivers. "New" alerts come only from records the ingest stored for the first time (an update never
re-alerts as new); "changed" alerts go to followers of that one application, once per version, and
say what changed. Subscriptions to "near" may filter by application type and keywords.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask
from sqlalchemy import select

from civicapps import Item, Topic, db_session, external_url, gettext, past_versions
from civicapps_planning_alerts.models import DATASET, LABELS, Application

NEAR, FOLLOW = "near", "follow"
MAX_TYPES, MAX_KEYWORDS, MAX_KEYWORD_LENGTH = 30, 10, 60


def item_for(app: Flask, application: Application, summary: str | None = None) -> Item:
    """An application as messages show it: reference, address, proposal, distance (added by matching), link."""
    return Item(
        id=application.id,
        title=application.title,
        url=external_url("planning_alerts.application", application_id=application.id),
        summary=summary if summary is not None else application.description,
        lon=application.longitude,
        lat=application.latitude,
        key=str(application.id),
        version=str(application.version),
        # Stored once per application version (notify_item): only what messages and filters need.
        details={
            "reference": application.reference,
            "address": application.address or application.postcode or "",
            "application_type": application.application_type or "",
        },
    )


def _applications(ids: Sequence[Any]) -> list[Application]:
    return list(db_session().scalars(select(Application).where(Application.id.in_(list(ids)))))


def load_new(app: Flask, ids: Sequence[Any]) -> list[Item]:
    return [item_for(app, a) for a in _applications(ids) if a.latitude is not None]


def load_changed(app: Flask, ids: Sequence[Any]) -> list[Item]:
    """Changed applications, each summarised by what changed since its previous version."""
    applications = _applications(ids)
    previous = {
        (v.record_id, v.version): v.data
        for versions in past_versions(DATASET, [a.id for a in applications]).values()
        for v in versions
    }
    return [item_for(app, a, changes(a, previous.get((a.id, a.version - 1), {}))) for a in applications]


def changes(application: Application, before: Mapping[str, Any]) -> str:
    """``Status: Pending consideration → Approved; Decision: none → Granted`` (empty if nothing shown changed)."""
    parts = []
    for name, label in LABELS.items():
        old, new = before.get(name), getattr(application, name)
        new = new.isoformat() if hasattr(new, "isoformat") else new
        if (old or None) != (new or None):
            parts.append(
                gettext(
                    "%(label)s: %(old)s → %(new)s", label=label, old=old or gettext("none"), new=new or gettext("none")
                )
                if name != "description"
                else gettext("Proposal changed")
            )
    if before and (before.get("latitude"), before.get("longitude")) != (application.latitude, application.longitude):
        parts.append(gettext("Location changed"))
    return "; ".join(parts) or gettext("Details changed")


def clean_filters(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``{"types": [...], "keywords": "extension, tree"}`` -> stored filters; ValueError for the resident."""
    unknown = set(raw) - {"types", "keywords"}
    if unknown:
        raise ValueError(gettext("Unknown filter %(names)s; use types and keywords", names=", ".join(sorted(unknown))))
    types = raw.get("types") or []
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list) or not all(isinstance(t, str) and 0 < len(t) <= 200 for t in types):
        raise ValueError(gettext("Choose application types from the list"))
    if len(types) > MAX_TYPES:
        raise ValueError(gettext("Choose at most %(count)s application types", count=MAX_TYPES))
    keywords = raw.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [w.strip() for w in re.split(r"[,;\n]", keywords)]
    if not isinstance(keywords, list) or not all(isinstance(w, str) for w in keywords):
        raise ValueError(gettext("Enter keywords separated by commas"))
    keywords = [w for w in dict.fromkeys(" ".join(w.split()).lower() for w in keywords) if w]
    if len(keywords) > MAX_KEYWORDS or any(len(w) > MAX_KEYWORD_LENGTH for w in keywords):
        raise ValueError(
            gettext(
                "Enter at most %(count)s keywords of up to %(length)s characters each",
                count=MAX_KEYWORDS,
                length=MAX_KEYWORD_LENGTH,
            )
        )
    cleaned: dict[str, Any] = {}
    if types:
        cleaned["types"] = sorted(set(types))
    if keywords:
        cleaned["keywords"] = keywords
    return cleaned


def accepts(item: Item, filters: Mapping[str, Any]) -> bool:
    """Types: the application's type is one of them. Keywords: a word in the proposal or address starts with one.

    Only "near" items are filtered, and their summary is the proposal.
    """
    details = item.details
    if filters.get("types") and details.get("application_type") not in filters["types"]:
        return False
    if filters.get("keywords"):
        text = f"{item.summary} {details.get('address', '')}".lower()
        # Words start at a word boundary: "tree" finds "trees" but not "street".
        return any(re.search(rf"\b{re.escape(word)}", text) for word in filters["keywords"])
    return True


def describe_filters(filters: Mapping[str, Any]) -> str:
    parts = []
    if filters.get("types"):
        parts.append(gettext("types %(types)s", types=", ".join(filters["types"])))
    if filters.get("keywords"):
        words = gettext(" or ").join(f"“{w}”" for w in filters["keywords"])
        parts.append(gettext("mentioning %(words)s", words=words))
    return "; ".join(parts)


def follow_label(app: Flask, key: str) -> str | None:
    """A followed application in words: its reference and address (None when there is no such application)."""
    if not key.isdigit() or len(key) > 18:
        return None
    application = db_session().get(Application, int(key))
    if application is None:
        return None
    address = application.address or application.postcode
    if address:
        return gettext("application %(reference)s, %(address)s", reference=application.reference, address=address)
    return gettext("application %(reference)s", reference=application.reference)


def topics() -> list[Topic]:
    return [
        Topic(
            NEAR,
            "New planning applications near you",
            DATASET,
            load_new,
            description="New applications within your chosen distance of a postcode or point, or in an area you draw",
            clean_filters=clean_filters,
            accepts=accepts,
            describe_filters=describe_filters,
        ),
        Topic(
            FOLLOW,
            "Changes to a planning application",
            DATASET,
            load_changed,
            matcher="key",
            events=("changed",),
            description="When an application you follow changes: its status, decision or details",
            label=follow_label,
        ),
    ]
