"""Pytest fixtures and helpers for civicapps and for plugin authors (loaded automatically as a pytest plugin).

Plugins may import this package (and its modules) as well as ``civicapps``. By what they are:

* :mod:`civicapps.testing.apps`: ``civic_app_factory(plugins=[...], config={...})`` (an app on a fresh
  database with exactly the plugins named, migrations applied), ``civic_app``, ``civic_client``,
  ``civic_runner`` / :class:`CivicRunner` (``civicapps ARGS`` against an app), and
  ``civic_live_server_factory(app)`` / ``civic_live_server`` (real HTTP on 127.0.0.1).
* :mod:`civicapps.testing.sinks`: ``civic_notification_sink`` (:class:`NotificationSink`, an HTTP server
  apprise posts to; ``sink.notify_settings()`` lets an app deliver there) and ``civic_mail_sink``
  (:class:`MailSink`, an SMTP server keeping every email).
* :mod:`civicapps.testing.outbox`: :func:`wait_for_outbox` (until nothing is waiting to be sent).
* :mod:`civicapps.testing.feeds`: ``civic_feed_server`` (:class:`FeedServer`, serving feed documents with
  ETags, failures and delays) and ``civic_postcodes_io`` (:class:`FakePostcodesIo`), on 127.0.0.1.
* :mod:`civicapps.testing.browser`: ``civic_browser`` / ``civic_page`` (Debian's headless Chromium via
  Playwright) and :func:`assert_accessible` (axe-core, WCAG 2.2 AA).
* :mod:`civicapps.testing.page_checks`: :func:`open_page` (a tab at a width, JavaScript on or off),
  :func:`assert_no_sideways_scroll`, :func:`low_contrast_text` (computed contrast of every link and button),
  :func:`page_texts` and :func:`english_left` (English left on a page's Welsh render), and
  :func:`assert_page_checks` (one ``h1``, axe-core, contrast and no sideways scroll, for a walked page).

Set ``CIVICAPPS_TEST_DATABASE_URL`` to a PostgreSQL server URL (a role that may create databases) and
each test gets its own freshly created database there instead of a SQLite file.
"""
from civicapps.testing.apps import AppFactory as AppFactory
from civicapps.testing.apps import CivicRunner as CivicRunner
from civicapps.testing.apps import LiveServerFactory as LiveServerFactory
from civicapps.testing.apps import civic_app as civic_app
from civicapps.testing.apps import civic_app_factory as civic_app_factory
from civicapps.testing.apps import civic_client as civic_client
from civicapps.testing.apps import civic_database_url as civic_database_url
from civicapps.testing.apps import civic_live_server as civic_live_server
from civicapps.testing.apps import civic_live_server_factory as civic_live_server_factory
from civicapps.testing.apps import civic_runner as civic_runner
from civicapps.testing.browser import assert_accessible as assert_accessible
from civicapps.testing.browser import civic_browser as civic_browser
from civicapps.testing.browser import civic_page as civic_page
from civicapps.testing.feeds import FakePostcodesIo as FakePostcodesIo
from civicapps.testing.feeds import FeedServer as FeedServer
from civicapps.testing.feeds import Request as Request
from civicapps.testing.feeds import civic_feed_server as civic_feed_server
from civicapps.testing.feeds import civic_postcodes_io as civic_postcodes_io
from civicapps.testing.outbox import wait_for_outbox as wait_for_outbox
from civicapps.testing.page_checks import assert_no_sideways_scroll as assert_no_sideways_scroll
from civicapps.testing.page_checks import assert_page_checks as assert_page_checks
from civicapps.testing.page_checks import english_left as english_left
from civicapps.testing.page_checks import low_contrast_text as low_contrast_text
from civicapps.testing.page_checks import open_page as open_page
from civicapps.testing.page_checks import page_texts as page_texts
from civicapps.testing.sinks import MailSink as MailSink
from civicapps.testing.sinks import NotificationSink as NotificationSink
from civicapps.testing.sinks import civic_mail_sink as civic_mail_sink
from civicapps.testing.sinks import civic_notification_sink as civic_notification_sink

__all__ = [
    "AppFactory",
    "CivicRunner",
    "FakePostcodesIo",
    "FeedServer",
    "LiveServerFactory",
    "MailSink",
    "NotificationSink",
    "Request",
    "assert_accessible",
    "assert_no_sideways_scroll",
    "assert_page_checks",
    "civic_app",
    "civic_app_factory",
    "civic_browser",
    "civic_client",
    "civic_database_url",
    "civic_feed_server",
    "civic_live_server",
    "civic_live_server_factory",
    "civic_mail_sink",
    "civic_notification_sink",
    "civic_page",
    "civic_postcodes_io",
    "civic_runner",
    "english_left",
    "low_contrast_text",
    "open_page",
    "page_texts",
    "wait_for_outbox",
]
