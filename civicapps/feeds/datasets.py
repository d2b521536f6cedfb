"""Canonical datasets: what a plugin's records look like, whatever feed they come from.

A plugin declares a dataset as a model class with the :class:`Record` provenance mixin. The model's own
columns are the dataset's typed fields, and ``nullable=False`` columns are the required ones, so the
table and the validation can never disagree. Validation turns source text into each column's Python
type and reports, per field, why a value was refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from sqlalchemy import Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from civicapps.clock import UTCDateTime
from civicapps.errors import StartupError

#: Date spellings seen in UK council data, tried in order; day-first, never US month-first.
DATE_FORMATS = (
    "%d/%m/%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d/%m/%y",
    "%d-%b-%Y",
    "%d %b %y",
)


class Record:
    """Provenance columns every dataset table has (mix into a :class:`civicapps.Model`).

    ``(authority, reference)`` is unique: the same application re-published next week updates its
    row. ``content_hash`` decides whether a re-published row really changed; ``first_seen_at`` is set
    once and is the clock for "new" alerts; ``version`` counts real changes (older versions are kept
    in ``feeds_record_version``). ``source_feed``/``source_position`` say where the current version
    was read; ``latitude``/``longitude`` are WGS84, empty when the row could not be placed.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    authority: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source_feed: Mapped[str] = mapped_column(String(100))
    source_position: Mapped[int | None] = mapped_column(Integer)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:  # noqa: N805 - SQLAlchemy's declared_attr convention
        return (UniqueConstraint("authority", "reference", name=f"uq_{cls.__tablename__}_authority_reference"),)


PROVENANCE = frozenset(
    {
        "id",
        "content_hash",
        "version",
        "first_seen_at",
        "last_changed_at",
        "source_feed",
        "source_position",
        "latitude",
        "longitude",
    }
)


def _to_text(value: Any, formats: tuple[str, ...] = ()) -> str:
    return value if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field: its column name, Python type, whether required, and its length limit."""

    name: str
    python_type: type
    required: bool
    max_length: int | None = None
    coerce: Callable[[Any, tuple[str, ...]], Any] = field(default=_to_text, compare=False, repr=False)


class Dataset:
    """A canonical dataset a plugin's feeds fill: ``Dataset("application", Application)``.

    ``model`` is a :class:`civicapps.Model` subclass that mixes in :class:`civicapps.Record`. Its
    columns other than the provenance ones are the fields a feed mapping may fill; ``authority`` and
    ``reference`` are always required. The full name is ``<plugin>.<name>``.

    ``check(values)`` is the dataset's own rule for a whole row, for what column types cannot say (a
    weekday spelled out, a reference to another dataset's record): it gets the row's typed values and
    returns the reason to skip the row, or None. It runs inside the pull's application context, so it
    may read the database; skipped rows are reported with their feed and line like any invalid row.
    """

    def __init__(
        self,
        name: str,
        model: type,
        description: str = "",
        check: Callable[[dict[str, Any]], str | None] | None = None,
    ):
        if not (isinstance(model, type) and issubclass(model, Record)):
            raise StartupError(
                f"Dataset {name!r}: model {getattr(model, '__name__', model)!r} must mix in civicapps.Record."
            )
        self.name = name
        self.model = model
        self.description = description
        self.check = check
        self.plugin = ""
        self.fields = {spec.name: spec for spec in _field_specs(model)}

    @property
    def full_name(self) -> str:
        return f"{self.plugin}.{self.name}"

    def __repr__(self) -> str:
        return f"Dataset({self.full_name!r})"


def _field_specs(model: type) -> list[FieldSpec]:
    specs = []
    for column in model.__table__.columns:  # type: ignore[attr-defined]  # a mapped class
        if column.name in PROVENANCE:
            continue
        try:
            python_type = column.type.python_type
        except NotImplementedError:
            python_type = str
        required = column.name in ("authority", "reference") or (
            not column.nullable and column.default is None and column.server_default is None
        )
        length = (
            getattr(column.type, "length", None)
            if isinstance(column.type, String) and not isinstance(column.type, Text)
            else None
        )
        specs.append(FieldSpec(column.name, python_type, required, length, COERCERS.get(python_type, _to_text)))
    return specs


class Invalid(ValueError):
    """A value that cannot become its field's type; the message is the reason shown to staff."""


def _to_int(value: Any, formats: tuple[str, ...] = ()) -> int:
    if isinstance(value, bool):
        raise Invalid(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        raise Invalid(f"{_short(value)} is not a whole number") from None
    if not number.is_integer():
        raise Invalid(f"{_short(value)} is not a whole number")
    return int(number)


def _to_float(value: Any, formats: tuple[str, ...] = ()) -> float:
    try:
        number = (
            float(str(value).replace(",", "").strip())
            if not isinstance(value, int | float) or isinstance(value, bool)
            else float(value)
        )
    except ValueError:
        raise Invalid(f"{_short(value)} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise Invalid(f"{_short(value)} is not a finite number")
    return number


def _to_decimal(value: Any, formats: tuple[str, ...] = ()) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", "").replace("£", "").strip())
    except InvalidOperation:
        raise Invalid(f"{_short(value)} is not a number") from None
    if not number.is_finite():
        raise Invalid(f"{_short(value)} is not a finite number")
    return number


def _to_bool(value: Any, formats: tuple[str, ...] = ()) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "t"):
        return True
    if text in ("0", "false", "no", "n", "f"):
        return False
    raise Invalid(f"{_short(value)} is not yes/no")


def _to_date(value: Any, formats: tuple[str, ...] = ()) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return _parse_date(str(value).strip(), formats)


@lru_cache(maxsize=4096)
def _parse_date(text: str, formats: tuple[str, ...]) -> dt.date:
    """Dates repeat a lot within a feed, so parsing is cached."""
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if not formats:
        try:
            return (
                dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
                if "T" in text
                else dt.date.fromisoformat(text)
            )
        except ValueError:
            pass
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    expected = " or ".join(formats) if formats else "a date such as 2024-05-08, 08/05/2024 or 8 May 2024"
    raise Invalid(f"{_short(text)} is not {expected}")


def _to_datetime(value: Any, formats: tuple[str, ...] = ()) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        text = str(value).strip()
        parsed = None
        for fmt in formats:
            try:
                parsed = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            try:
                parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                parsed = dt.datetime.combine(_to_date(text, formats), dt.time())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _short(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


COERCERS: dict[type, Callable[[Any, tuple[str, ...]], Any]] = {
    str: _to_text,
    int: _to_int,
    float: _to_float,
    Decimal: _to_decimal,
    bool: _to_bool,
    dt.date: _to_date,
    dt.datetime: _to_datetime,
}
