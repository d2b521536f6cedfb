"""Every public name is documented for plugin authors: a docstring, and docs/plugins.md names it and shows it in use.

The same rule as Datasette's tests/test_docs.py: a name added to ``civicapps.__all__`` without an entry
in the plugin guide fails here, so the guide cannot fall behind the API.
"""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import civicapps

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"


def python_examples(markdown: str) -> str:
    """The text of every ```python block."""
    return "\n".join(re.findall(r"^```python\n(.*?)^```", markdown, re.S | re.M))


def named_in_text(name: str, markdown: str) -> bool:
    """``name`` written as code: `name`, `name(...)`, `civicapps.name` or `civicapps.name(...)`."""
    return re.search(rf"`(civicapps\.)?{re.escape(name)}[`(.\[]", markdown) is not None


def used_in_example(name: str, markdown: str) -> bool:
    """``name`` in a python example, alone or as ``civicapps.name`` (not as another object's attribute)."""
    return re.search(rf"(?:(?<![\w.])|(?<=civicapps\.)){re.escape(name)}\b", python_examples(markdown)) is not None


@pytest.mark.parametrize("name", civicapps.__all__)
def test_public_name_has_a_docstring(name: str) -> None:
    if name == "__version__":
        assert isinstance(civicapps.__version__, str)
        return
    assert inspect.getdoc(getattr(civicapps, name)), f"civicapps.{name} needs a docstring saying why to use it"


@pytest.mark.parametrize("name", civicapps.__all__)
def test_public_name_is_in_the_plugin_guide_with_an_example(name: str) -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    assert named_in_text(name, guide), f"docs/plugins.md never names `{name}`"
    assert used_in_example(name, guide), f"docs/plugins.md has no ```python example using {name}"


def test_the_checks_tell_a_mention_from_an_example() -> None:
    example = "from civicapps import gadget\nthing.widget()\ncivicapps.gizmo\n"
    guide = f"Use `civicapps.widget(x)`.\n\n```python\n{example}```\n"
    assert named_in_text("widget", guide) and not used_in_example("widget", guide)
    assert used_in_example("gadget", guide) and not named_in_text("gadget", guide)
    assert not named_in_text("widge", guide) and not used_in_example("gadge", guide)
