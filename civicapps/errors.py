"""Errors the core raises for its users (deployers, staff, analysts) rather than for programmers."""


class CivicappsError(Exception):
    """Something the person running civicapps can fix; the message says what and how.

    The message is one line. The CLI prints it without a traceback and exits with status 1.
    """


class StartupError(CivicappsError):
    """The app cannot start: bad configuration, a broken plugin, a clash between plugins."""


class DatabaseUnavailable(CivicappsError):
    """The database cannot be reached or is not set up."""
