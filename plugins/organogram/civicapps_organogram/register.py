"""The council's register of groups: the public list by area and theme, its CSV, JSON and GeoJSON.

Only active groups are listed: a registration waiting for its email confirmation, or an archived
group, is not. The register never lists people; a group's map point is a meeting place or the centre
of its area that the group chose to publish, never a member's home.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from civicapps import csv_dict_writer, db_session, lazy_gettext
from civicapps_organogram.models import ACTIVE, Group

#: Theme keys (stored, and in the open data) and their names, shown in the page's language.
THEMES: dict[str, Any] = {
    "community": lazy_gettext("Residents and community"),
    "environment": lazy_gettext("Environment and green spaces"),
    "arts": lazy_gettext("Arts, culture and heritage"),
    "sport": lazy_gettext("Sport and leisure"),
    "young-people": lazy_gettext("Children and young people"),
    "older-people": lazy_gettext("Older people"),
    "health": lazy_gettext("Health and care"),
    "faith": lazy_gettext("Faith and belief"),
    "political": lazy_gettext("Political"),
    "trade-union": lazy_gettext("Trade union"),
}
#: Membership of these reveals special category data (UK GDPR Art 9): their membership is private by default.
SENSITIVE_THEMES = {"faith", "political", "trade-union"}
CSV_COLUMNS = (
    "id",
    "name",
    "theme",
    "area",
    "description",
    "contact_email",
    "website",
    "identifier",
    "parent_id",
    "verified",
    "lat",
    "lon",
    "url",
)


@dataclass
class Node:
    """A group with its sub-groups, for pages, JSON and the CLI alike."""

    group: Group
    children: list[Node] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.group.id,
            "name": self.group.name,
            "description": self.group.description,
            "children": [child.as_json() for child in self.children],
        }


def active_groups(area: str | None = None, theme: str | None = None) -> list[Group]:
    """Active groups, by name, optionally only those in an area (case-insensitive) or of a theme."""
    query = select(Group).where(Group.status == ACTIVE).order_by(Group.name, Group.id)
    if area:
        query = query.where(Group.area.ilike(area.strip()))
    if theme:
        query = query.where(Group.theme == theme)
    return list(db_session().scalars(query))


def areas() -> list[str]:
    """The distinct areas active groups name, for the filter."""
    query = select(Group.area).where(Group.status == ACTIVE, Group.area.is_not(None)).distinct().order_by(Group.area)
    return [area for area in db_session().scalars(query) if area]


def tree(groups: list[Group] | None = None) -> list[Node]:
    """Groups as a forest: a group whose parent is not in the list is a root; cycles are left out."""
    groups = active_groups() if groups is None else groups
    nodes = {group.id: Node(group) for group in groups}
    children: dict[int, list[Node]] = defaultdict(list)
    roots = []
    for group in groups:
        if group.parent_id in nodes:
            children[group.parent_id].append(nodes[group.id])
        else:
            roots.append(nodes[group.id])
    for node_id, node in nodes.items():
        node.children = children[node_id]
    return roots


def as_record(group: Group, url: str) -> dict[str, Any]:
    """A register entry: what the group itself published, never its members."""
    return {
        "id": group.id,
        "name": group.name,
        "theme": group.theme,
        "area": group.area,
        "description": group.description,
        "contact_email": group.contact_email,
        "website": group.website,
        "identifier": group.identifier,
        "parent_id": group.parent_id,
        "verified": group.verified_at is not None,
        "lat": group.lat,
        "lon": group.lon,
        "url": url,
    }


def as_csv(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv_dict_writer(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(record)
    return out.getvalue()


def as_geojson(records: list[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection of the groups that published a point (WGS84 lon, lat)."""
    features = [
        {
            "type": "Feature",
            "id": record["id"],
            "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]},
            "properties": {key: value for key, value in record.items() if key not in ("lat", "lon")},
        }
        for record in records
        if record["lat"] is not None and record["lon"] is not None
    ]
    return {"type": "FeatureCollection", "features": features}
