"""The data.gov.uk organogram CSV pair: exact headers, reading cells with their addresses, writing.

The column titles are the ones the data.gov.uk converter (``datagovuk/organograms : etl_to_csv.py``)
writes: 19 senior columns, the 16th with a blank title (the converter blanks "Total Pay"), and 10
junior columns. Errors name the converter's sheets and spreadsheet cells ("cell K7"), so a publisher
can find them in the workbook they exported from.
"""

from __future__ import annotations

import csv
import io
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from civicapps import csv_writer

SENIOR_SHEET = "(final data) senior-staff"
JUNIOR_SHEET = "(final data) junior-staff"

SENIOR_HEADERS: tuple[str, ...] = (
    "Post Unique Reference",
    "Name",
    "Grade (or equivalent)",
    "Job Title",
    "Job/Team Function",
    "Parent Department",
    "Organisation",
    "Unit",
    "Contact Phone",
    "Contact E-mail",
    "Reports to Senior Post",
    "Salary Cost of Reports (£)",
    "FTE",
    "Actual Pay Floor (£)",
    "Actual Pay Ceiling (£)",
    "",
    "Professional/Occupational Group",
    "Notes",
    "Valid?",
)
#: 2011 files title the grade column "Grade"; the converter accepts both, so do we.
SENIOR_HEADER_ALIASES = {"Grade (or equivalent)": {"Grade"}}

JUNIOR_HEADERS: tuple[str, ...] = (
    "Parent Department",
    "Organisation",
    "Unit",
    "Reporting Senior Post",
    "Grade",
    "Payscale Minimum (£)",
    "Payscale Maximum (£)",
    "Generic Job Title",
    "Number of Posts in FTE",
    "Professional/Occupational Group",
)

TOP = "XX"
NOT_DISCLOSED, VACANT, ELIMINATED = "N/D", "Vacant", "Eliminated"


def column_letter(index: int) -> str:
    """0 -> "A", the spreadsheet column of the index-th header."""
    return string.ascii_uppercase[index]


@dataclass(frozen=True)
class SheetError:
    """One problem, addressed the way the converter does: sheet, then cell (column letter + row)."""

    sheet: str
    message: str
    column: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        if self.column and self.row:
            return f'Sheet "{self.sheet}" cell {self.column}{self.row}: {self.message}'
        if self.column:
            return f'Sheet "{self.sheet}" column {self.column}: {self.message}'
        return f'Sheet "{self.sheet}": {self.message}'


@dataclass(frozen=True)
class Row:
    """A data row: its spreadsheet row number (the header is row 1) and its cells by column title."""

    number: int
    cells: dict[str, str]

    def __getitem__(self, title: str) -> str:
        return self.cells[title]


@dataclass
class Sheet:
    """The rows of one sheet that could be read, and what was wrong with its layout."""

    name: str
    headers: tuple[str, ...]
    rows: list[Row]
    errors: list[SheetError]

    def column(self, title: str) -> str:
        return column_letter(self.headers.index(title))


def kind_of(text: str) -> str | None:
    """ "senior", "junior" or None, from the first header of a CSV's text."""
    first = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))), [])
    if first and first[0].strip() == SENIOR_HEADERS[0]:
        return "senior"
    if first and first[0].strip() == JUNIOR_HEADERS[0]:
        return "junior"
    return None


def read_sheet(text: str, kind: str) -> Sheet:
    """Read one CSV (senior or junior): check its titles, trim cells, drop blank rows.

    A row counts as blank, as in the converter, when its first two cells are empty.
    """
    name, headers = (SENIOR_SHEET, SENIOR_HEADERS) if kind == "senior" else (JUNIOR_SHEET, JUNIOR_HEADERS)
    sheet = Sheet(name, headers, [], [])
    records = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not records:
        sheet.errors.append(SheetError(name, "The sheet is empty: expected a row of column titles."))
        return sheet
    titles = [title.strip() for title in records[0]]
    if len(titles) != len(headers):
        sheet.errors.append(SheetError(name, f"Sheet contains {len(titles)} columns. I expect {len(headers)} columns."))
        return sheet
    for index, (title, expected) in enumerate(zip(titles, headers, strict=True)):
        if title != expected and title not in SENIOR_HEADER_ALIASES.get(expected, ()):
            message = f'Wrong column title. Title="{title}" Expected="{expected}"'
            sheet.errors.append(SheetError(name, message, column_letter(index), 1))
    for number, record in enumerate(records[1:], start=2):
        cells = [cell.strip() for cell in record] + [""] * (len(headers) - len(record))
        if not any(cells[:2]):
            continue
        if len(record) > len(headers) and any(cell.strip() for cell in record[len(headers) :]):
            sheet.errors.append(
                SheetError(name, f"Row has more than {len(headers)} cells.", column_letter(len(headers) - 1), number)
            )
        sheet.rows.append(Row(number, dict(zip(headers, cells[: len(headers)], strict=True))))
    return sheet


def write_sheet(kind: str, rows: Iterable[Sequence[str]]) -> str:
    """A CSV with the exact headers, every cell quoted as the converter writes them (and formula-safe:
    the senior sheet is published, and names and job titles are whatever a group typed)."""
    headers = SENIOR_HEADERS if kind == "senior" else JUNIOR_HEADERS
    out = io.StringIO()
    writer = csv_writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()
