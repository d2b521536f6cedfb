"""The data.gov.uk converter's validation rules for an organogram CSV pair, every error with its cell.

Mirrors ``verify_graph`` and the in-sheet checks of ``datagovuk/organograms : etl_to_csv.py``:
eliminated posts are ignored for the tree, job-share rows are merged, exactly one post reports to
"XX", every reporting link resolves, nothing reports to itself or goes round in a loop, references use
only ``0-9A-Za-z-``, and junior rows hang off a live senior post. Unlike the converter, every message
names a cell, so a publisher never has to hunt for the row. Community groups are not civil servants,
so a grade of "N/A" is accepted beside the senior civil service grades (the "community profile").
"""

from __future__ import annotations

import re

from civicapps_organogram.orgformat import ELIMINATED, JUNIOR_SHEET, NOT_DISCLOSED, TOP, Row, Sheet, SheetError

SENIOR_GRADES = {"SCS4", "SCS3", "SCS2", "SCS1A", "SCS1", "OF-9", "OF-8", "OF-7", "OF-6", "N/A"}
PROFESSIONS = {
    "Communications",
    "Economics",
    "Finance",
    "Human Resources",
    "Information Technology",
    "Internal Audit",
    "Knowledge and Information Management (KIM)",
    "Law",
    "Medicine",
    "Military",
    "Operational Delivery",
    "Operational Research",
    "Other",
    "Planning",
    "Policy",
    "Procurement",
    "Programme and Project Management (PPM)",
    "Property and asset management",
    "Psychology",
    "Science and Engineering",
    "Social Research",
    "Statisticians",
    "Tax Professionals",
    "Vets",
}
#: Cells that may differ between the rows of a job share (the converter's list).
JOB_SHARE_MAY_DIFFER = {
    "Name",
    "Actual Pay Floor (£)",
    "Actual Pay Ceiling (£)",
    "",
    "Contact Phone",
    "Contact E-mail",
    "Notes",
    "FTE",
    "Valid?",
}
REFERENCE = re.compile(r"[0-9A-Za-z-]+")
FTE = re.compile(r"\d+(\.\d{1,2})?")
MAX_DEPTH = 100


def validate(senior: Sheet, junior: Sheet) -> list[SheetError]:
    """Every problem with the pair, senior sheet first, then by row and column as a publisher reads it.

    An empty list means the pair can be imported.
    """
    errors = senior.errors + junior.errors
    for row in senior.rows:
        errors += _senior_cells(senior, row)
    for row in junior.rows:
        errors += _junior_cells(junior, row)
    errors += _senior_graph(senior)
    errors += _junior_links(senior, junior)
    return sorted(errors, key=lambda e: (e.sheet == JUNIOR_SHEET, e.row or 0, e.column or ""))


