"""Popolo JSON (organizations, posts, persons, memberships) out of a group, and back in.

Popolo has no reporting line, so each post carries the W3C ORG ``reportsTo`` edge as the extension
property ``+reports_to_post_id`` (Popolo's own convention for non-spec properties), and its
organogram reference as ``+ref``. Only people who chose to publish their name appear in ``persons``;
a post held by someone undisclosed still has its membership, with no ``person_id``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from civicapps import CivicappsError, db_session
from civicapps_organogram.models import ACTIVE, Group, Membership, Person, Post
from civicapps_organogram.snapshot import load_snapshot


def org_id(group: Group) -> str:
    return f"organogram-group-{group.id}"


def export_popolo(group: Group) -> dict[str, Any]:
    """The group, its live and eliminated posts and their current holders, as a Popolo document."""
    snapshot = load_snapshot(group)
    organization: dict[str, Any] = {
        "id": org_id(group),
        "name": group.name,
        "classification": group.theme,
        "founding_date": group.created_at.date().isoformat(),
        "contact_details": [{"type": "email", "value": group.contact_email}] if group.contact_email else [],
        "links": [{"url": group.website}] if group.website else [],
        "identifiers": [{"identifier": group.identifier, "scheme": "org-id"}] if group.identifier else [],
    }
    if group.parent_id:
        organization["parent_id"] = f"organogram-group-{group.parent_id}"
    if group.area:
        organization["area"] = {"name": group.area}
    if group.archived_at:
        organization["dissolution_date"] = group.archived_at.date().isoformat()
    posts, persons, memberships = [], [], []
    for post in snapshot.posts:
        post_id = f"{org_id(group)}-post-{post.ref}"
        entry: dict[str, Any] = {
            "id": post_id,
            "label": post.label,
            "role": post.role,
            "organization_id": org_id(group),
            "+ref": post.ref,
            "contact_details": [{"type": "email", "value": post.contact_email or group.contact_email}]
            if (post.contact_email or group.contact_email) and post.contact_email != "N/D"
            else [],
        }
        if post.start_date:
            entry["start_date"] = post.start_date.isoformat()
        if post.eliminated_on:
            entry["end_date"] = post.eliminated_on.isoformat()
        boss = snapshot.ref_of(post.reports_to_id)
        if boss:
            entry["+reports_to_post_id"] = f"{org_id(group)}-post-{boss}"
        posts.append(entry)
        for number, holder in enumerate(snapshot.holders.get(post.id, []), start=1):
            membership: dict[str, Any] = {
                "id": f"{post_id}-holder-{number}",
                "organization_id": org_id(group),
                "post_id": post_id,
                "role": post.role,
                "label": post.label,
            }
            if holder.start_date:
                membership["start_date"] = holder.start_date.isoformat()
            if holder.public_name:
                person_id = f"{post_id}-person-{number}"
                persons.append({"id": person_id, "name": holder.public_name})
                membership["person_id"] = person_id
            memberships.append(membership)
    return {"organizations": [organization], "posts": posts, "persons": persons, "memberships": memberships}


def import_popolo(document: Any, today: date | None = None) -> Group:
    """Store a Popolo document with one organization as a new group; commits.

    Raises CivicappsError naming the JSON path of the first problem found.
    """
    today = today or date.today()
    _check(document)
    [organization] = document["organizations"]
    session = db_session()
    emails = [c["value"] for c in organization.get("contact_details") or [] if c.get("type") == "email"]
    group = Group(
        name=organization["name"],
        status=ACTIVE,
        theme=organization.get("classification") or "community",
        contact_email=emails[0] if emails else None,
        area=(organization.get("area") or {}).get("name"),
    )
    session.add(group)
    session.flush()
    posts: dict[str, Post] = {}
    for position, entry in enumerate(document.get("posts") or []):
        ref = entry.get("+ref") or f"P{position + 1}"
        label = entry.get("label") or entry.get("role") or ref
        post = Post(
            group_id=group.id,
            ref=ref,
            label=label,
            role=entry.get("role") or label,
            position=position,
            start_date=today,
            eliminated_on=today if entry.get("end_date") else None,
        )
        session.add(post)
        posts[entry["id"]] = post
    session.flush()
    for entry in document.get("posts") or []:
        boss = entry.get("+reports_to_post_id")
        posts[entry["id"]].reports_to_id = posts[boss].id if boss in posts else None
    names = {person["id"]: person.get("name") for person in document.get("persons") or []}
    for entry in document.get("memberships") or []:
        post = posts.get(entry.get("post_id"))
        person = None
        if entry.get("person_id") in names:
            person = Person(name=names[entry["person_id"]])
            session.add(person)
            session.flush()
        session.add(
            Membership(
                group_id=group.id,
                post_id=post.id if post else None,
                person_id=person.id if person else None,
                status=ACTIVE,
                name_public=person is not None,
                start_date=today,
            )
        )
    session.commit()
    return group


def _check(document: Any) -> None:
    if not isinstance(document, dict):
        raise CivicappsError(
            "A Popolo document must be a JSON object with organizations, posts, persons and memberships."
        )
    organizations = document.get("organizations")
    if not isinstance(organizations, list) or len(organizations) != 1:
        raise CivicappsError("$.organizations must list exactly one organization (import one group at a time).")
    if not isinstance(organizations[0].get("name"), str) or not organizations[0]["name"].strip():
        raise CivicappsError("$.organizations[0].name must be a non-empty string.")
    ids: set[str] = set()
    for index, post in enumerate(document.get("posts") or []):
        if not isinstance(post, dict) or not isinstance(post.get("id"), str):
            raise CivicappsError(f"$.posts[{index}].id must be a string.")
        if post["id"] in ids:
            raise CivicappsError(f'$.posts[{index}].id "{post["id"]}" is used twice.')
        ids.add(post["id"])
    for index, membership in enumerate(document.get("memberships") or []):
        if membership.get("post_id") is not None and membership["post_id"] not in ids:
            raise CivicappsError(
                f'$.memberships[{index}].post_id "{membership["post_id"]}" is not a post in this document.'
            )
