"""Feeds, datasets and readers known to an app, checked once at startup.

Feeds come from two places, with one meaning: ``[feeds.<name>]`` tables in civicapps.toml (how a
council points the host at its data) and the ``register_feeds`` hook (a plugin shipping feeds it
knows, e.g. built from its own settings). Every feed is checked when the app starts: its dataset and
reader exist, its reader options are known, its mapping names real fields and fills the required
ones, its specs compile. A typo fails startup with one line instead of failing every pull.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from civicapps.errors import CivicappsError, StartupError
from civicapps.feeds.datasets import Dataset, FieldSpec
from civicapps.feeds.locate import LocationPlan, compile_location
from civicapps.feeds.mapping import Compiled, compile_spec
from civicapps.feeds.readers import Reader
from civicapps.feeds.toml_text import table
from civicapps.settings import describe_errors

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
_DURATION = re.compile(r"(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?")


def parse_duration(value: Any) -> timedelta:
    """``"1d"``, ``"6h"``, ``"1h30m"``, ``"90s"`` or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return timedelta(seconds=value)
    match = _DURATION.fullmatch(str(value).strip().lower())
    if not match or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration such as 30m, 6h, 1d or 1h30m")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    result = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if not result:
        raise ValueError("a duration must be longer than zero")
    return result