def _senior_cells(sheet: Sheet, row: Row) -> list[SheetError]:
    problems: list[tuple[str, str]] = []
    ref, name = row["Post Unique Reference"], row["Name"]
    if not ref:
        problems.append(("Post Unique Reference", 'The "Post Unique Reference" cannot be blank.'))
    elif TOP in ref.upper():
        problems.append(("Post Unique Reference", 'You cannot have "XX" in the "Post Unique Reference" column.'))
    elif " " in ref:
        problems.append(("Post Unique Reference", 'You cannot have spaces in the "Post Unique Reference" column.'))
    elif not REFERENCE.fullmatch(ref):
        problems.append(
            ("Post Unique Reference", 'You cannot have punctuation/symbols in the "Post Unique Reference" column.')
        )
    if not name:
        problems.append(("Name", 'The "Name" cannot be blank: give a name, "N/D", "Vacant" or "Eliminated".'))
    elif ref == "0" and name != NOT_DISCLOSED:
        problems.append(("Name", 'The "Name" must be "N/D" where the "Post Unique Reference" is 0.'))
    if row["Grade (or equivalent)"] not in SENIOR_GRADES:
        problems.append(("Grade (or equivalent)", f'"{row["Grade (or equivalent)"]}" is not a senior grade.'))
    if row["Job Title"] in ("", NOT_DISCLOSED):
        problems.append(("Job Title", 'The "Job Title" cannot be blank or "N/D".'))
    if row["Organisation"] in ("", NOT_DISCLOSED):
        problems.append(("Organisation", 'The "Organisation" cannot be blank or "N/D".'))
    email, phone = row["Contact E-mail"], row["Contact Phone"]
    if email not in ("N/D", "N/A") and ("@" not in email or "." not in email):
        problems.append(("Contact E-mail", f'"{email}" is not an e-mail address (or "N/D" or "N/A").'))
    if email == NOT_DISCLOSED and phone == NOT_DISCLOSED:
        problems.append(("Contact Phone", 'The contact phone and e-mail cannot both be "N/D".'))
    if not row["Reports to Senior Post"]:
        problems.append(
            ("Reports to Senior Post", 'The "Reports to Senior Post" cannot be blank: use "XX" for the top post.')
        )
    for title in ("Salary Cost of Reports (£)", "Actual Pay Floor (£)", "Actual Pay Ceiling (£)"):
        problems += _number(row, title)
    if not FTE.fullmatch(row["FTE"]) or float(row["FTE"]) > 1:
        problems.append(
            ("FTE", f'The "FTE" must be a number from 0 to 1 with at most 2 decimal places, not "{row["FTE"]}".')
        )
    problems += _profession(row)
    return [SheetError(sheet.name, message, sheet.column(title), row.number) for title, message in problems]


def _junior_cells(sheet: Sheet, row: Row) -> list[SheetError]:
    problems: list[tuple[str, str]] = []
    if not row["Reporting Senior Post"]:
        problems.append(("Reporting Senior Post", 'The "Reporting Senior Post" cannot be blank.'))
    if not row["Generic Job Title"]:
        problems.append(("Generic Job Title", 'The "Generic Job Title" cannot be blank.'))
    for title in ("Payscale Minimum (£)", "Payscale Maximum (£)"):
        problems += _number(row, title)
    fte = row["Number of Posts in FTE"]
    if not FTE.fullmatch(fte) or float(fte) <= 0:
        problems.append(
            ("Number of Posts in FTE", f'Expected a number above 0 with at most 2 decimal places, not "{fte}".')
        )
    problems += _profession(row)
    return [SheetError(sheet.name, message, sheet.column(title), row.number) for title, message in problems]


def _number(row: Row, title: str) -> list[tuple[str, str]]:
    value = row[title]
    if value.isdigit() or value in ("N/A", "N/D"):
        return []
    return [(title, f'Expected numeric values in column "{title}" (or N/A or N/D), but got text="{value}".')]


def _profession(row: Row) -> list[tuple[str, str]]:
    value = row["Professional/Occupational Group"]
    if value in PROFESSIONS:
        return []
    return [("Professional/Occupational Group", f'"{value}" is not one of the professions of the organogram format.')]


def _senior_graph(sheet: Sheet) -> list[SheetError]:
    """Job shares, the single top post, reporting links, self-reports and loops."""
    errors: list[SheetError] = []
    column_k = sheet.column("Reports to Senior Post")
    live = [row for row in sheet.rows if row["Name"] != ELIMINATED and row["Post Unique Reference"]]
    posts: dict[str, Row] = {}
    for row in live:
        ref = row["Post Unique Reference"]
        first = posts.setdefault(ref, row)
        if first is not row and ref != "0":
            errors += _job_share(sheet, first, row)
    eliminated = {r["Post Unique Reference"] for r in sheet.rows if r["Name"] == ELIMINATED} - posts.keys()
    tops = [row for row in posts.values() if row["Reports to Senior Post"].upper() == TOP]
    if not tops:
        message = 'Could not find a senior post with "Reports to Senior Post" value of "XX" (i.e. the top role)'
        errors.append(SheetError(sheet.name, message, column_k))
    for extra in tops[1:]:
        message = f'Only one post may report to "XX": row {tops[0].number} already does (the top role).'
        errors.append(SheetError(sheet.name, message, column_k, extra.number))
    parent: dict[str, str] = {}
    for ref, row in posts.items():
        boss = row["Reports to Senior Post"]
        if not boss or boss.upper() == TOP or ref == "0":
            continue
        if boss == ref:
            errors.append(SheetError(sheet.name, f'Senior post reports to itself. ref:"{ref}"', column_k, row.number))
        elif boss in eliminated:
            errors.append(
                SheetError(
                    sheet.name, f'Senior post reporting to Eliminated senior post "{boss}"', column_k, row.number
                )
            )
        elif boss not in posts:
            errors.append(
                SheetError(sheet.name, f'Senior post reporting to unknown senior post "{boss}"', column_k, row.number)
            )
        else:
            parent[ref] = boss
    errors += _loops(sheet, posts, parent)
    return errors


