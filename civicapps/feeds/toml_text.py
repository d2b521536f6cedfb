"""Writing a feed as the ``[feeds.<name>]`` TOML table a council pastes into civicapps.toml.

The standard library reads TOML but does not write it, and a general writer would spell each mapping
spec as its own ``[feeds.x.mapping.field]`` table; this writes them the way docs/feeds.md does, one
line per field with inline tables, so a printed preset reads like the documentation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise (``"PA Ref"``)."""
    return name if _BARE_KEY.fullmatch(name) else value(name)


def value(item: Any) -> str:
    """A TOML value on one line; ``None`` cannot be written (leave such keys out)."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int | float):
        return repr(item)
    if isinstance(item, str):
        return json.dumps(item, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(item, list | tuple):
        return "[" + ", ".join(value(v) for v in item) + "]"
    if isinstance(item, Mapping):
        inner = ", ".join(f"{key(str(k))} = {value(v)}" for k, v in item.items() if v is not None)
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"{type(item).__name__} cannot be written as TOML")


def table(path: list[str], items: Mapping[str, Any]) -> str:
    """``[a.b]`` then ``key = value`` lines; tables among ``items`` follow as ``[a.b.name]`` sub-tables
    whose own tables are written inline. ``None`` values and empty sub-tables are left out."""
    lines = [f"[{'.'.join(key(p) for p in path)}]"]
    subtables = []
    for name, item in items.items():
        if isinstance(item, Mapping):
            if item:
                subtables.append((name, item))
        elif item is not None:
            lines.append(f"{key(name)} = {value(item)}")
    text = "\n".join(lines) + "\n"
    for name, item in subtables:
        sub = [f"[{'.'.join(key(p) for p in (*path, name))}]"]
        sub += [f"{key(str(k))} = {value(v)}" for k, v in item.items() if v is not None]
        text += "\n" + "\n".join(sub) + "\n"
    return text
