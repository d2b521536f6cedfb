"""The app table: ``[plugins.dataset_apps.apps.<name>]``, one per configured app, checked at startup.

Everything an app is comes from here: its words, its feed (a ``[feeds.*]`` table without ``dataset``
and ``mapping``, which the app fills in), its fields (name = column, or a core mapping spec), how a
record is worded (field templates), the filters residents may choose and how long items stay
current. A mistake stops startup with the app's key and the reason, e.g.
``'apps.roadworks': show.title uses record.strete, which is not one of the fields (street, works)``.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civicapps import PluginSettings
from civicapps_dataset_apps.field_templates import check_template

NAME = "dataset_apps"
#: App names become topic names, URLs and switch names: snake_case, like plugin names.
APP_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


class Strict(BaseModel):
    """A table of the app's configuration: a key it does not know stops startup, naming the key and
    listing the known ones, as the core does for its own tables (it cannot see into ``apps.<name>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        unknown = sorted(set(data) - set(cls.model_fields)) if isinstance(data, dict) else []
        if unknown:
            known = ", ".join(sorted(cls.model_fields))
            keys = ", ".join(f"'{key}'" for key in unknown)
            raise ValueError(f"unknown setting{'s' if len(unknown) > 1 else ''} {keys} (known settings: {known})")
        return data


class Source(Strict):
    """Where the records come from: the keys of a ``[feeds.<name>]`` table (docs/feeds.md) but
    ``dataset``, ``mapping`` and ``authority``, which the app sets itself."""

    url: str
    format: str
    interval: Any = "1d"
    failing_after: Any = None
    location: dict[str, Any] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True


class Show(Strict):
    """Field templates (sandboxed Jinja over ``record`` and ``reference``) wording each record."""

    title: str
    summary: str = ""
    starts: str | None = Field(default=None, description="a date: when the item starts (or was received)")
    ends: str | None = Field(default=None, description="a date: when the item ends")
    category: str | None = None
    link: str | None = Field(default=None, description="the publisher's page for the item, an http(s) URL")


class Filters(Strict):
    """What residents may narrow the list and their alerts by."""

    category: str | None = Field(default=None, description="the field whose values residents choose from")
    keywords: list[str] = Field(default_factory=list, description="the fields a keyword search looks in")
    dates: bool = Field(default=False, description="offer a date range (needs show.starts)")


class Credit(Strict):
    """Where the data comes from, credited on the site's /about page as its licence asks."""

    name: str
    licence: str
    attribution: str
    url: str = ""


class AppConfig(Strict):
    """One configured app."""

    title: str
    description: str
    feed: Source
    reference: Any = Field(description="the column (or spec) that identifies a record; unique within the app")
    fields: dict[str, Any] = Field(min_length=1, description="field name = source column, or a mapping spec")
    show: Show
    filters: Filters = Filters()
    current_days: int = Field(default=90, ge=1, description="how long an item without an end date stays current")
    radius_m: int = Field(default=500, ge=50, le=5000, description="the search and alert radius offered first")
    source: Credit | None = Field(default=None, description="the data's publisher and licence, for /about")

    @model_validator(mode="after")
    def _consistent(self) -> AppConfig:
        problems = []
        for field_name in self.fields:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", field_name):
                problems.append(f"field name {field_name!r} must be snake_case (lowercase letters, digits, _)")
        for template_name, source in self.show.model_dump().items():
            if source:
                problems.extend(f"show.{template_name} {p}" for p in check_template(source, self.fields))
        wanted = ([self.filters.category] if self.filters.category else []) + list(self.filters.keywords)
        for field_name in wanted:
            if field_name not in self.fields:
                problems.append(
                    f"filters name {field_name!r}, which is not one of the fields ({', '.join(sorted(self.fields))})"
                )
        if self.filters.dates and not self.show.starts:
            problems.append("filters.dates needs show.starts, the date residents filter on")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Settings(PluginSettings):
    """``[plugins.dataset_apps]``: the configured apps by name."""

    apps: dict[str, AppConfig] = Field(default_factory=dict)
    tile_url: str = Field(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png", description="map tiles for Leaflet (an https URL template)"
    )
    tile_attribution: str = Field("© OpenStreetMap contributors", description="credit shown on the map")

    @model_validator(mode="after")
    def _names(self) -> Settings:
        bad = [name for name in self.apps if not APP_NAME.fullmatch(name)]
        if bad:
            raise ValueError(
                f"app name(s) {', '.join(map(repr, bad))} must be snake_case, up to 40 characters, e.g. roadworks"
            )
        return self


def switch_name(app_name: str) -> str:
    """The app directory's name for a configured app (``dataset_apps.roadworks``): what staff switch."""
    return f"{NAME}.{app_name}"