def _job_share(sheet: Sheet, first: Row, other: Row) -> list[SheetError]:
    differing = [t for t in sheet.headers if t not in JOB_SHARE_MAY_DIFFER and first[t] != other[t]]
    if not differing:
        return []
    ref = first["Post Unique Reference"]
    titles = ", ".join(f'"{title}"' for title in differing)
    message = (
        f'"Post Unique Reference" value "{ref}" appears in rows {first.number} and {other.number}, indicating a job '
        f"share, but job share rows must have identical values in {titles}."
    )
    return [SheetError(sheet.name, message, sheet.column(differing[0]), other.number)]


def _loops(sheet: Sheet, posts: dict[str, Row], parent: dict[str, str]) -> list[SheetError]:
    """One error per reporting loop (at its first row), and for chains deeper than the converter's 100."""
    errors: list[SheetError] = []
    column_k = sheet.column("Reports to Senior Post")
    settled: set[str] = set()
    for start in posts:
        path: list[str] = []
        on_path: set[str] = set()
        ref: str | None = start
        while ref is not None and ref not in settled and ref not in on_path:
            path.append(ref)
            on_path.add(ref)
            ref = parent.get(ref)
        if ref is not None and ref in on_path:
            loop = path[path.index(ref) :]
            first = min(loop, key=lambda r: posts[r].number)
            chain = " -> ".join(loop[loop.index(first) :] + loop[: loop.index(first)] + [first])
            message = f'Reporting structure from senior post "{first}" ended up in a loop: {chain}'
            errors.append(SheetError(sheet.name, message, column_k, posts[first].number))
        elif len(path) > MAX_DEPTH:
            message = f'Could not follow the reporting structure from senior post "{start}" up to the top in {MAX_DEPTH} steps'  # noqa: E501
            errors.append(SheetError(sheet.name, message, column_k, posts[start].number))
        settled.update(path)
    return errors


def _junior_links(senior: Sheet, junior: Sheet) -> list[SheetError]:
    """Each junior row must hang off a senior post that exists and is not eliminated."""
    live = {r["Post Unique Reference"] for r in senior.rows if r["Name"] != ELIMINATED}
    eliminated = {r["Post Unique Reference"] for r in senior.rows if r["Name"] == ELIMINATED} - live
    organisations = {r["Organisation"] for r in senior.rows}
    column_d, column_b = junior.column("Reporting Senior Post"), junior.column("Organisation")
    errors: list[SheetError] = []
    for row in junior.rows:
        ref = row["Reporting Senior Post"]
        if ref in eliminated:
            errors.append(
                SheetError(
                    junior.name, f'Junior post reporting to Eliminated senior post "{ref}"', column_d, row.number
                )
            )
        elif ref and ref not in live:
            errors.append(
                SheetError(junior.name, f'Junior post reporting to unknown senior post "{ref}"', column_d, row.number)
            )
        if senior.rows and row["Organisation"] not in organisations:
            message = f'"{row["Organisation"]}" does not match the "Organisation" of any senior post.'
            errors.append(SheetError(junior.name, message, column_b, row.number))
    return errors
