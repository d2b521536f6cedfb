"""The blueprint every view module adds its routes to, and the helpers they share."""

from __future__ import annotations

from flask import Blueprint, abort

from civicapps import db_session
from civicapps_organogram.models import ACTIVE, ARCHIVED, Group

bp = Blueprint("organogram", "civicapps_organogram", template_folder="templates", static_folder="static")


def visible_group(group_id: int) -> Group:
    """An active or archived group, else 404: an unconfirmed registration is nobody's business yet."""
    group = db_session().get(Group, group_id)
    if group is None or group.status not in (ACTIVE, ARCHIVED):
        abort(404)
    return group
