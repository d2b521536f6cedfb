"""Open311 GeoReport v2 on the wire: the spec's XML and its JSON mapping, and its error format.

The spec defines XML and maps it to JSON by the "Spark" convention: a list root becomes a bare JSON
array (``services``, ``service_requests``, errors), ``service_definition`` and ``discovery`` are
objects, and nested lists (``attributes``, ``values``, ``endpoints``, ``formats``) are arrays. XML
child names of lists are the singular forms below. Booleans are ``true``/``false``; a missing
optional field is an empty element in XML and ``null`` in JSON.

Bodies are written fast, since ``requests.json`` carries up to 1,000 requests: JSON by orjson, XML
by a writer that appends escaped text as it walks the value (no element tree), byte for byte what
ElementTree wrote before. Every 200 answer to a GET carries an ETag (a hash of the body), and an
``If-None-Match`` that matches it is answered 304 with no body.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

import orjson
from flask import Response, request
from sqlalchemy import String, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "service_request_updates": "request_update",
}


def w3c(moment: datetime | None) -> str | None:
    """A W3C datetime with its timezone (``2026-11-23T14:05:00Z``), as the spec requires."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class w3c_sql(FunctionElement[str]):  # noqa: N801 (used like the SQL function it stands for)
    """:func:`w3c` computed by the database: ``w3c_sql(Report.updated_at)`` selects the same text.

    A request list formats two timestamps a row; done in SQL they arrive as strings, skipping the
    driver's datetime parsing, the UTC conversion and ``strftime`` per value in Python.
    """

    type = String()
    inherit_cache = True
    name = "w3c"


@compiles(w3c_sql)  # SQLite, and the default so that ``str(statement)`` shows it
@compiles(w3c_sql, "sqlite")
def _w3c_sqlite(element: w3c_sql, compiler: SQLCompiler, **kw: Any) -> str:
    # UTCDateTime stores UTC without an offset on SQLite, which strftime reads as UTC.
    return compiler.process(func.strftime("%Y-%m-%dT%H:%M:%SZ", *element.clauses), **kw)


@compiles(w3c_sql, "postgresql")
def _w3c_postgresql(element: w3c_sql, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(func.to_char(func.timezone("UTC", *element.clauses), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), **kw)


def parse_w3c(text: str) -> datetime:
    """A W3C datetime (``Z`` or offset; a bare date means midnight UTC); ValueError if malformed."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _write(out: list[str], name: str, value: Any) -> None:
    """Append ``<name>`` holding ``value`` to ``out``, as ElementTree serialised it (``<name />`` when
    empty, text escaped for ``&``, ``<`` and ``>``)."""
    if isinstance(value, dict | list):
        if not value:
            out.append(f"<{name} />")
            return
        out.append(f"<{name}>")
        if isinstance(value, dict):
            for key, child in value.items():
                if type(child) is str and child:  # most fields: written here, not by another call
                    out.append(f"<{key}>{escape(child)}</{key}>")
                else:
                    _write(out, key, child)
        else:
            item = ITEM_NAMES.get(name, "item")
            for child in value:
                _write(out, item, child)
        out.append(f"</{name}>")
    else:
        text = _text(value)
        out.append(f"<{name}>{escape(text)}</{name}>" if text else f"<{name} />")


def to_xml(root: str, value: Any) -> bytes:
    """``value`` (a list for list roots, a dict otherwise) as the spec's XML document."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n']
    _write(out, root, value)
    return "".join(out).encode("utf-8", "xmlcharrefreplace")


def encode(fmt: str, root: str, value: Any) -> bytes:
    """``value`` (a list for list roots, a dict otherwise) as the body of a ``fmt`` answer."""
    return to_xml(root, value) if fmt == "xml" else orjson.dumps(value)


def send(fmt: str, body: bytes, status: int = 200, etag: str | None = None) -> Response:
    """An answer of ``body`` in ``fmt`` (``xml`` or ``json``); a 200 to a GET gets an ETag (``etag``,
    or a hash of the body) and may become a 304."""
    response = Response(body, status=status, content_type=XML_TYPE if fmt == "xml" else JSON_TYPE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    if status == 200 and request.method in ("GET", "HEAD"):
        if etag is None:
            response.add_etag()
        else:
            response.set_etag(etag)
        response.make_conditional(request)
    return response


def respond(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    """The answer holding ``value`` in ``fmt``, as :func:`send` sends it."""
    return send(fmt, encode(fmt, root, value), status)


def errors(fmt: str, status: int, *descriptions: str) -> Response:
    """The spec's error answer: HTTP ``status`` and ``[{"code", "description"}]`` / ``<errors>``."""
    return respond(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status)
