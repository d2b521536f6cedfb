"""The plugin's pages and JSON, mounted by the core at ``/organogram/``."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template

from civicapps_organogram.models import tree

bp = Blueprint("organogram", __name__, template_folder="templates")


@bp.get("/")
def index() -> str:
    return render_template("organogram/index.html", title="Community groups", roots=tree())


@bp.get("/groups.json")
def groups_json() -> Any:
    """The whole tree: each group with its ``children``."""
    return jsonify(groups=[node.as_json() for node in tree()])
