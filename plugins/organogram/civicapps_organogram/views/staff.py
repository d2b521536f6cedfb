"""Council staff's view of the register: every active group, and the "verified by the council" badge.

Staff sign in through the core (``staff_required``); residents' sign-in never reaches these pages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import abort, flash, redirect, render_template, url_for

from civicapps import current_actor, db_session, gettext, staff_required
from civicapps_organogram.forms import ActionForm
from civicapps_organogram.models import ACTIVE, Group
from civicapps_organogram.register import THEMES, active_groups
from civicapps_organogram.views.blueprint import bp


@bp.get("/staff/")
@staff_required
def staff_register() -> str:
    return render_template(
        "organogram/staff.html",
        title=gettext("Register of community groups"),
        groups=active_groups(),
        themes=THEMES,
    )


@bp.post("/staff/groups/<int:group_id>/<any(verify, unverify):action>")
@staff_required
def verify_group(group_id: int, action: str) -> Any:
    group = db_session().get(Group, group_id)
    if group is None or group.status != ACTIVE:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    actor = current_actor()
    group.verified_at = datetime.now(UTC) if action == "verify" else None
    group.verified_by = actor.name if action == "verify" and actor else None
    db_session().commit()
    if action == "verify":
        flash(gettext("%(group)s is now marked as verified by the council", group=group.name), "success")
    else:
        flash(gettext("%(group)s is no longer marked as verified", group=group.name), "success")
    return redirect(url_for("organogram.staff_register"))
