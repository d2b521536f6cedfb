"""Sample groups for ``civicapps demo``: a made-up community association in Douglas, Isle of Man."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from civicapps import db_session
from civicapps_organogram.models import Group


@dataclass(frozen=True)
class SampleGroup:
    name: str
    description: str
    children: tuple[SampleGroup, ...] = ()


SAMPLE = SampleGroup(
    "Upper Douglas Community Association",
    "Residents working together on events, green spaces and young people in Upper Douglas.",
    (
        SampleGroup(
            "Events committee",
            "Plans the summer fair and the winter lights switch-on.",
            (
                SampleGroup("Summer fair team", "Stalls, music and the dog show in Noble's Park each July."),
                SampleGroup("Christmas lights team", "Puts up the lights on Bucks Road & Woodbourne Road."),
            ),
        ),
        SampleGroup(
            "Friends of Noble's Park",
            "Volunteers who keep the park tidy and plant the flower beds.",
            (SampleGroup("Tuesday litter pick", "Meets at the pavilion at 10am, gloves and pickers provided."),),
        ),
        SampleGroup("Youth club", "Friday evenings for 11 to 16 year olds at the community hall."),
        SampleGroup("Allotment society", "Runs the 24 plots on Ballakermeen Road and the seed swap."),
    ),
)


def load_sample() -> None:
    """Add the sample groups not already stored (matched by name under the same parent)."""
    _add(SAMPLE, None)
    db_session().commit()


def _add(sample: SampleGroup, parent_id: int | None) -> None:
    session = db_session()
    same_place = Group.parent_id.is_not_distinct_from(parent_id)
    group = session.scalar(select(Group).where(Group.name == sample.name, same_place))
    if group is None:
        group = Group(name=sample.name, description=sample.description, parent_id=parent_id)
        session.add(group)
        session.flush()  # the children need its id
    for child in sample.children:
        _add(child, group.id)
