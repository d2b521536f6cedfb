"""Importing a validated data.gov.uk organogram CSV pair into a group, and exporting a group as one.

Export is built from the public :class:`~civicapps_organogram.snapshot.Snapshot`, so a holder who did
not opt in is "N/D" in the file exactly as on the page. Importing a file again is an update: posts
are matched on their Post Unique Reference (which the format asks publishers to keep stable), a new
name on a post ends the old holder's membership and starts one for the new holder, so the history of
who held a post is kept; posts no longer in the file are removed with their history.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from civicapps import CivicappsError, db_session
from civicapps_organogram.models import ACTIVE, Group, JuniorRole, Membership, Person, Post
from civicapps_organogram.orgformat import ELIMINATED, NOT_DISCLOSED, TOP, VACANT, Row, Sheet, write_sheet
from civicapps_organogram.snapshot import Snapshot, current, load_snapshot

#: Senior columns stored on the post, by column title.
POST_COLUMNS = {
    "Grade (or equivalent)": "grade",
    "Job Title": "label",
    "Job/Team Function": "description",
    "Unit": "unit",
    "Contact Phone": "contact_phone",
    "Contact E-mail": "contact_email",
    "Salary Cost of Reports (£)": "salary_cost_of_reports",
    "FTE": "fte",
    "Actual Pay Floor (£)": "pay_floor",
    "Actual Pay Ceiling (£)": "pay_ceiling",
    "Professional/Occupational Group": "profession",
    "Notes": "notes",
}
#: Columns that may differ between the holders of a job share; kept per membership when they do.
HOLDER_COLUMNS = ("Contact Phone", "Contact E-mail", "FTE", "Actual Pay Floor (£)", "Actual Pay Ceiling (£)", "Notes")
JUNIOR_COLUMNS = {
    "Parent Department": "parent_department",
    "Organisation": "organisation",
    "Unit": "unit",
    "Grade": "grade",
    "Payscale Minimum (£)": "payscale_min",
    "Payscale Maximum (£)": "payscale_max",
    "Generic Job Title": "title",
    "Number of Posts in FTE": "fte",
    "Professional/Occupational Group": "profession",
}


def import_pair(senior: Sheet, junior: Sheet, today: date | None = None) -> Group:
    """Store a pair that :func:`~civicapps_organogram.validation.validate` passed; commits.

    Raises CivicappsError for what the format allows but this plugin does not store: several
    organisations in one file, and rows for people not in post (reference 0).
    """
    today = today or date.today()
    organisations = {row["Organisation"] for row in senior.rows}
    if len(organisations) != 1:
        raise CivicappsError(
            f"Expected one organisation in the senior sheet, found {len(organisations)}: import them one at a time."
        )
    if any(row["Post Unique Reference"] == "0" for row in senior.rows):
        raise CivicappsError(
            'Rows with "Post Unique Reference" 0 (people not in post) are not imported; remove them first.'
        )
    session = db_session()
    group = _group(organisations.pop(), senior.rows[0]["Parent Department"])
    by_ref: dict[str, list[Row]] = {}
    for row in senior.rows:
        by_ref.setdefault(row["Post Unique Reference"], []).append(row)
    stored = {post.ref: post for post in session.scalars(select(Post).where(Post.group_id == group.id))}
    for ref in stored.keys() - by_ref.keys():
        session.delete(stored.pop(ref))
    for position, (ref, rows) in enumerate(by_ref.items()):
        post = stored.get(ref) or Post(group_id=group.id, ref=ref, start_date=today)
        for title, attribute in POST_COLUMNS.items():
            setattr(post, attribute, rows[0][title])
        post.role, post.position = post.label, position
        post.eliminated_on = (post.eliminated_on or today) if rows[0]["Name"] == ELIMINATED else None
        session.add(post)
        stored[ref] = post
    session.flush()
    for ref, rows in by_ref.items():
        boss = rows[0]["Reports to Senior Post"]
        stored[ref].reports_to_id = None if boss.upper() == TOP else stored[boss].id
    _holders(group, {stored[ref]: rows for ref, rows in by_ref.items()}, today)
    session.execute(delete(JuniorRole).where(JuniorRole.group_id == group.id))
    for position, row in enumerate(junior.rows):
        values = {attribute: row[title] for title, attribute in JUNIOR_COLUMNS.items()}
        post_id = stored[row["Reporting Senior Post"]].id
        session.add(JuniorRole(group_id=group.id, reporting_post_id=post_id, position=position, **values))
    session.commit()
    return group


def _group(name: str, parent_department: str) -> Group:
    session = db_session()
    group = session.scalar(select(Group).where(Group.name == name, Group.status == ACTIVE).order_by(Group.id))
    if group is None:
        group = Group(name=name, status=ACTIVE, theme="community")
        session.add(group)
    group.parent_department = parent_department or None
    session.flush()
    return group


def _holders(group: Group, rows_by_post: dict[Post, list[Row]], today: date) -> None:
    """Make each post's current holders match its rows' names, ending and starting memberships.

    Two queries and one flush for the whole file, however many posts it has.
    """
    session = db_session()
    query = (
        select(Membership, Person)
        .outerjoin(Person, Membership.person_id == Person.id)
        .where(Membership.group_id == group.id, Membership.post_id.is_not(None))
    )
    holdings: dict[int, list[tuple[Membership, Person | None]]] = {}
    for membership, person in session.execute(current(query, today)):
        holdings.setdefault(membership.post_id, []).append((membership, person))
    starting: list[tuple[Post, Row, Row, Person | None]] = []
    for post, rows in rows_by_post.items():
        wanted = sorted((row for row in rows if row["Name"] not in (VACANT, ELIMINATED)), key=_row_name)
        now = sorted(holdings.get(post.id, []), key=lambda held: _name(held[1]))
        if [_name(person) for _, person in now] == [_row_name(row) for row in wanted]:
            for (membership, _), row in zip(now, wanted, strict=True):
                membership.details = _details(rows[0], row)
            continue
        for membership, _ in now:
            membership.end_date = today
        for row in wanted:
            person = Person(name=row["Name"]) if row["Name"] != NOT_DISCLOSED else None
            session.add_all([person] if person else [])
            starting.append((post, rows[0], row, person))
    session.flush()
    for post, first, row, person in starting:
        session.add(
            Membership(
                person_id=person.id if person else None,
                group_id=group.id,
                post_id=post.id,
                status=ACTIVE,
                name_public=person is not None,
                start_date=today,
                details=_details(first, row),
            )
        )


def _name(person: Person | None) -> str:
    return person.name or NOT_DISCLOSED if person else NOT_DISCLOSED


def _row_name(row: Row) -> str:
    return row["Name"]


def _details(first: Row, row: Row) -> dict[str, str]:
    return {title: row[title] for title in HOLDER_COLUMNS if row[title] != first[title]}


def export_pair(group: Group) -> tuple[str, str]:
    """The group as (senior CSV, junior CSV) text, with undisclosed names as "N/D"."""
    snapshot = load_snapshot(group)
    return write_sheet("senior", senior_rows(snapshot)), write_sheet("junior", junior_rows(snapshot))


def senior_rows(snapshot: Snapshot) -> list[list[str]]:
    """One row per current holder of each post (job shares), one "Vacant" or "Eliminated" row otherwise."""
    group = snapshot.group
    department = group.parent_department or group.name
    rows: list[list[str]] = []
    for post in snapshot.posts:
        boss = snapshot.ref_of(post.reports_to_id) or TOP
        base = {title: getattr(post, attribute) or "" for title, attribute in POST_COLUMNS.items()}
        base["Contact E-mail"] = post.contact_email or group.contact_email or NOT_DISCLOSED
        base["Contact Phone"] = post.contact_phone or NOT_DISCLOSED
        holders = snapshot.holders.get(post.id, []) if post.eliminated_on is None else []
        names = [(h.public_name or NOT_DISCLOSED, h.details) for h in holders] or [
            (ELIMINATED if post.eliminated_on else VACANT, {})
        ]
        for name, details in names:
            cells = base | {title: value for title, value in details.items() if title in HOLDER_COLUMNS}
            rows.append(
                [
                    post.ref,
                    name,
                    cells["Grade (or equivalent)"],
                    cells["Job Title"],
                    cells["Job/Team Function"],
                    department,
                    group.name,
                    cells["Unit"],
                    cells["Contact Phone"],
                    cells["Contact E-mail"],
                    boss,
                    cells["Salary Cost of Reports (£)"],
                    cells["FTE"],
                    cells["Actual Pay Floor (£)"],
                    cells["Actual Pay Ceiling (£)"],
                    "",
                    cells["Professional/Occupational Group"],
                    cells["Notes"],
                    "",
                ]
            )
    return rows


def junior_rows(snapshot: Snapshot) -> list[list[str]]:
    """The junior roles in their stored order, each naming the senior post it reports to."""
    roles = sorted((role for roles in snapshot.juniors.values() for role in roles), key=lambda role: role.position)
    department = snapshot.group.parent_department or snapshot.group.name
    return [
        [
            role.parent_department or department,
            role.organisation or snapshot.group.name,
            role.unit,
            snapshot.ref_of(role.reporting_post_id) or "",
            role.grade,
            role.payscale_min,
            role.payscale_max,
            role.title,
            role.fte,
            role.profession,
        ]
        for role in roles
    ]
