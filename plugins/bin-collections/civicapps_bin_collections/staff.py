"""Staff pages: the data check, upcoming exceptions, and disruption notices sent to subscribers."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select

from civicapps import (
    csv_writer,
    current_actor,
    db_session,
    gettext,
    ngettext,
    staff_required,
    subscribed_keys,
    subscriber_count,
)
from civicapps_bin_collections import clock
from civicapps_bin_collections.data_check import data_check
from civicapps_bin_collections.forms import DisruptionForm
from civicapps_bin_collections.models import Address, Disruption
from civicapps_bin_collections.reminders import TOPIC, announce_disruption
from civicapps_bin_collections.schedule import parse_rounds
from civicapps_bin_collections.store import round_ids, rounds_by_id
from civicapps_bin_collections.web import bp


def staff_page(form: DisruptionForm) -> str:
    today = clock.today()
    notices = db_session().scalars(select(Disruption).where(Disruption.ends_on >= today).order_by(Disruption.id.desc()))
    return render_template(
        "bin_collections/staff.html",
        form=form,
        check=data_check(today),
        notices=list(notices),
        subscribers=subscriber_count(TOPIC),
        rounds=rounds_by_id(),
    )


@bp.get("/staff")
@staff_required
def staff() -> str:
    return staff_page(DisruptionForm())


@bp.post("/staff/notices")
@staff_required
def post_notice() -> Any:
    """Publish a disruption notice: shown on the affected addresses' pages and sent to their subscribers."""
    form = DisruptionForm()
    if form.validate_on_submit():
        named = parse_rounds(form.rounds.data or "") if (form.rounds.data or "").strip() else None
        unknown = sorted(set(named or ()) - set(rounds_by_id(named or ())))
        if unknown:
            form.rounds.errors = [gettext("There is no round %(ids)s", ids=", ".join(unknown))]
        elif form.ends_on.data < clock.today():
            form.ends_on.errors = [gettext("The last day must be today or later")]
        else:
            actor = current_actor()
            notice = Disruption(
                message=form.message.data.strip(),
                rounds=" ".join(sorted(named)) if named else "",
                starts_on=clock.today(),
                ends_on=form.ends_on.data,
                created_by=actor.name if actor else "",
            )
            db_session().add(notice)
            db_session().commit()
            count = announce_disruption(current_app, notice)
            flash(
                ngettext("Notice published for %(num)s address", "Notice published for %(num)s addresses", count),
                "success",
            )
            return redirect(url_for("bin_collections.staff"))
    return staff_page(form)


@bp.get("/staff/subscribers.csv")
@staff_required
def subscribers_csv() -> Response:
    """Reminder subscribers per round: counts only, no personal data (an address with two subscribers
    counts twice for each of its rounds)."""
    per_address = subscribed_keys(TOPIC)
    per_round: Counter[str] = Counter()
    for uprn, rounds in db_session().execute(select(Address.reference, Address.rounds)):
        for round_id in round_ids(rounds):
            per_round[round_id] += per_address.get(uprn, 0)
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["round", "bin", "subscribers"])
    writer.writerows((r.reference, r.bin, per_round[r.reference]) for r in rounds_by_id().values())
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=bin-subscribers.csv"}
    )
