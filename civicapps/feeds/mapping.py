"""Per-feed mapping from source columns to a dataset's canonical fields.

A spec is either a column name or a table (TOML inline table / dict)::

    reference   = "PA Ref"
    description = { column = "Details", replace = { "\\\\n" = " " }, regex = "^(.*?) [A-Z0-9][^,]*$" }
    postcode    = { column = "Details", extract = "postcode" }
    address     = { columns = ["Street", "Town"], join = ", " }
    received    = { column = "Date", format = "%d %b %Y" }
    authority   = { value = "Isle of Man Government" }
    record      = { object = { street = "Street", starts = { column = "Start", trim = true } } }

Transforms run in this order: replace, trim (on by default; ``squash`` also collapses inner
whitespace), regex (group ``value`` or 1; no match gives an empty value), extract (``postcode``),
case (upper/lower/title), then ``default`` if the result is empty. ``format`` (a string or list) is
how the field's type is parsed (dates). Specs are compiled once per pull into plain closures: this
is the hot path of every ingest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from civicapps.errors import CivicappsError
from civicapps.geo.postcodes import find_postcode

Getter = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]
SPEC_KEYS = {
    "column",
    "columns",
    "join",
    "value",
    "field",
    "replace",
    "trim",
    "squash",
    "regex",
    "extract",
    "case",
    "default",
    "format",
    "labels",
    "object",
}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Compiled:
    """A compiled spec: how to get the value, and the parse formats for its field's type."""

    get: Getter
    formats: tuple[str, ...]
    source: str


def compile_spec(spec: Any, where: str) -> Compiled:
    """Compile one spec; ``where`` names it in errors (e.g. ``feeds.iom.mapping.reference``)."""
    if isinstance(spec, str):
        return Compiled(_column(spec), (), spec)
    if not isinstance(spec, Mapping):
        raise CivicappsError(f"{where}: expected a column name or a table, not {type(spec).__name__}.")
    unknown = set(spec) - SPEC_KEYS
    if unknown:
        raise CivicappsError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(SPEC_KEYS))}."
        )
    get, source = _base(spec, where)
    steps = _steps(spec, where)
    default = spec.get("default")
    formats = spec.get("format", ())
    formats = (formats,) if isinstance(formats, str) else tuple(formats)

    def value(fields: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
        result = get(fields, values)
        if isinstance(result, str):
            for step in steps:
                result = step(result)
                if not result:
                    break
        if (result is None or result == "") and default is not None:
            return default
        return result

    return Compiled(value, formats, source)


def _column(name: str) -> Getter:
    def get(fields: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
        value = fields.get(name)
        return value.strip() if isinstance(value, str) else value

    return get


def _base(spec: Mapping[str, Any], where: str) -> tuple[Getter, str]:
    if "object" in spec:
        return _object(spec["object"], where)
    if "value" in spec:
        constant = spec["value"]
        return (lambda fields, values: constant), "constant"
    if "field" in spec:
        name = spec["field"]
        return (lambda fields, values: values.get(name)), f"field {name}"
    if "columns" in spec:
        names = list(spec["columns"])
        joiner = str(spec.get("join", " "))

        def joined(fields: Mapping[str, Any], values: Mapping[str, Any]) -> str:
            parts = [str(p).strip() for p in [fields.get(n) for n in names] if p is not None]
            return joiner.join([p for p in parts if p])

        return joined, ", ".join(names)
    if "column" in spec:
        return _column(str(spec["column"])), str(spec["column"])
    raise CivicappsError(f"{where}: say where the value comes from with column, columns, value or field.")


def _object(members: Any, where: str) -> tuple[Getter, str]:
    """Several columns kept together as one JSON object's text: ``{ name = spec, ... }``.

    For a dataset whose fields are chosen by configuration rather than by its table (a configured
    dataset app keeps each record's fields in one text column); keys are sorted so that the same
    values always hash the same. An empty member is kept as null.
    """
    if not isinstance(members, Mapping) or not members:
        raise CivicappsError(f"{where}: object must be a table of name = column or spec.")
    compiled = {str(name): compile_spec(spec, f"{where}.object.{name}") for name, spec in members.items()}

    def obj(fields: Mapping[str, Any], values: Mapping[str, Any]) -> str:
        found = {name: c.get(fields, values) for name, c in compiled.items()}
        return json.dumps({k: (None if v == "" else v) for k, v in found.items()}, sort_keys=True, default=str)

    return obj, ", ".join(c.source for c in compiled.values())


def _steps(spec: Mapping[str, Any], where: str) -> list[Callable[[str], str]]:
    steps: list[Callable[[str], str]] = []
    for old, new in dict(spec.get("replace", {})).items():
        steps.append(lambda text, old=str(old), new=str(new): text.replace(old, new))
    if spec.get("squash"):
        steps.append(lambda text: _SPACE.sub(" ", text).strip())
    elif spec.get("trim", True):
        steps.append(str.strip)
    if "regex" in spec:
        try:
            pattern = re.compile(str(spec["regex"]), re.DOTALL)
        except re.error as exc:
            raise CivicappsError(f"{where}: regex {spec['regex']!r} is not valid: {exc}.") from None
        group = "value" if "value" in pattern.groupindex else (1 if pattern.groups else 0)

        def extract(text: str) -> str:
            match = pattern.search(text)
            return (match.group(group) or "").strip() if match else ""

        steps.append(extract)
    if "extract" in spec:
        if spec["extract"] != "postcode":
            raise CivicappsError(f'{where}: extract can only be "postcode", not {spec["extract"]!r}.')
        steps.append(lambda text: find_postcode(text) or "")
    case = spec.get("case")
    if case is not None:
        if case not in ("upper", "lower", "title"):
            raise CivicappsError(f"{where}: case must be upper, lower or title, not {case!r}.")
        steps.append(getattr(str, case))
    if "labels" in spec:
        labels = spec["labels"]
        if not isinstance(labels, Mapping) or not all(isinstance(v, str) for v in labels.values()):
            raise CivicappsError(f"{where}: labels must be a table of code = \"words\".")
        # Councils publish codes ("FUL", "B", "PCO"); residents read words. Unknown codes pass through.
        words = {str(code).strip().upper(): label for code, label in labels.items()}
        steps.append(lambda text: words.get(text.upper(), text))
    return steps
