"""Signing up for reminders at one address: the core's subscribe() does the opt-in and the rest."""

from __future__ import annotations

from typing import Any

from flask import render_template

from civicapps import SubscriptionRequest, alert_channels, error_response, gettext, subscribe
from civicapps_bin_collections.forms import ReminderForm
from civicapps_bin_collections.reminders import TOPIC
from civicapps_bin_collections.settings import current_settings
from civicapps_bin_collections.store import address
from civicapps_bin_collections.web import bp


@bp.route("/address/<uprn>/reminders", methods=["GET", "POST"])
def reminders(uprn: str) -> Any:
    found = address(uprn)
    if found is None:
        return error_response(404, gettext("We do not have that address. Search by postcode."))
    form = ReminderForm()
    channels = alert_channels()
    form.channel.choices = [(c.name, c.label) for c in channels]
    if form.validate_on_submit():
        wanted = SubscriptionRequest(
            topic=TOPIC, channel=form.channel.data, target=form.target.data, frequency="instant", key=found.reference
        )
        answer = subscribe(wanted, form)
        if answer is not None:
            return answer
    return render_template(
        "bin_collections/reminders.html",
        address=found,
        form=form,
        hints=[f"{c.label}: {c.hint}" for c in channels],
        reminder_time=current_settings().reminder_time,
    )
