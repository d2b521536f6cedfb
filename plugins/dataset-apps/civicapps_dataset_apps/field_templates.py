"""Field templates: how an app words each record, written by council staff, run in Jinja's sandbox.

Staff write ``title = "{{ record.works }} on {{ record.street }}"``; the names a template may use are
``record`` (the app's fields) and ``reference``. Templates are checked when the app starts (syntax,
and every ``record.<field>`` is one of the app's fields) and rendered per record; a record a template
fails on is still listed, under its reference, and its error is shown to staff beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

#: The names a field template can use.
TEMPLATE_NAMES = frozenset({"record", "reference"})
#: Date spellings a date template's output may take (day first, as UK councils write them).
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y", "%d/%m/%y")


def environment() -> SandboxedEnvironment:
    """The sandbox every field template runs in: no attribute tricks, undefined names are errors.

    Output is plain text (pages escape it when they show it), so autoescaping is off here.
    """
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def check_template(source: str, fields: Iterable[str]) -> list[str]:
    """Problems with one field template: syntax, unknown names, and ``record.<x>`` not among ``fields``."""
    env = environment()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        return [f"is not a valid template: {exc.message} (line {exc.lineno})"]
    problems = []
    unknown_names = sorted(meta.find_undeclared_variables(tree) - TEMPLATE_NAMES)
    if unknown_names:
        problems.append(f"uses {', '.join(unknown_names)}; a template can use record.<field> and reference")
    known = set(fields)
    for name in sorted(set(record_fields(tree)) - known):
        problems.append(f"uses record.{name}, which is not one of the fields ({', '.join(sorted(known))})")
    return problems


def record_fields(tree: nodes.Template) -> list[str]:
    """The field names a template reads as ``record.name`` or ``record["name"]``."""
    found = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        target = node.node
        if not (isinstance(target, nodes.Name) and target.name == "record"):
            continue
        if isinstance(node, nodes.Getattr):
            found.append(node.attr)
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            found.append(node.arg.value)
    return found


class Renderer:
    """Compiled field templates of one app, rendering each record to text (or an error)."""

    def __init__(self, templates: Mapping[str, str | None]):
        env = environment()
        self.templates = {name: env.from_string(source) for name, source in templates.items() if source}

    def render(self, name: str, record: Mapping[str, Any], reference: str) -> str:
        """The text of template ``name`` for this record ("" when the app has no such template).

        Raises TemplateError (or a sandbox SecurityError, a TemplateError too) when the template
        fails on this record; callers show that to staff and fall back for residents.
        """
        template = self.templates.get(name)
        if template is None:
            return ""
        return template.render(record=record, reference=reference).strip()


def parse_date(text: str) -> dt.date | None:
    """A date template's output as a date (None for empty output); ValueError when it is not a date."""
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise ValueError(f"{text[:40]!r} is not a date such as 2024-05-08 or 08/05/2024") from None
