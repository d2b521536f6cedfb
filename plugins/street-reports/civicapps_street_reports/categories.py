"""Categories per body, loaded from a JSON file a council keeps alongside its boundaries.

Each entry names its body and says how reports reach it. Extra questions follow the Open311 service
definition (``code``, ``datatype``, ``required``, ``values``) so the same definition is asked on our
form, published by our Open311 server and sent as ``attribute[code]`` to the body's back office.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from civicapps import CivicappsError, db_session, normalise_email
from civicapps_street_reports.models import SEND_METHODS, Body, Category

DATATYPES = ("string", "text", "number", "datetime", "singlevaluelist", "multivaluelist")
CODE = re.compile(r"[A-Za-z0-9_.-]{1,100}")
FLAGS = ("photo_required", "anonymous_allowed", "private", "active")


@dataclass
class CategoryImport:
    added: int = 0
    changed: int = 0
    problems: list[str] = field(default_factory=list)


def _questions(raw: Any) -> list[dict[str, Any]]:
    """Validated extra questions, in the Open311 shape; raises ValueError saying what is wrong."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError("extra_questions must be a list")
    questions = []
    codes = set()
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise ValueError(f"extra question {number} must be an object")
        code = str(item.get("code") or "")
        if not CODE.fullmatch(code) or code in codes:
            raise ValueError(f"extra question {number} needs a unique code of letters, digits, _ . or -")
        codes.add(code)
        datatype = item.get("datatype", "string")
        if datatype not in DATATYPES:
            raise ValueError(f"extra question {code!r} has datatype {datatype!r}; use one of {', '.join(DATATYPES)}")
        description = str(item.get("description") or "").strip()
        if not description:
            raise ValueError(f"extra question {code!r} needs a description (the question residents see)")
        values = item.get("values") or []
        if datatype.endswith("valuelist"):
            if not values or not all(isinstance(v, dict) and v.get("key") and v.get("name") for v in values):
                raise ValueError(f"extra question {code!r} needs values: a list of {{key, name}}")
            values = [{"key": str(v["key"]), "name": str(v["name"])} for v in values]
        questions.append(
            {
                "code": code,
                "datatype": datatype,
                "description": description,
                "required": bool(item.get("required", False)),
                "variable": bool(item.get("variable", True)),
                "datatype_description": str(item.get("datatype_description") or ""),
                "values": values,
            }
        )
    return questions


def import_categories(path: Path) -> CategoryImport:
    """Add or update the categories listed in a JSON file; entries with problems are skipped and listed."""
    try:
        entries = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CivicappsError(f"Could not read {path} as JSON: {exc}") from None
    if not isinstance(entries, list):
        raise CivicappsError("Expected a JSON list of categories, each with body, name and send_method.")
    session = db_session()
    result = CategoryImport()
    bodies = {b.name: b for b in session.scalars(select(Body))}
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name}, entry {number}"
        try:
            values = _entry(entry, bodies)
        except ValueError as exc:
            result.problems.append(f"{where}: {exc}")
            continue
        category = session.scalar(
            select(Category).where(Category.body_id == values["body_id"], Category.name == values["name"])
        )
        if category is None:
            session.add(Category(**values))
            result.added += 1
        else:
            for key, value in values.items():
                setattr(category, key, value)
            result.changed += 1
        session.flush()
    session.commit()
    return result


def _entry(entry: Any, bodies: dict[str, Body]) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ValueError("each category must be an object")
    body = bodies.get(str(entry.get("body") or ""))
    if body is None:
        raise ValueError(f"no body called {entry.get('body')!r}; import its areas first")
    name = str(entry.get("name") or "").strip()
    if not name or len(name) > 100:
        raise ValueError("a category needs a name of up to 100 characters")
    method = entry.get("send_method", "none")
    if method not in SEND_METHODS:
        raise ValueError(f"send_method {method!r} is not one of {', '.join(SEND_METHODS)}")
    email = str(entry.get("email") or "").strip() or None
    if method == "email" and not (email and normalise_email(email)):
        raise ValueError(f"category {name!r} is sent by email but has no valid 'email'")
    code = str(entry.get("service_code") or re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper())
    if not CODE.fullmatch(code):
        raise ValueError(f"service_code {code!r} may only have letters, digits, _ . or -")
    values = {
        "body_id": body.id,
        "name": name,
        "service_code": code,
        "external_code": str(entry.get("external_code") or "").strip() or None,
        "group": str(entry.get("group") or "").strip() or None,
        "description": str(entry.get("description") or ""),
        "send_method": method,
        "email": email,
        "extra_questions": _questions(entry.get("extra_questions")),
    }
    for flag in FLAGS:
        default = flag == "active"
        values[flag] = bool(entry.get(flag, default))
    return values
