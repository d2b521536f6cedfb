"""Stored groups and the tree they form."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from civicapps import Model, db_session


class Group(Model):
    """A group of people: an organisation, or a committee or team inside its parent group."""

    __tablename__ = "organogram_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organogram_group.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC), server_default=func.now()
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


def tree() -> list[Node]:
    """Every group reachable from a top-level group, siblings sorted by name, in one query."""
    groups = db_session().scalars(select(Group).order_by(Group.name, Group.id)).all()
    nodes = {group.id: Node(group) for group in groups}
    roots: list[Node] = []
    children: dict[int, list[Node]] = defaultdict(list)
    for group in groups:
        (roots if group.parent_id is None else children[group.parent_id]).append(nodes[group.id])
    for node_id, node in nodes.items():
        node.children = children[node_id]
    return roots
