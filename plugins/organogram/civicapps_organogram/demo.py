"""Sample groups for ``civicapps demo``: a made-up community association in Douglas, Isle of Man,
with its committees and the association's officers (one name published, one not, one post vacant)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from civicapps import db_session
from civicapps_organogram.models import ACTIVE, Group, Membership, Person, Post


@dataclass(frozen=True)
class SampleGroup:
    name: str
    description: str
    theme: str = "community"
    children: tuple[SampleGroup, ...] = ()


SAMPLE = SampleGroup(
    "Upper Douglas Community Association",
    "Residents working together on events, green spaces and young people in Upper Douglas.",
    "community",
    (
        SampleGroup(
            "Events committee",
            "Plans the summer fair and the winter lights switch-on.",
            "arts",
            (
                SampleGroup("Summer fair team", "Stalls, music and the dog show in Noble's Park each July.", "arts"),
                SampleGroup("Christmas lights team", "Puts up the lights on Bucks Road & Woodbourne Road.", "arts"),
            ),
        ),
        SampleGroup(
            "Friends of Noble's Park",
            "Volunteers who keep the park tidy and plant the flower beds.",
            "environment",
            (
                SampleGroup(
                    "Tuesday litter pick", "Meets at the pavilion at 10am, gloves and pickers provided.", "environment"
                ),
            ),
        ),
        SampleGroup("Youth club", "Friday evenings for 11 to 16 year olds at the community hall.", "young-people"),
        SampleGroup("Allotment society", "Runs the 24 plots on Ballakermeen Road and the seed swap.", "environment"),
    ),
)
#: (ref, title, reports to, holder name or None for "not disclosed", or "" for vacant)
OFFICERS = [
    ("CHAIR", "Chair", None, "Ann Kermode"),
    ("SECRETARY", "Secretary", "CHAIR", None),
    ("TREASURER", "Treasurer", "CHAIR", ""),
    ("EVENTS-LEAD", "Events lead", "CHAIR", "Juan Quayle"),
]


def load_sample() -> None:
    """Add the sample groups and officers not already stored (groups matched by name under the same
    parent, posts by reference)."""
    top = _add(SAMPLE, None)
    session = db_session()
    top.area, top.contact_email, top.lat, top.lon = "Upper Douglas", "secretary@udca.example.org", 54.1555, -4.4905
    if session.scalar(select(Post.id).where(Post.group_id == top.id)) is None:
        posts: dict[str, Post] = {}
        for position, (ref, title, boss, holder) in enumerate(OFFICERS):
            post = Post(
                group_id=top.id,
                ref=ref,
                label=title,
                role=title.lower(),
                position=position,
                start_date=date(2024, 4, 1),
                reports_to_id=posts[boss].id if boss else None,
            )
            session.add(post)
            session.flush()
            posts[ref] = post
            if holder != "":
                person = Person(name=holder) if holder else None
                session.add_all([person] if person else [])
                session.flush()
                session.add(
                    Membership(
                        group_id=top.id,
                        post_id=post.id,
                        person_id=person.id if person else None,
                        status=ACTIVE,
                        name_public=person is not None,
                        start_date=date(2024, 4, 1),
                    )
                )
    session.commit()


def _add(sample: SampleGroup, parent_id: int | None) -> Group:
    session = db_session()
    same_place = Group.parent_id.is_not_distinct_from(parent_id)
    group = session.scalar(select(Group).where(Group.name == sample.name, same_place))
    if group is None:
        group = Group(
            name=sample.name,
            description=sample.description,
            parent_id=parent_id,
            theme=sample.theme,
            status=ACTIVE,
            area="Upper Douglas",
        )
        session.add(group)
        session.flush()  # the children need its id
    for child in sample.children:
        _add(child, group.id)
    return group
