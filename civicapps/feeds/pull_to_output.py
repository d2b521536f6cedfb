"""Read any feed, file or URL once and write the rows out, storing nothing (``civicapps pull SOURCE``).

For analysts and for whoever sets up a feed: try a mapping against the real file, see which rows a
dataset would refuse and why, or cut a CSV of applications near a postcode, without a database.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import click
from flask import current_app

from civicapps.csv_export import csv_dict_writer
from civicapps.errors import CivicappsError
from civicapps.feeds.errors import RowIssue
from civicapps.feeds.pipeline import Row, Tally, canonical_rows
from civicapps.feeds.pull import fetcher_for
from civicapps.feeds.readers import Source
from civicapps.feeds.registry import Feed, FeedPlan, feeds_registry, plan_feed
from civicapps.geo.geocoding import geocode
from civicapps.geo.projection import distances_m
from civicapps.progress import Progress

GUESSES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".json": "json",
    ".geojson": "geojson",
    ".rss": "rss",
    ".atom": "rss",
    ".xml": "rss",
}
MAPPING_KEYS = {"dataset", "format", "options", "mapping", "location", "authority"}
#: Keys of a [feeds.<name>] table that a one-off pull reads past: SOURCE says where, and it runs once.
SCHEDULE_KEYS = {"url", "interval", "failing_after", "enabled"}


def guess_format(source: str) -> str:
    lowered = source.lower().split("?", 1)[0]
    if "/featureserver/" in lowered or lowered.endswith("/featureserver"):
        return "arcgis"
    if "datastore_search" in lowered:
        return "ckan"
    if "/resource/" in lowered and lowered.endswith(".json"):
        return "socrata"
    for suffix, name in GUESSES.items():
        if lowered.endswith(suffix):
            return name
    formats = ", ".join(sorted(feeds_registry(current_app).readers))
    raise CivicappsError(f"Cannot tell the format of {source}; give --format (one of: {formats}).")


def read_mapping(path: str | None) -> dict[str, Any]:
    """A TOML (or JSON) file: the keys of a [feeds.<name>] table, or one whole ``[feeds.<name>]`` table
    (as ``civicapps planning-alerts presets`` prints it, or cut from civicapps.toml)."""
    if path is None:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text) if path.endswith(".json") else tomllib.loads(text)
    except OSError as exc:
        raise CivicappsError(f"Cannot read the mapping file {path}: {exc.strerror}.") from None
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise CivicappsError(
            f"The mapping file {path} is not valid {'JSON' if path.endswith('.json') else 'TOML'}: {exc}."
        ) from None
    if set(data) == {"feeds"} and isinstance(data["feeds"], dict):
        if len(data["feeds"]) != 1 or not isinstance(next(iter(data["feeds"].values())), dict):
            raise CivicappsError(
                f"The mapping file {path} has {len(data['feeds'])} [feeds.<name>] tables; keep the one to pull."
            )
        data = next(iter(data["feeds"].values()))
    unknown = set(data) - MAPPING_KEYS - SCHEDULE_KEYS
    if unknown:
        raise CivicappsError(
            f"The mapping file has unknown key(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(MAPPING_KEYS | SCHEDULE_KEYS))}."
        )
    return data


def plan_for(source: str, format_: str | None, mapping_file: str | None, dataset: str | None) -> FeedPlan:
    """The plan of a configured feed, or one made up for a URL or file from the options."""
    registry = feeds_registry(current_app)
    if source in registry.plans and not mapping_file:
        feed = registry.plans[source].feed
        overrides: dict[str, Any] = {"format": format_ or feed.format, "dataset": dataset or feed.dataset}
        return plan_feed(feed.model_copy(update=overrides), registry, loose=True)
    config = read_mapping(mapping_file)
    feed = Feed(
        name="pull",
        dataset=dataset or config.get("dataset", ""),
        url=registry.plans[source].feed.url if source in registry.plans else source,
        format=format_ or config.get("format") or guess_format(source),
        mapping=config.get("mapping", {}),
        location=config.get("location", {}),
        options=config.get("options", {}),
        authority=config.get("authority"),
    )
    return plan_feed(feed, registry, loose=True)


def since_filter(plan: FeedPlan, since: dt.date, field: str | None) -> str:
    """The date field ``--since`` compares against."""
    if field:
        if plan.specs and field not in plan.specs:
            raise CivicappsError(f"--date-field {field!r} is not one of the fields: {', '.join(plan.specs)}.")
        return field
    for name, spec in plan.specs.items():
        if spec.python_type in (dt.date, dt.datetime):
            return name
    raise CivicappsError("--since needs a date field: give --date-field, or --dataset with a date field.")


def before_since(field: str, since: dt.date) -> Callable[[dict[str, Any]], str | None]:
    """The ``exclude`` test of ``--since``: it runs on mapped values, before any row is geocoded."""

    def excluded(values: dict[str, Any]) -> str | None:
        value = values.get(field)
        day = value.date() if isinstance(value, dt.datetime) else value
        if not isinstance(day, dt.date):
            return f"no {field} date to compare with --since"
        return "before --since" if day < since else None

    return excluded


def near_only(rows: Iterable[list[Row]], tally: Tally, near: tuple[float, float, float] | None) -> Iterator[Row]:
    """Rows within ``near`` = (lon, lat, metres), or every row when ``near`` is None."""
    for batch in rows:
        if near is None:
            yield from batch
            continue
        distances = iter(distances_m(near[0], near[1], [r.point for r in batch if r.point]))
        for row in batch:
            distance = next(distances) if row.point else None
            reason = (
                "not placed, so its distance is unknown"
                if distance is None
                else "outside --radius"
                if distance > near[2]
                else None
            )
            if reason:
                tally.kept -= 1
                tally.report(RowIssue(tally.feed, row.position, None, reason))
                continue
            yield row


def write(rows: Iterator[Row], output: str, out: IO[str]) -> None:
    if output == "csv":
        writer = None
        for row in rows:
            record = _flat(row)
            if writer is None:
                writer = csv_dict_writer(out, list(record), extrasaction="ignore")
                writer.writeheader()
            writer.writerow(record)
    elif output == "ndjson":
        for row in rows:
            out.write(json.dumps(_flat(row), default=str, ensure_ascii=False) + "\n")
    elif output == "json":
        out.write("[")
        for index, row in enumerate(rows):
            out.write(("," if index else "") + "\n  " + json.dumps(_flat(row), default=str, ensure_ascii=False))
        out.write("\n]\n")
    else:
        out.write('{"type": "FeatureCollection", "features": [')
        for index, row in enumerate(rows):
            geometry = {"type": "Point", "coordinates": list(row.point)} if row.point else None
            feature = {"type": "Feature", "geometry": geometry, "properties": {"position": row.position, **row.values}}
            out.write(("," if index else "") + "\n  " + json.dumps(feature, default=str, ensure_ascii=False))
        out.write("\n]}\n")


def _flat(row: Row) -> dict[str, Any]:
    lon, lat = row.point if row.point else (None, None)
    return {
        "position": row.position,
        **{k: "" if v is None else v for k, v in row.values.items()},
        "latitude": lat,
        "longitude": lon,
    }


def pull_to_output(
    source: str,
    format_: str | None,
    mapping_file: str | None,
    dataset: str | None,
    since: dt.datetime | None,
    date_field: str | None,
    near: str | None,
    radius: float,
    output: str,
    output_file: IO[str],
    progress: bool | None,
) -> None:
    """Pull ``source`` once and write its rows to ``output_file`` as ``output``; see ``civicapps pull``."""
    plan = plan_for(source, format_, mapping_file, dataset)
    exclude = before_since(since_filter(plan, since.date(), date_field), since.date()) if since else None
    centre = None
    if near:
        location = geocode(current_app, near)
        if location is None:
            raise CivicappsError(f"Cannot place --near {near!r}: unknown postcode, or no geocoder answered.")
        centre = (location.longitude, location.latitude, radius)
    tally = Tally(plan.feed.name if source in feeds_registry(current_app).plans else "pull")
    src = Source(
        plan.feed.url, plan.feed.options, fetcher_for(current_app), single_document=plan.reader.single_document
    )
    with Progress(f"Pulling {Path(source.split('?')[0]).name or source}", progress) as bar:
        records = bar.wrap(plan.reader.read(src))
        rows = near_only(
            canonical_rows(current_app, plan, records, tally, persist=False, exclude=exclude), tally, centre
        )
        write(rows, output, output_file)
        output_file.flush()
    click.echo(
        f"Read {tally.read} rows: kept {tally.kept}, skipped {tally.skipped}, warnings {tally.warnings}.", err=True
    )
    for reason, count in tally.reasons.most_common(10):
        click.echo(f"  {count:>6}  {reason}", err=True)
    if len(tally.reasons) > 10:
        click.echo(f"  ... and {len(tally.reasons) - 10} more kinds of issue", err=True)
