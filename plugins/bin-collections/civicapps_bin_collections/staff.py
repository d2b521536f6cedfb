"""Staff pages: the data check, upcoming exceptions, and disruption notices sent to subscribers."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from sqlalchemy import select

from civicapps import current_actor, db_session, gettext, ngettext, staff_required, subscriber_count
from civicapps_bin_collections import clock
from civicapps_bin_collections.data_check import data_check
from civicapps_bin_collections.forms import DisruptionForm
from civicapps_bin_collections.models import Disruption
from civicapps_bin_collections.reminders import TOPIC, announce_disruption
from civicapps_bin_collections.schedule import parse_rounds
from civicapps_bin_collections.store import rounds_by_id
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
