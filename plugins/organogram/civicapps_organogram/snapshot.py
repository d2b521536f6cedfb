"""A group's posts, current holders and junior roles as the public may see them, in three queries.

Every public output (pages, chart, CSV, Popolo, Open Referral) is built from a :class:`Snapshot`, and a
snapshot never holds a name its holder did not choose to publish: that one rule is what keeps private
names out of every page, file and API. Names appear only where the membership's ``name_public`` is set
and the group does not keep its whole membership private (political, religious or union groups, UK
GDPR Art 9).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from civicapps import db_session, gettext, lazy_gettext
from civicapps_organogram.models import ACTIVE, Group, JuniorRole, Membership, Person, Post

#: Said in place of a holder's name (lower case: they follow "Chair: " on the group page).
NOT_DISCLOSED_TEXT = lazy_gettext("not disclosed")
VACANT_TEXT = lazy_gettext("vacant")


@dataclass(frozen=True)
class Holder:
    """Someone holding a post now. ``public_name`` is None when the name is not to be disclosed."""

    public_name: str | None
    start_date: date | None
    details: dict[str, Any]

    @property
    def display(self) -> str:
        return self.public_name or str(NOT_DISCLOSED_TEXT)


@dataclass
class Snapshot:
    """What the public may know about a group's structure today."""

    group: Group
    posts: list[Post]
    holders: dict[int, list[Holder]] = field(default_factory=dict)
    juniors: dict[int, list[JuniorRole]] = field(default_factory=dict)

    @property
    def live_posts(self) -> list[Post]:
        return [post for post in self.posts if post.eliminated_on is None]

    def ref_of(self, post_id: int | None) -> str | None:
        return self._refs.get(post_id) if post_id is not None else None

    def children(self) -> dict[int | None, list[Post]]:
        """Live posts by the id of the post they report to (None for top posts and broken links)."""
        live = {post.id for post in self.live_posts}
        result: dict[int | None, list[Post]] = defaultdict(list)
        for post in self.live_posts:
            boss = post.reports_to_id if post.reports_to_id in live and post.reports_to_id != post.id else None
            result[boss].append(post)
        return result

    def holder_text(self, post: Post) -> str:
        """ "Jane Smith", "not disclosed", "Jane Smith and not disclosed" or "vacant", in the page's language."""
        names = [holder.display for holder in self.holders.get(post.id, [])]
        if not names:
            return str(VACANT_TEXT)
        text = names[0]
        for name in names[1:]:
            text = gettext("%(first)s and %(second)s", first=text, second=name)
        return text

    def names_only(self, post: Post) -> bool:
        """Whether every current holder of ``post`` is shown by their published name (nothing to translate)."""
        holders = self.holders.get(post.id, [])
        return bool(holders) and all(holder.public_name for holder in holders)

    def __post_init__(self) -> None:
        self._refs = {post.id: post.ref for post in self.posts}


def public_name(membership: Membership, person: Person | None, group: Group) -> str | None:
    """The name the public may see for this membership, or None."""
    if group.membership_private or not membership.name_public or person is None:
        return None
    return person.name or None


def current(query: Any, today: date) -> Any:
    """Restrict a Membership query to memberships in force on ``today``."""
    return query.where(
        Membership.status == ACTIVE,
        or_(Membership.start_date.is_(None), Membership.start_date <= today),
        or_(Membership.end_date.is_(None), Membership.end_date > today),
    )


def load_snapshot(group: Group, today: date | None = None) -> Snapshot:
    """The group's posts (in their order), current holders and junior roles."""
    session = db_session()
    today = today or date.today()
    posts = list(session.scalars(select(Post).where(Post.group_id == group.id).order_by(Post.position, Post.id)))
    snapshot = Snapshot(group, posts)
    query = (
        select(Membership, Person)
        .outerjoin(Person, Membership.person_id == Person.id)
        .where(Membership.group_id == group.id, Membership.post_id.is_not(None))
        .order_by(Membership.id)
    )
    for membership, person in session.execute(current(query, today)):
        holder = Holder(public_name(membership, person, group), membership.start_date, dict(membership.details or {}))
        snapshot.holders.setdefault(membership.post_id, []).append(holder)
    juniors = session.scalars(select(JuniorRole).where(JuniorRole.group_id == group.id).order_by(JuniorRole.position))
    for junior in juniors:
        snapshot.juniors.setdefault(junior.reporting_post_id, []).append(junior)
    return snapshot
