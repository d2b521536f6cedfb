"""The blueprint every view module adds its routes to, and the helpers they share."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from civicapps import db_session
from civicapps_organogram.dates import local_date
from civicapps_organogram.models import ACTIVE, ARCHIVED, Group

bp = Blueprint("organogram", "civicapps_organogram", template_folder="templates", static_folder="static")
bp.add_app_template_filter(local_date, "organogram_date")


def visible_group(group_id: int) -> Group:
    """An active or archived group, else 404: an unconfirmed registration is nobody's business yet."""
    group = db_session().get(Group, group_id)
    if group is None or group.status not in (ACTIVE, ARCHIVED):
        abort(404)
    return group


def message(title: str, text: str, link: tuple[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    """A page that tells the resident what happened (a link sent, an expired link), with a way on."""
    return render_template("organogram/message.html", title=title, message=text, link=link), status
