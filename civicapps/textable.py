"""Plain aligned tables for the CLI (readable in a terminal, greppable in a script)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    for row in (headers, *rows):
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
