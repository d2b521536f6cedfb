"""The data.gov.uk converter's rules: each broken rule gives an error naming sheet, cell (column + row).

Each case breaks one rule in an otherwise valid copy of the fixture pair, so the error list must be
exactly that one message. Expected messages are kept whole on their lines, so they can be searched for.
"""
# ruff: noqa: E501

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from civicapps_organogram.orgformat import read_sheet
from civicapps_organogram.validation import validate
from flask import Flask

from civicapps.testing import CivicRunner

from .conftest import JUNIOR, SENIOR

S, J = '"(final data) senior-staff"', '"(final data) junior-staff"'
Rows = list[list[str]]


def rows(path: Path) -> Rows:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def text(table: Rows) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    return out.getvalue()


def errors(senior: Rows, junior: Rows) -> list[str]:
    return [str(e) for e in validate(read_sheet(text(senior), "senior"), read_sheet(text(junior), "junior"))]


def test_the_fixture_pair_is_valid() -> None:
    assert errors(rows(SENIOR), rows(JUNIOR)) == []
    assert len(rows(SENIOR)) - 1 == 20 and len(rows(JUNIOR)) - 1 == 30


def set_cell(row: int, column: int, value: str) -> Callable[[Rows], None]:
    """Spreadsheet row number (header is 1) and 0-based column index."""

    def change(table: Rows) -> None:
        table[row - 1][column] = value

    return change


K = 10  # "Reports to Senior Post"
ORPHAN = f'Sheet {J} cell D23: Junior post reporting to unknown senior post "ONR018"'  # the renamed post's team
SENIOR_CASES = {
    "no top post": (
        set_cell(2, K, "ONR002"),
        [
            f'Sheet {S} column K: Could not find a senior post with "Reports to Senior Post" value of "XX" (i.e. the top role)',
            f'Sheet {S} cell K2: Reporting structure from senior post "ONR001" ended up in a loop: ONR001 -> ONR002 -> ONR001',
        ],
    ),
    "second top post": (
        set_cell(13, K, "XX"),
        [f'Sheet {S} cell K13: Only one post may report to "XX": row 2 already does (the top role).'],
    ),
    "dangling link": (
        set_cell(4, K, "ONR099"),
        [f'Sheet {S} cell K4: Senior post reporting to unknown senior post "ONR099"'],
    ),
    "self-report": (set_cell(4, K, "ONR003"), [f'Sheet {S} cell K4: Senior post reports to itself. ref:"ONR003"']),
    "loop": (
        lambda t: (set_cell(3, K, "ONR017")(t), set_cell(19, K, "ONR002")(t)),
        [
            f'Sheet {S} cell K3: Reporting structure from senior post "ONR002" ended up in a loop: ONR002 -> ONR017 -> ONR002'
        ],
    ),
    "reports to an eliminated post": (
        set_cell(4, K, "ONR010"),
        [f'Sheet {S} cell K4: Senior post reporting to Eliminated senior post "ONR010"'],
    ),
    "bad reference (symbols)": (
        set_cell(20, 0, "ONR/018"),
        [f'Sheet {S} cell A20: You cannot have punctuation/symbols in the "Post Unique Reference" column.', ORPHAN],
    ),
    "bad reference (space)": (
        set_cell(20, 0, "ONR 018"),
        [f'Sheet {S} cell A20: You cannot have spaces in the "Post Unique Reference" column.', ORPHAN],
    ),
    "bad reference (XX)": (
        set_cell(20, 0, "ONRXX18"),
        [f'Sheet {S} cell A20: You cannot have "XX" in the "Post Unique Reference" column.', ORPHAN],
    ),
    "wrong column title": (
        set_cell(1, 3, "Job"),
        [f'Sheet {S} cell D1: Wrong column title. Title="Job" Expected="Job Title"'],
    ),
    "number expected": (
        set_cell(3, 13, "lots"),
        [
            f'Sheet {S} cell N3: Expected numeric values in column "Actual Pay Floor (£)" (or N/A or N/D), but got text="lots".'
        ],
    ),
    "job share differs": (
        set_cell(10, 3, "Head of HR"),
        [
            f'Sheet {S} cell D10: "Post Unique Reference" value "ONR008" appears in rows 9 and 10, indicating a job share, '
            'but job share rows must have identical values in "Job Title".'
        ],
    ),
    "blank name": (
        set_cell(3, 1, ""),
        [f'Sheet {S} cell B3: The "Name" cannot be blank: give a name, "N/D", "Vacant" or "Eliminated".'],
    ),
}


