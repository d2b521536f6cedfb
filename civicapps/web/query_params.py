"""A JSON API's query parameters as one pydantic model: it validates the query string and describes it.

An API that parses its query string by hand and describes it in a hand-written OpenAPI document has
two sources that drift apart. Declaring the parameters once, as a pydantic model, gives both: the
validation (:func:`read_query`) and the OpenAPI ``parameters`` (:func:`openapi_parameters`).

What a client is told about a bad parameter is in the request's language (``?lang=``, the cookie or
Accept-Language, as pages choose theirs): a page such as a plugin's search form shows it to a
resident. The OpenAPI descriptions stay in English: they are documentation for developers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from civicapps.i18n import gettext

Query = TypeVar("Query", bound=BaseModel)


class QueryError(Exception):
    """A query parameter the API client must correct: ``parameter`` names it, the message says how.

    :func:`read_query` raises it for the first invalid field. A model's own ``model_validator`` may
    raise it too, for a rule across parameters ("lat and lng go together"): it is deliberately not a
    ``ValueError``, so pydantic lets it through unchanged with the parameter it names.
    """

    def __init__(self, parameter: str, detail: str):
        super().__init__(detail)
        self.parameter = parameter


def read_query(model: type[Query], args: Mapping[str, str]) -> Query:
    """``args`` (e.g. ``request.args``) validated into ``model``, or :class:`QueryError` naming the parameter.

    An empty value counts as absent, as a form's blank field does, and parameters the model does not
    declare are ignored unless the model forbids them. Each parameter is read once (its first value).
    The error's words are in the request's language (see ``_SAID``).
    """
    present = {name: value for name, value in args.items() if value != ""}
    try:
        return model.model_validate(present)
    except ValidationError as exc:
        error = exc.errors()[0]
        parameter = str(error["loc"][0]) if error["loc"] else "query"
        say = _SAID.get(error["type"])
        if say is not None:
            raise QueryError(parameter, say(parameter, error.get("ctx", {}))) from None
        raise QueryError(parameter, f"{parameter}: {error['msg'].removeprefix('Value error, ')}") from None


def _number(value: float) -> str:
    """A bound as written: 90, not the 90.0 a float field holds."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _choices(expected: str) -> str:
    """pydantic's ``'a', 'b' or 'c'`` as ``'a', 'b', 'c'``: its "or" is English."""
    return ", ".join(expected.rsplit(" or ", 1))


#: pydantic's common error types, said in civicapps' own words in the request's language, naming the
#: parameter. Any other type keeps pydantic's English message; a ``ValueError`` from a model's own
#: validator keeps its words (translated if the model gave them through ``gettext``).
_SAID: dict[str, Callable[[str, dict[str, Any]], str]] = {
    "missing": lambda p, ctx: gettext("%(parameter)s: this parameter is required", parameter=p),
    **dict.fromkeys(
        ("int_parsing", "int_type", "int_from_float"),
        lambda p, ctx: gettext("%(parameter)s: must be a whole number", parameter=p),
    ),
    **dict.fromkeys(
        ("float_parsing", "float_type", "finite_number"),
        lambda p, ctx: gettext("%(parameter)s: must be a number", parameter=p),
    ),
    "greater_than_equal": lambda p, ctx: gettext(
        "%(parameter)s: must be %(limit)s or more", parameter=p, limit=_number(ctx["ge"])
    ),
    "greater_than": lambda p, ctx: gettext(
        "%(parameter)s: must be more than %(limit)s", parameter=p, limit=_number(ctx["gt"])
    ),
    "less_than_equal": lambda p, ctx: gettext(
        "%(parameter)s: must be %(limit)s or less", parameter=p, limit=_number(ctx["le"])
    ),
    "less_than": lambda p, ctx: gettext(
        "%(parameter)s: must be less than %(limit)s", parameter=p, limit=_number(ctx["lt"])
    ),
    **dict.fromkeys(
        ("enum", "literal_error"),
        lambda p, ctx: gettext(
            "%(parameter)s: must be one of %(choices)s", parameter=p, choices=_choices(ctx["expected"])
        ),
    ),
    **dict.fromkeys(
        ("date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"),
        lambda p, ctx: gettext("%(parameter)s: must be a date like 2027-03-31", parameter=p),
    ),
    **dict.fromkeys(
        ("datetime_parsing", "datetime_from_date_parsing", "datetime_type"),
        lambda p, ctx: gettext("%(parameter)s: must be a date and time like 2027-03-31T09:30", parameter=p),
    ),
    "bool_parsing": lambda p, ctx: gettext("%(parameter)s: must be true or false", parameter=p),
}


def openapi_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The OpenAPI 3.1 ``parameters`` (``in: query``) for ``model``'s fields, in declaration order.

    Each field's ``description`` becomes the parameter's; its type, bounds, default and examples its
    schema. An optional field (``X | None = None``) is described as an optional ``X``: in a query string
    a missing value is an absent parameter, never a null. Field aliases name the parameters.
    The descriptions stay in English whatever the request's language: they are documentation for the
    developers who write clients, not words a resident reads.
    """
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema["properties"].items():
        field_schema = _inline(dict(field_schema), definitions)
        field_schema.pop("title", None)
        description = field_schema.pop("description", None)
        variants = field_schema.get("anyOf")
        if variants and {"type": "null"} in variants:
            kept = [variant for variant in variants if variant != {"type": "null"}]
            del field_schema["anyOf"]
            field_schema.update(kept[0] if len(kept) == 1 else {"anyOf": kept})
        if "default" in field_schema and field_schema["default"] is None:
            del field_schema["default"]
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if description:
            parameter["description"] = description
        parameters.append({**parameter, "schema": field_schema})
    return parameters


def _inline(schema: Any, definitions: dict[str, Any]) -> Any:
    """``schema`` with each ``$ref`` to the model's ``$defs`` (an enum, a nested type) replaced by its target."""
    if isinstance(schema, list):
        return [_inline(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref", "")
    if ref.startswith("#/$defs/"):
        target = _inline(dict(definitions[ref.removeprefix("#/$defs/")]), definitions)
        target.pop("title", None)
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return {key: _inline(value, definitions) for key, value in schema.items()}
