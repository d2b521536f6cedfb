"""Open311 GeoReport v2 on the wire: the spec's XML and its JSON mapping, and its error format.

The spec defines XML and maps it to JSON by the "Spark" convention: a list root becomes a bare JSON
array (``services``, ``service_requests``, errors), ``service_definition`` and ``discovery`` are
objects, and nested lists (``attributes``, ``values``, ``endpoints``, ``formats``) are arrays. XML
child names of lists are the singular forms below. Booleans are ``true``/``false``; a missing
optional field is an empty element in XML and ``null`` in JSON.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from flask import Response

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


def parse_w3c(text: str) -> datetime:
    """A W3C datetime (``Z`` or offset; a bare date means midnight UTC); ValueError if malformed."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _element(parent: ElementTree.Element, name: str, value: Any) -> None:
    node = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, child in value.items():
            _element(node, key, child)
    elif isinstance(value, list):
        for child in value:
            _element(node, ITEM_NAMES.get(name, "item"), child)
    else:
        node.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """``value`` (a list for list roots, a dict otherwise) as the spec's XML document."""
    tree = ElementTree.Element(root)
    if isinstance(value, list):
        for item in value:
            _element(tree, ITEM_NAMES[root], item)
    else:
        for key, child in value.items():
            _element(tree, key, child)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
        tree, encoding="utf-8", xml_declaration=False
    )


def respond(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    if fmt == "xml":
        response = Response(to_xml(root, value), status=status, content_type=XML_TYPE)
    else:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        response = Response(body, status=status, content_type=JSON_TYPE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def errors(fmt: str, status: int, *descriptions: str) -> Response:
    """The spec's error answer: HTTP ``status`` and ``[{"code", "description"}]`` / ``<errors>``."""
    return respond(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status)
