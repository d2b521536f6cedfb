"""Reminders the evening before a collection, and disruption notices, through the core notifications.

Residents subscribe to the key topic ``bin_collections.reminders`` with their address's UPRN as the
key (double opt-in, manage and one-click stop are the core's). Each evening at the council's
reminder time, the ``bin_collections.evening`` job announces one item per address collected
tomorrow (``"<date>:<uprn>"``) on the dataset ``bin_collections.notice``; the core matches them to
subscriptions by UPRN and sends through the outbox, whose unique key (subscription, item) means a
second announcement, after a restart or the next day, sends nothing twice. The ``Evening`` ledger
saves announcing an evening again; staff notices are items ``"disruption:<id>:<uprn>"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import select

from civicapps import (
    Item,
    Job,
    RecordsIngested,
    Topic,
    announce_records_ingested,
    db_session,
    external_url,
    gettext,
    lazy_gettext,
)
from civicapps_bin_collections import clock
from civicapps_bin_collections.disruptions import affects
from civicapps_bin_collections.models import Address, Disruption, Evening
from civicapps_bin_collections.schedule import LONDON, collections
from civicapps_bin_collections.settings import NAME, current_settings
from civicapps_bin_collections.store import Pickup, change_rules, round_ids, rounds_by_id, rule_of
from civicapps_bin_collections.web import bp
from civicapps_bin_collections.words import day_words, moved_words

TOPIC = f"{NAME}.reminders"
DATASET = f"{NAME}.notice"
DISRUPTION = "disruption"
ANNOUNCE_BATCH = 5000
IN_CHUNK = 500


def tomorrows_pickups(day: dt.date) -> dict[str, list[Pickup]]:
    """Round id -> its collections on ``day`` (a list of one, or empty), exceptions applied."""
    rounds = rounds_by_id()
    week_a = current_settings().week_a_starts
    found = collections([rule_of(r, week_a) for r in rounds.values()], change_rules(), day, day)
    return {c.round_id: [Pickup(c, rounds[c.round_id])] for c in found}


def addresses_collected(day: dt.date) -> list[str]:
    """UPRNs with a collection on ``day``."""
    by_round = tomorrows_pickups(day)
    if not by_round:
        return []
    rows = db_session().execute(select(Address.reference, Address.rounds))
    return [uprn for uprn, rounds in rows if any(r in by_round for r in round_ids(rounds))]


def announce(app: Flask, source: str, ids: list[str]) -> None:
    """Announce items in batches: each is matched on its own, so no one match holds the database's
    write lock for long (a 100,000-address evening in one batch held SQLite's for most of a minute)."""
    for start in range(0, len(ids), ANNOUNCE_BATCH):
        batch = tuple(ids[start : start + ANNOUNCE_BATCH])
        announce_records_ingested(app, RecordsIngested(DATASET, source, new=batch, changed=()))


def announce_evening(app: Flask, now: dt.datetime | None = None) -> int:
    """The ``bin_collections.evening`` job: once it is past the reminder time in London, announce
    tomorrow's collections, once per evening; returns how many addresses were announced."""
    now = now or clock.now()
    local = now.astimezone(LONDON)
    if local.time() < current_settings().reminder_time:
        return 0
    day = local.date() + dt.timedelta(days=1)
    session = db_session()
    if session.get(Evening, day) is not None:
        return 0
    uprns = addresses_collected(day)
    announce(app, "reminders", [f"{day.isoformat()}:{u}" for u in uprns])
    db_session(write=True)
    if session.get(Evening, day) is None:
        session.add(Evening(collection_date=day, announced_at=now))
    session.commit()
    return len(uprns)


def announce_disruption(app: Flask, notice: Disruption) -> int:
    """Tell the subscribers of the addresses a (committed) notice concerns; returns how many addresses."""
    rows = db_session().execute(select(Address.reference, Address.rounds))
    uprns = [uprn for uprn, rounds in rows if affects(notice, round_ids(rounds))]
    announce(app, "disruption", [f"{DISRUPTION}:{notice.id}:{u}" for u in uprns])
    return len(uprns)


def load_items(app: Flask, ids: Sequence[str]) -> Iterator[Item]:
    """Items for announced ids: a reminder per address and evening, or a disruption notice.

    Their ``details`` hold what the message says as data (dates, bins, changes); the words are
    written when each message is rendered (:func:`message_words`, from the topic's templates), in
    its subscriber's language. The title and summary here are the same words in today's language,
    for whatever shows an item without its templates.
    """
    reminders: dict[str, list[str]] = {}
    notices: dict[int, list[str]] = {}
    for text in ids:
        kind, _, uprn = str(text).rpartition(":")
        if kind.startswith(f"{DISRUPTION}:"):
            notices.setdefault(int(kind.split(":")[1]), []).append(uprn)
        else:
            reminders.setdefault(kind, []).append(uprn)
    yield from _reminder_items(reminders)
    for notice_id, uprns in notices.items():
        notice = db_session().get(Disruption, notice_id)
        if notice is not None:
            for uprn in uprns:
                yield _item(f"{DISRUPTION}:{notice_id}:{uprn}", uprn, {"kind": "disruption", "message": notice.message})


def _item(item_id: str, uprn: str, details: dict[str, Any], words: Words | None = None) -> Item:
    words = words or message_words(details)
    url = external_url("bin_collections.address_page", uprn=uprn)
    return Item(item_id, words.title, url=url, summary=words.summary, key=uprn, details=details)


def _reminder_items(by_day: dict[str, list[str]]) -> Iterable[Item]:
    for day_text, uprns in by_day.items():
        day = dt.date.fromisoformat(day_text)
        by_round = tomorrows_pickups(day)
        addresses = {
            a.reference: a
            for start in range(0, len(uprns), IN_CHUNK)  # no IN (...) longer than a database takes
            for a in db_session().scalars(select(Address).where(Address.reference.in_(uprns[start : start + IN_CHUNK])))
        }
        words: dict[tuple[str, ...], Words] = {}  # addresses on the same rounds read the same
        for uprn in uprns:
            address = addresses.get(uprn)
            if address is None:
                continue
            rounds = tuple(r for r in round_ids(address.rounds) if r in by_round)
            if rounds:
                details = reminder_details(day, address.address, [p for r in rounds for p in by_round[r]])
                if rounds not in words:
                    words[rounds] = message_words(details)
                yield _item(f"{day.isoformat()}:{uprn}", uprn, details, words[rounds])


def reminder_details(day: dt.date, address: str, due: list[Pickup]) -> dict[str, Any]:
    """A reminder as JSON data: the day, the council's names of the bins, and each bin's move."""
    changes = [
        {"from": p.collection.moved_from.isoformat(), "to": p.day.isoformat(), "reason": p.collection.reason}
        for p in due
        if p.collection.moved_from
    ]
    bins = [p.round.bin for p in due]
    return {"kind": "reminder", "day": day.isoformat(), "address": address, "bins": bins, "changes": changes}


@dataclass(frozen=True)
class Words:
    """What a message says: "Bin collection tomorrow, Tuesday 30 March" and "Put out: ...", changes named."""

    title: str
    summary: str


@bp.app_template_global("bin_collections_words")
def message_words(details: Mapping[str, Any]) -> Words:
    """A reminder's or notice's words in the current language: called by the topic's message
    templates under the core's ``force_locale``, so each subscriber reads their own language."""
    if details.get("kind") == "disruption":
        return Words(gettext("Bin collections: service disruption"), details["message"])
    bins = list(details["bins"])
    names = bins[0] if len(bins) == 1 else gettext("%(bins)s and %(last)s", bins=", ".join(bins[:-1]), last=bins[-1])
    changes = [
        moved_words(dt.date.fromisoformat(c["from"]), dt.date.fromisoformat(c["to"]), c["reason"])
        for c in details["changes"]
    ]
    summary = gettext("Put out: %(bins)s.", bins=names) + "".join(f" {change}." for change in changes)
    day = dt.date.fromisoformat(details["day"])
    return Words(gettext("Bin collection tomorrow, %(day)s", day=day_words(day)), summary)


def address_label(app: Flask, key: str) -> str | None:
    address = db_session().scalar(select(Address.address).where(Address.reference == key))
    return address


def topics() -> list[Topic]:
    return [
        Topic(
            "reminders",
            lazy_gettext("Bin collection reminders"),
            DATASET,
            load_items,
            matcher="key",
            description=lazy_gettext("A message the evening before each collection, and news of disruption."),
            label=address_label,
        )
    ]


def jobs() -> list[Job]:
    return [
        Job(
            "evening",
            announce_evening,
            cron="*/5 * * * *",
            description="announce tomorrow's collections once it is past the reminder time",
        )
    ]
