"""Open-data feeds: fetch, read, map, place and store council data (see docs/feeds.md).

:func:`pull_due_feeds` is the entry point for whatever runs periodic work (the job queue, cron):
it pulls every feed whose interval has passed and returns one :class:`PullResult` per pull.
"""

from civicapps.feeds.pull import PullResult, pull_feed
from civicapps.feeds.schedule import pull_due_feeds

__all__ = ["PullResult", "pull_due_feeds", "pull_feed"]