def format_duration(value: timedelta) -> str:
    """The shortest text :func:`parse_duration` reads back as ``value``: ``"1d"``, ``"1h30m"``, ``"90s"``."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


class Feed(BaseModel):
    """One source of records for a dataset (a ``[feeds.<name>]`` table, or from ``register_feeds``).

    ``dataset`` is the dataset's full name (``<plugin>.<dataset>``); ``format`` names a reader
    (csv, json, geojson, rss, arcgis, ckan, socrata, or one a plugin registers); ``mapping`` maps
    dataset fields to source columns (see docs/feeds.md); ``location`` says how to place each row;
    ``authority`` is used for rows whose mapping gives none; ``interval`` and ``failing_after`` take a
    timedelta, seconds or text such as ``"6h"``; ``failing_after`` is how long a feed may fail before
    staff are warned (default: the feeds plugin's ``failing_after``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME.pattern)
    dataset: str
    url: str
    format: str
    interval: timedelta = timedelta(days=1)
    mapping: dict[str, Any] = Field(default_factory=dict)
    location: dict[str, Any] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    authority: str | None = None
    failing_after: timedelta | None = None
    enabled: bool = True

    @field_validator("interval", "failing_after", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return None if value is None else parse_duration(value)

    def as_toml(self) -> str:
        """This feed as a ``[feeds.<name>]`` table that civicapps.toml and ``civicapps pull --mapping``
        both accept exactly as written (durations as ``"1d"``, unset values left out)."""
        items = self.model_dump(exclude={"name"})
        items["interval"] = format_duration(self.interval)
        items["failing_after"] = format_duration(self.failing_after) if self.failing_after else None
        return table(["feeds", self.name], items)


@dataclass
class FeedPlan:
    """A checked feed with everything a pull needs compiled.

    ``dataset`` is None only for ``civicapps pull`` without ``--dataset``: then ``specs`` are untyped
    text fields, and with no mapping at all every source column passes through as it is.
    """

    feed: Feed
    dataset: Dataset | None
    reader: Reader
    fields: dict[str, Compiled]
    location: LocationPlan
    specs: dict[str, FieldSpec]


@dataclass
class FeedsRegistry:
    """``app.extensions["civicapps_feeds"]``: datasets, readers and feeds by name."""

    datasets: dict[str, Dataset] = field(default_factory=dict)
    readers: dict[str, Reader] = field(default_factory=dict)
    plans: dict[str, FeedPlan] = field(default_factory=dict)


def feeds_registry(app: Flask) -> FeedsRegistry:
    return app.extensions["civicapps_feeds"]


def install_feeds(app: Flask) -> None:
    """Collect datasets, readers and feeds from the plugins and the configuration; check them all."""
    state = app.extensions["civicapps"]
    registry = FeedsRegistry()
    for plugin, datasets in state.registry.call_each("register_datasets").items():
        for dataset in datasets:
            if not isinstance(dataset, Dataset):
                raise StartupError(
                    f"Plugin '{plugin}': register_datasets must return civicapps.Dataset objects, not {dataset!r}."
                )
            dataset.plugin = plugin
            table = dataset.model.__tablename__
            if not table.startswith(f"{plugin}_"):
                raise StartupError(
                    f"Plugin '{plugin}': dataset {dataset.name!r} uses table {table!r}, "
                    f"which must be named '{plugin}_...'."
                )
            registry.datasets[dataset.full_name] = dataset
    owners: dict[str, str] = {}
    for plugin, readers in state.registry.call_each("register_readers").items():
        for reader in readers:
            if reader.format in registry.readers:
                raise StartupError(
                    f"Two plugins register a reader for format {reader.format!r}: "
                    f"'{owners[reader.format]}' and '{plugin}'."
                )
            registry.readers[reader.format] = reader
            owners[reader.format] = plugin
    feeds = [_from_config(name, raw) for name, raw in state.settings.feeds.items()]
    for plugin, plugin_feeds in state.registry.call_each("register_feeds", app=app).items():
        for feed in plugin_feeds:
            if not isinstance(feed, Feed):
                raise StartupError(
                    f"Plugin '{plugin}': register_feeds must return civicapps.Feed objects, not {feed!r}."
                )
            feeds.append(feed)
    for feed in feeds:
        if feed.name in registry.plans:
            raise StartupError(f"Two feeds are named {feed.name!r}; feed names must be unique.")
        try:
            registry.plans[feed.name] = plan_feed(feed, registry)
        except CivicappsError as exc:
            raise StartupError(f"Feed '{feed.name}': {exc}") from None
    app.extensions["civicapps_feeds"] = registry


def _from_config(name: str, raw: Any) -> Feed:
    if not NAME.fullmatch(name):
        raise StartupError(f"[feeds.{name}]: feed names use lowercase letters, digits, - and _.")
    try:
        return Feed.model_validate({**raw, "name": name})
    except ValidationError as exc:
        raise StartupError(describe_errors(exc, f"feed '{name}' ([feeds.{name}])", Feed)) from None


def plan_feed(feed: Feed, registry: FeedsRegistry, *, loose: bool = False) -> FeedPlan:
    """Check ``feed`` against the known datasets and readers and compile its mapping.

    ``loose`` (``civicapps pull`` without a dataset) accepts an empty ``feed.dataset``.
    """
    if feed.format not in registry.readers:
        raise CivicappsError(f"unknown format {feed.format!r}; known formats: {', '.join(sorted(registry.readers))}.")
    reader = registry.readers[feed.format]
    unknown = set(feed.options) - set(reader.options)
    if unknown:
        known = ", ".join(sorted(reader.options)) or "none"
        raise CivicappsError(
            f"unknown option(s) {', '.join(sorted(unknown))} for format {feed.format!r}; known: {known}."
        )
    location = compile_location(feed.location)
    if loose and not feed.dataset:
        fields = {name: compile_spec(spec, f"mapping.{name}") for name, spec in feed.mapping.items()}
        return FeedPlan(feed, None, reader, fields, location, {name: FieldSpec(name, str, False) for name in fields})
    if feed.dataset not in registry.datasets:
        known = ", ".join(sorted(registry.datasets)) or "none (no installed plugin declares one)"
        raise CivicappsError(f"unknown dataset {feed.dataset!r}; known datasets: {known}.")
    dataset = registry.datasets[feed.dataset]
    fields = {}
    for name, spec in feed.mapping.items():
        if name not in dataset.fields:
            raise CivicappsError(
                f"mapping names {name!r}, which dataset {dataset.full_name} does not have; "
                f"its fields: {', '.join(dataset.fields)}."
            )
        fields[name] = compile_spec(spec, f"mapping.{name}")
    if "authority" not in fields and feed.authority:
        fields["authority"] = compile_spec({"value": feed.authority}, "authority")
    missing = [name for name, spec in dataset.fields.items() if spec.required and name not in fields]
    if missing:
        raise CivicappsError(
            f"mapping does not fill required field(s) {', '.join(missing)} of {dataset.full_name}"
            + (" (or set authority)" if "authority" in missing else "")
            + "."
        )
    return FeedPlan(feed, dataset, reader, fields, location, dataset.fields)