@pytest.mark.parametrize("case", SENIOR_CASES)
def test_each_senior_rule_names_its_cell(case: str) -> None:
    change, expected = SENIOR_CASES[case]
    senior = rows(SENIOR)
    change(senior)
    assert errors(senior, rows(JUNIOR)) == expected


JUNIOR_CASES = {
    "missing senior post": (
        set_cell(5, 3, "ONR404"),
        [f'Sheet {J} cell D5: Junior post reporting to unknown senior post "ONR404"'],
    ),
    "eliminated senior post": (
        set_cell(5, 3, "ONR010"),
        [f'Sheet {J} cell D5: Junior post reporting to Eliminated senior post "ONR010"'],
    ),
    "blank senior post": (set_cell(5, 3, ""), [f'Sheet {J} cell D5: The "Reporting Senior Post" cannot be blank.']),
    "FTE not a number": (
        set_cell(7, 8, "three"),
        [f'Sheet {J} cell I7: Expected a number above 0 with at most 2 decimal places, not "three".'],
    ),
    "other organisation": (
        set_cell(2, 1, "Office for Nothing"),
        [f'Sheet {J} cell B2: "Office for Nothing" does not match the "Organisation" of any senior post.'],
    ),
}


@pytest.mark.parametrize("case", JUNIOR_CASES)
def test_each_junior_rule_names_its_cell(case: str) -> None:
    change, expected = JUNIOR_CASES[case]
    junior = rows(JUNIOR)
    change(junior)
    assert errors(rows(SENIOR), junior) == expected


def test_validate_command_reports_every_error_with_its_file(app: Flask, tmp_path: Path) -> None:
    senior, junior = rows(SENIOR), rows(JUNIOR)
    set_cell(4, K, "ONR099")(senior)
    set_cell(5, 3, "ONR010")(junior)
    (tmp_path / "bad-senior.csv").write_text(text(senior), encoding="utf-8")
    (tmp_path / "bad-junior.csv").write_text(text(junior), encoding="utf-8")
    result = CivicRunner(app).invoke(
        ["organogram", "validate", str(tmp_path / "bad-senior.csv"), str(tmp_path / "bad-junior.csv")]
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f'{tmp_path}/bad-senior.csv: Sheet {S} cell K4: Senior post reporting to unknown senior post "ONR099"',
        f'{tmp_path}/bad-junior.csv: Sheet {J} cell D5: Junior post reporting to Eliminated senior post "ONR010"',
        "Error: 2 errors found.",
    ]


def test_validate_command_passes_the_fixture(app: Flask) -> None:
    result = CivicRunner(app).invoke(["organogram", "validate", str(JUNIOR), str(SENIOR)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{SENIOR} + {JUNIOR}: valid\n"


def test_import_refuses_an_invalid_pair_and_stores_nothing(app: Flask, tmp_path: Path) -> None:
    senior = rows(SENIOR)
    set_cell(4, K, "ONR003")(senior)
    (tmp_path / "x-senior.csv").write_text(text(senior), encoding="utf-8")
    result = CivicRunner(app).invoke(["organogram", "import", str(tmp_path / "x-senior.csv"), str(JUNIOR)])
    assert result.exit_code == 1
    assert 'cell K4: Senior post reports to itself. ref:"ONR003"' in result.output
    assert "No groups yet." in CivicRunner(app).invoke(["organogram", "tree"]).output


def test_a_file_that_is_not_an_organogram_is_refused(app: Flask, tmp_path: Path) -> None:
    (tmp_path / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = CivicRunner(app).invoke(["organogram", "validate", str(tmp_path / "other.csv")])
    assert result.exit_code == 1
    assert "not an organogram CSV" in result.output
