"""Input no database or parser can take is refused at the door with a 4xx, never a 500.

Three kinds of input used to reach a database or parser and fail there, whatever view received them:

- a NUL character in text: PostgreSQL cannot store one in a text column (SQLite can, so only
  PostgreSQL deployments failed). The request is refused (400) if its path, a query parameter, a form
  field or a string in its JSON body holds one.
- an id too large for its column: ``/reports/9223372036854775808`` overflows SQLite's integer, and on
  PostgreSQL every id column is an ``integer`` (SQLAlchemy's Integer), which stops at 2**31 - 1. Every
  ``<int:...>`` URL part stops there too (a larger one is a 404, as for any id that does not exist),
  and query parameters that hold ids or page numbers are read with :func:`parse_id`.
- JSON nested too deeply for Python's parser (100,000 ``[``): a RecursionError, now a 400.

And a form field or query parameter longer than :data:`MAX_FIELD_CHARS` is refused (413) before a
view can echo it back into the page it re-renders (the longest field any form takes is 4,000).
"""
from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from civicapps.i18n import lazy_gettext as _l

#: The largest id our id columns hold everywhere: SQLAlchemy's Integer is PostgreSQL's 32-bit ``integer``.
MAX_ID = 2**31 - 1
NUL_REFUSED = _l("Text cannot contain the NUL character (\\0). Remove it and try again.")
MAX_FIELD_CHARS = 10_000
TOO_LONG = _l(
    "A field is too long: enter at most %(max)s characters in each field.", max=format(MAX_FIELD_CHARS, ",")
)


def parse_id(value: object, maximum: int = MAX_ID) -> int | None:
    """``value`` as a positive whole number up to ``maximum`` (any id a table can hold by default), or None.

    For ids and page numbers from query parameters and form fields: ``int(value)`` after
    ``str.isdigit()`` lets through ``"²"`` (a ValueError) and ``"99999999999999999999"`` (an overflow
    in the database); both are simply "not an id" here.
    """
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= maximum else None


class IdConverter(IntegerConverter):
    """``<int:...>`` as before, but only up to what an id column holds (:data:`MAX_ID`): a larger one is
    a 404. ``<int(max=N):...>`` still narrows it."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:  # fmt: skip (werkzeug's argument names)
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, but a body Python cannot parse (too deeply nested) or a text holding NUL is a 400."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None
        if _holds_nul(value):
            raise ValueError(str(NUL_REFUSED))
        return value


def _holds_nul(value: Any) -> bool:
    pending = [value]
    while pending:  # a loop, not recursion: the document may be nested as deep as the parser allows
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _refuse_unstorable() -> None:
    if "\x00" in request.path:
        abort(404)
    for multi in (request.args, request.form) if request.method != "GET" else (request.args,):
        for key, values in multi.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                abort(400, str(NUL_REFUSED))
            if len(key) > MAX_FIELD_CHARS or any(len(value) > MAX_FIELD_CHARS for value in values):
                abort(413, str(TOO_LONG))


def install_input_guard(app: Flask) -> None:
    """Call before any blueprint is mounted: URL rules pick their converters when they are added."""
    app.url_map.converters["int"] = IdConverter
    app.json = GuardedJSONProvider(app)
    app.before_request(_refuse_unstorable)
