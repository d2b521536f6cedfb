"""A package's public names imported on first use (PEP 562), listed once as imports type checkers read.

``civicapps`` and ``civicapps.feeds`` list their public names in an ``if typing.TYPE_CHECKING:``
block of ``from <module> import <name> as <name>`` lines. Type checkers and IDEs read those lines
as ordinary imports; :func:`listed_names` reads the same lines back from the package's source at
run time, and :func:`attribute_loader` imports a name from its module when it is first used. So a
package can offer names from heavy modules (SQLAlchemy, numpy, pyproj...) without every
``import civicapps`` paying for them. This is Scientific Python's SPEC 1 (``lazy_loader.attach_stub``)
without a separate ``.pyi`` file.
"""
from __future__ import annotations

import ast
import importlib
from collections.abc import Callable, MutableMapping
from typing import Any


def listed_names(source_file: str) -> dict[str, tuple[str, str]]:
    """Each name the ``if typing.TYPE_CHECKING:`` block of ``source_file`` imports -> (module, attribute)."""
    with open(source_file, encoding="utf-8") as source:
        tree = ast.parse(source.read(), filename=source_file)
    (block,) = [
        node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "typing.TYPE_CHECKING"
    ]
    return {
        alias.asname or alias.name: (statement.module, alias.name)
        for statement in block.body
        if isinstance(statement, ast.ImportFrom) and statement.module
        for alias in statement.names
    }


def attribute_loader(
    namespace: MutableMapping[str, Any], names: dict[str, tuple[str, str]]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports a listed name on first use and keeps it in ``namespace``.

    Kept, so later uses are plain attribute lookups; any other name is an ``AttributeError``, as
    for a module without ``__getattr__``.
    """

    def __getattr__(name: str) -> Any:
        try:
            module, attribute = names[name]
        except KeyError:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), attribute)
        namespace[name] = value
        return value

    return __getattr__
