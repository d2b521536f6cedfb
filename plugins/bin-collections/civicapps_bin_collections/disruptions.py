"""Staff disruption notices: which are current for an address's rounds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select

from civicapps import db_session
from civicapps_bin_collections.models import Disruption
from civicapps_bin_collections.schedule import parse_rounds


def affects(notice: Disruption, rounds: Iterable[str]) -> bool:
    """A notice with no rounds concerns everyone; otherwise those whose rounds it names."""
    named = parse_rounds(notice.rounds) if notice.rounds.strip() else None
    return named is None or bool(named & set(rounds))


def current_notices(rounds: Iterable[str], today: dt.date) -> list[Disruption]:
    """Notices not yet over that concern any of ``rounds``, newest first."""
    wanted = list(rounds)
    query = select(Disruption).where(Disruption.ends_on >= today).order_by(Disruption.id.desc())
    return [n for n in db_session().scalars(query) if affects(n, wanted)]
