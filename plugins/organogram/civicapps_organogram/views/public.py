"""What anyone may see: the register of groups, each group's page and chart, and the open data files.

Everything about people comes from the public snapshot, so a name nobody chose to publish cannot
reach these pages or files.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, jsonify, render_template, request, url_for
from sqlalchemy import select

from civicapps import db_session, gettext
from civicapps_organogram.chart import BOX_H, BOX_W, describe, layout
from civicapps_organogram.identity import current_person
from civicapps_organogram.membership import group_membership, is_admin
from civicapps_organogram.models import ACTIVE, Group
from civicapps_organogram.openreferral import organization
from civicapps_organogram.orgcsv import export_pair
from civicapps_organogram.popolo import export_popolo
from civicapps_organogram.register import THEMES, active_groups, areas, as_csv, as_geojson, as_record, tree
from civicapps_organogram.snapshot import load_snapshot
from civicapps_organogram.views.blueprint import bp, visible_group


def _filters() -> tuple[str | None, str | None]:
    area = request.args.get("area") or None
    theme = request.args.get("theme") if request.args.get("theme") in THEMES else None
    return area, theme


def _records() -> list[dict[str, Any]]:
    area, theme = _filters()
    return [
        as_record(g, url_for("organogram.group_page", group_id=g.id, _external=True))
        for g in active_groups(area, theme)
    ]


@bp.get("/")
def index() -> str:
    area, theme = _filters()
    groups = active_groups(area, theme)
    return render_template(
        "organogram/index.html",
        title=gettext("Community groups"),
        roots=tree(groups),
        count=len(groups),
        areas=areas(),
        themes=THEMES,
        area=area,
        theme=theme,
        query=request.args.to_dict(),
    )


@bp.get("/groups.json")
def groups_json() -> Any:
    """The active groups as a tree: each group with its ``children``."""
    return jsonify(groups=[node.as_json() for node in tree()])


@bp.get("/register.json")
def register_json() -> Any:
    """The register, filtered like the page (``area``, ``theme``)."""
    return jsonify(groups=_records())


@bp.get("/register.csv")
def register_csv() -> Response:
    return _download(as_csv(_records()), "text/csv", "community-groups.csv")


@bp.get("/register.geojson")
def register_geojson() -> Response:
    """Groups that published a map point, as GeoJSON for the map."""
    return Response(json.dumps(as_geojson(_records())), mimetype="application/geo+json")


@bp.get("/openreferral/organizations.json")
def openreferral_organizations() -> Any:
    """Open Referral UK organization records of every active group, for the council's directory."""
    return jsonify([organization(group) for group in active_groups()])


@bp.get("/groups/<int:group_id>")
def group_page(group_id: int) -> str:
    group = visible_group(group_id)
    snapshot = load_snapshot(group)
    person = current_person()
    parent = db_session().get(Group, group.parent_id) if group.parent_id else None
    subgroups = list(
        db_session().scalars(
            select(Group).where(Group.parent_id == group.id, Group.status == ACTIVE).order_by(Group.name)
        )
    )
    chart = layout(snapshot)
    return render_template(
        "organogram/group.html",
        title=group.name,
        group=group,
        snapshot=snapshot,
        chart=chart,
        chart_text=describe(chart, group.name, standalone=False),
        children=snapshot.children(),
        box_w=BOX_W,
        box_h=BOX_H,
        theme_name=THEMES.get(group.theme, group.theme),
        parent=parent,
        subgroups=subgroups,
        membership=group_membership(person, group),
        admin=is_admin(person, group),
        signed_in=person is not None,
    )


@bp.get("/groups/<int:group_id>/chart.svg")
def chart_svg(group_id: int) -> Response:
    """The chart as a standalone SVG file, to download or print."""
    group = visible_group(group_id)
    chart = layout(load_snapshot(group))
    svg = render_template(
        "organogram/chart.svg",
        group=group,
        chart=chart,
        chart_text=describe(chart, group.name, standalone=True),
        box_w=BOX_W,
        box_h=BOX_H,
        standalone=True,
    )
    return _download(svg, "image/svg+xml", f"organogram-{group.id}.svg")


@bp.get("/groups/<int:group_id>/organogram-<any(senior, junior):kind>.csv")
def organogram_csv(group_id: int, kind: str) -> Response:
    """The data.gov.uk-style senior or junior CSV of the group."""
    senior, junior = export_pair(visible_group(group_id))
    return _download(senior if kind == "senior" else junior, "text/csv", f"organogram-{group_id}-{kind}.csv")


@bp.get("/groups/<int:group_id>/popolo.json")
def popolo_json(group_id: int) -> Any:
    return jsonify(export_popolo(visible_group(group_id)))


@bp.get("/groups/<int:group_id>/openreferral.json")
def openreferral_json(group_id: int) -> Any:
    return jsonify(organization(visible_group(group_id)))


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
