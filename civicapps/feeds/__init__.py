"""Open-data feeds: fetch, read, map, place and store council data (see docs/feeds.md).

:func:`pull_due_feeds` is the entry point for whatever runs periodic work (the job queue, cron):
it pulls every feed whose interval has passed and returns one :class:`PullResult` per pull.

The names below are imported on first use (:mod:`civicapps.lazy_imports`), so importing a light
module of this package (``civicapps.feeds.cli`` for ``civicapps --help``) loads no pipeline.
"""
import typing

from civicapps import lazy_imports

if typing.TYPE_CHECKING:
    from civicapps.feeds.pull import PullResult as PullResult
    from civicapps.feeds.pull import pull_feed as pull_feed
    from civicapps.feeds.schedule import pull_due_feeds as pull_due_feeds

_PUBLIC = lazy_imports.listed_names(__file__)
__all__ = sorted(_PUBLIC)

if not typing.TYPE_CHECKING:  # hidden from type checkers, which would take every misspelt name for Any
    __getattr__ = lazy_imports.attribute_loader(globals(), _PUBLIC)
