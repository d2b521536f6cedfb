"""Staff pages of the app directory: every app with its switch (``/-/apps``) and the switch log."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from civicapps.app_directory import directory
from civicapps.app_switches import set_enabled, switch_log, switchable
from civicapps.auth import current_actor, staff_required
from civicapps.i18n import gettext

bp = Blueprint("apps", __name__)


@bp.get("/-/apps")
@staff_required
def index() -> str:
    """Every installed app: what it is, what it needs, and a button to switch it on or off."""
    return render_template(
        "civicapps/apps.html", title=gettext("Apps"), apps=directory(current_app), form=FlaskForm()
    )


@bp.post("/-/apps/<name>")
@staff_required
def switch(name: str) -> Any:
    """Switch one app on or off (the form's ``enabled`` is ``on`` or ``off``); takes effect at once."""
    if name not in switchable(current_app):
        abort(404)
    wanted = request.form.get("enabled")
    if not FlaskForm().validate_on_submit() or wanted not in ("on", "off"):
        abort(400)
    actor = current_actor()
    assert actor is not None  # staff_required
    set_enabled(current_app, name, wanted == "on", f"{actor.name} (staff #{actor.id})")
    if wanted == "on":
        flash(gettext("%(name)s is switched on: its pages, feeds and alerts are back.", name=name), "success")
    else:
        flash(
            gettext("%(name)s is switched off: its pages, feeds and alerts are paused. Its data is kept.", name=name),
            "success",
        )
    return redirect(url_for("core.apps.index"))


@bp.get("/-/apps/log")
@staff_required
def log() -> str:
    """Who switched which app on or off, and when, newest first."""
    return render_template("civicapps/apps_log.html", title=gettext("App switch log"), changes=switch_log())
