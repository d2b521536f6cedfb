"""A progress bar on standard error for commands that can run long (pulls, imports).

Shown on a terminal once the work has taken :data:`DELAY` seconds, so quick commands print nothing
extra; ``--progress`` shows it from the start, even into a log file; ``--no-progress`` never. Standard
output is left alone: ``civicapps pull`` writes its rows there.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, TypeVar

import click

T = TypeVar("T")
DELAY = 2.0  # seconds of work before a bar appears on its own
UPDATE_EVERY = 50  # items between redraws: a bar must not slow a pull down or flood a log file

#: The ``--progress/--no-progress`` option of every long-running command.
progress_option = click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on standard error (default: on a terminal, once the work takes over 2 s).",
)


class Progress:
    """Counts work done (``advance``) and draws a click progress bar when it should be seen.

    ``total`` is the amount of work when known (e.g. bytes of a file); otherwise the bar shows a
    moving marker and the count. Use as a context manager so the bar's line is finished.
    """

    def __init__(self, label: str, show: bool | None = None, *, total: int | None = None, unit: str = "rows"):
        self.label = label
        self.forced = show is True
        self.enabled = show is True or (show is None and sys.stderr.isatty())
        self.total = total
        self.unit = unit
        self.done = 0
        self.started = time.monotonic()
        self._bar: Any = None

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self._bar is None:
            if self.enabled and (self.forced or time.monotonic() - self.started >= DELAY):
                self._open()
                self._bar.update(self.done)  # the work done before the bar appeared
        else:
            self._bar.update(count)

    def wrap(self, items: Iterable[T]) -> Iterator[T]:
        """``items`` unchanged, counting each one."""
        for item in items:
            yield item
            self.advance()

    def _open(self) -> None:
        length = self.total
        self._bar = click.progressbar(
            length=length,
            iterable=None if length else (x for x in ()),
            label=self.label,
            file=click.get_text_stream("stderr"),
            show_pos=True,
            show_percent=length is not None,
            show_eta=length is not None,
            item_show_func=lambda _: self.unit,
            update_min_steps=UPDATE_EVERY,
        )
        if self.forced:  # asked for: draw it even when standard error is a file or a pipe
            if hasattr(self._bar, "_is_atty"):
                self._bar._is_atty = True  # click >= 8.2
            else:
                self._bar.is_hidden = False  # click 8.1
        self._bar.__enter__()

    def __enter__(self) -> Progress:
        if self.forced:
            self._open()
            self._bar.render_progress()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.update_min_steps = 1
            self._bar.update(0)  # draw the final count, held back by UPDATE_EVERY
            self._bar.__exit__(kind, error, trace)
            self._bar = None
