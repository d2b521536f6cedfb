"""Alerts through the core notifications layer: new reports near a place, updates on one report.

Residents subscribe at ``/alerts/`` (or from a report page, an area page or the duplicate
suggestions). Our own writes reach matching the way a feed's do: after committing, the plugin
announces the report ids as new or changed records of its ``street_reports.report`` dataset, and
the notify worker matches them against subscriptions, once per report (new) or per update (changed).

An update's alert holds what happened as data (the state, the update's text, the report's title) and
is worded when each message is sent (:func:`update_words`, from the topic's message templates), in
its follower's language: one staff reply reaches a Welsh follower in Welsh and an English one in
English, whatever language the reply was made in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from civicapps import (
    Item,
    RecordsIngested,
    Topic,
    announce_records_ingested,
    db_session,
    external_url,
    gettext,
    lazy_gettext,
)
from civicapps_street_reports.models import Report, Update
from civicapps_street_reports.settings import NAME
from civicapps_street_reports.states import label
from civicapps_street_reports.views import bp

DATASET = f"{NAME}.report"
NEW_TOPIC = f"{NAME}.new"
UPDATES_TOPIC = f"{NAME}.updates"


def _public(ids: Sequence[Any]) -> Iterator[Report]:
    query = select(Report).where(
        Report.id.in_([int(i) for i in ids]),
        Report.status != "unconfirmed",
        Report.hidden.is_(False),
        Report.private.is_(False),
    )
    return iter(db_session().scalars(query))


def load_new(app: Flask, ids: Sequence[Any]) -> Iterator[Item]:
    """New public reports, placed for area matching."""
    for report in _public(ids):
        yield Item(
            report.id,
            report.title,
            url=external_url("street_reports.report_page", report_id=report.id),
            summary=f"{report.category}: {report.details[:300]}",
            lon=report.lon,
            lat=report.lat,
        )


def load_updates(app: Flask, ids: Sequence[Any]) -> Iterator[Item]:
    """Reports with a new public update; ``version`` is the update's id, so each update alerts once.

    ``details`` hold the update as data, worded for each follower when sent (:func:`update_words`);
    the title and summary are the same words in today's language, for whatever shows an item
    without its templates.
    """
    for report in _public(ids):
        update = db_session().scalar(
            select(Update)
            .where(Update.report_id == report.id, Update.state == "confirmed")
            .order_by(Update.id.desc())
            .limit(1)
        )
        if update is None:
            continue
        details = {"report": report.title, "state": report.status, "text": update.text[:300]}
        words = update_words({"details": details})
        yield Item(
            report.id,
            words.title,
            url=external_url("street_reports.report_page", report_id=report.id),
            summary=words.summary,
            lon=report.lon,
            lat=report.lat,
            key=str(report.id),
            version=str(update.id),
            details=details,
        )


@dataclass(frozen=True)
class Words:
    """What an update's alert says: "Update on: <title>" and "Now: <state>. <the update's text>"."""

    title: str
    summary: str


@bp.app_template_global("street_reports_update_words")
def update_words(item: Mapping[str, Any]) -> Words:
    """An update alert's words in the current language, from its snapshot ``item``.

    Called by the topic's message templates under the core's ``force_locale``, so each follower reads
    their own language. An item matched before its details were stored (still in the outbox) keeps
    the words it was matched with.
    """
    details = item.get("details") or {}
    if "state" not in details:
        return Words(item.get("title") or "", item.get("summary") or "")
    summary = gettext("Now: %(state)s.", state=label(details["state"]))
    return Words(gettext("Update on: %(title)s", title=details["report"]), f"{summary} {details['text']}".strip())


def follow_label(app: Flask, key: str) -> str | None:
    """A followed report in words: its title (None for a report that is not public, or no report)."""
    if not key.isdigit() or len(key) > 18:
        return None
    found = list(_public([int(key)]))
    return gettext("the report “%(title)s”", title=found[0].title) if found else None


def topics() -> list[Topic]:
    return [
        Topic(
            "new",
            lazy_gettext("New street reports near you"),
            DATASET,
            load_new,
            description=lazy_gettext("Problems residents report near a place or in an area you choose."),
        ),
        Topic(
            "updates",
            lazy_gettext("Updates on a street report"),
            DATASET,
            load_updates,
            matcher="key",
            events=("changed",),
            description=lazy_gettext("Each change of state or comment on one report."),
            label=follow_label,
        ),
    ]


def announce(new: Iterable[int] = (), changed: Iterable[int] = ()) -> None:
    """Tell the notifications layer (and any plugin listening) about committed new or changed reports."""
    event = RecordsIngested(DATASET, f"{NAME}.web", tuple(new), tuple(changed))
    if event.new or event.changed:
        announce_records_ingested(current_app._get_current_object(), event)  # type: ignore[attr-defined]  # the proxy's own method; typed as Flask
