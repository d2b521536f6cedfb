"""CSV as councils publish it: any delimiter, a BOM or none, UTF-8 or Windows-1252, title lines above
the header, ragged rows, and files cut short in transit."""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from civicapps.feeds.errors import ReaderError
from civicapps.feeds.readers import RawRecord, Reader, text_of

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_ROWS = 30


class CsvReader(Reader):
    format = "csv"
    options = {
        "delimiter": "one character; default: found by trying , ; tab and |",
        "encoding": "e.g. utf-8 or cp1252; default: UTF-8, falling back to Windows-1252",
        "header_row": "1-based row number of the header; default: the first row shaped like the data below it",
        "columns": "column names for a file without a header row",
    }

    def parse(self, data: bytes, options: Mapping[str, Any]) -> Iterator[RawRecord]:
        text = text_of(data, "CSV", options.get("encoding"))
        delimiter = options.get("delimiter") or sniff_delimiter(text)
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            raise ReaderError(f"options.delimiter must be one character, not {delimiter!r}.")
        rows = _rows(text, delimiter)
        sample = [row for _, row in zip(range(SAMPLE_ROWS), rows, strict=False)]
        columns, data_start = _header(sample, options)
        last = None
        for line, cells in itertools.chain(sample[data_start:], rows):
            if any(c.strip() for c in cells):
                if last is not None:
                    yield _record(*last, columns)
                last = (line, cells)
        if last is not None:
            line, cells = last
            if len(cells) < len(columns) and not text.endswith(("\n", "\r")):
                raise ReaderError(
                    f"The CSV ends in the middle of line {line} ({len(cells)} of {len(columns)} columns): "
                    "the file is truncated."
                )
            yield _record(line, cells, columns)


def _record(line: int, cells: list[str], columns: list[str]) -> RawRecord:
    problem = None if len(cells) == len(columns) else f"has {len(cells)} cells where the header has {len(columns)}"
    return RawRecord(line, dict(zip(columns, cells, strict=False)), problem=problem)


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the row starts, cells); a quote left open at the end is truncation."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "end of data" in str(exc) or "unexpected end" in str(exc):
                raise ReaderError(
                    f"The CSV ends inside a quoted field that starts on line {line}: the file is truncated."
                ) from None
            raise ReaderError(f"The CSV cannot be read at line {reader.line_num}: {exc}.") from None
        yield line, cells
        line = reader.line_num + 1


def sniff_delimiter(text: str) -> str:
    """The candidate that splits the first lines into the most columns most consistently."""
    sample = "\n".join(text.splitlines()[:50])
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        score = (count / len(widths) if width > 1 else 0.0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _header(sample: list[tuple[int, list[str]]], options: Mapping[str, Any]) -> tuple[list[str], int]:
    """Column names and the index in ``sample`` where data rows start."""
    if options.get("columns"):
        return [str(c) for c in options["columns"]], 0
    if not sample:
        raise ReaderError("The CSV is empty.")
    if options.get("header_row"):
        index = options["header_row"] - 1 if isinstance(options["header_row"], int) else -1
        if not 0 <= index < len(sample):
            raise ReaderError(
                f"options.header_row must be a row number from 1 to {len(sample)}, not {options['header_row']!r}."
            )
    else:
        index = _find_header(sample)
    return _names(sample[index][1]), index + 1


def _find_header(sample: list[tuple[int, list[str]]]) -> int:
    """Skip title lines: the header is the first row as wide as the data, with no numeric cells."""
    data_width = Counter(len(cells) for _, cells in sample).most_common(1)[0][0]
    for index, (_, cells) in enumerate(sample):
        filled = [c for c in cells if c.strip()]
        if len(cells) >= data_width and len(filled) >= max(1, data_width // 2) and not any(map(_numeric, filled)):
            return index
    return 0


def _numeric(cell: str) -> bool:
    try:
        float(cell.replace(",", ""))
        return True
    except ValueError:
        return False


def _names(cells: list[str]) -> list[str]:
    names: list[str] = []
    for position, cell in enumerate(cells, start=1):
        name = cell.strip().lstrip("\ufeff") or f"column_{position}"
        if name in names:
            name = f"{name}_{names.count(name) + sum(n.startswith(name + '_') for n in names) + 1}"
        names.append(name)
    return names
