"""Each configured app's pages, under ``/dataset-apps/<app>/``: search, item, staff.

An app that is not configured, or is switched off in the app directory, answers 404 on every page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from flask import Blueprint, abort, current_app, render_template, request, url_for

from civicapps import (
    PlaceNotFound,
    QueryError,
    app_enabled,
    current_actor,
    feed_health,
    find_streets,
    gettext,
    locate_place,
    plugin_settings,
    read_query,
    staff_required,
)
from civicapps_dataset_apps import records
from civicapps_dataset_apps.date_filters import read_dates
from civicapps_dataset_apps.models import DATASET
from civicapps_dataset_apps.queries import Search
from civicapps_dataset_apps.settings import NAME, AppConfig, Settings, switch_name

bp = Blueprint("dataset_apps", __name__, template_folder="templates", static_folder="static")
#: Most records one page lists; the APIs and the feed say the same.
PAGE_LIMIT = 200


def settings() -> Settings:
    return cast(Settings, plugin_settings(NAME))


def app_or_404(name: str) -> AppConfig:
    """The app's table, or 404 when there is no such app or it is switched off."""
    config = settings().apps.get(name)
    if config is None or not app_enabled(switch_name(name)):
        abort(404)
    return config


@dataclass
class Located:
    """Where a search is: a point and its words, or streets to choose from, or the problems."""

    lat: float | None = None
    lon: float | None = None
    label: str | None = None
    streets: list[Any] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def locate(search: Search) -> Located:
    """A search's place: its coordinates, the postcode, or the one street (or streets to choose from)."""
    if search.lat is not None and search.lon is not None:
        label = request.args.get("place") or f"{search.lat:.5f}, {search.lon:.5f}"
        return Located(search.lat, search.lon, label[:200])
    if not search.q:
        return Located()
    try:
        location, label = locate_place(current_app, search.q, "q")
    except PlaceNotFound as exc:
        streets = find_streets(current_app, search.q, limit=10)
        if len(streets) == 1:
            return Located(streets[0].latitude, streets[0].longitude, streets[0].label)
        if streets:
            return Located(streets=streets)
        return Located(errors={"q": str(exc)})
    return Located(location.latitude, location.longitude, label)


def wanted(config: AppConfig, search: Search, where: Located) -> records.Wanted:
    return records.Wanted(
        lat=where.lat,
        lon=where.lon,
        radius_m=(search.radius or config.radius_m) if where.lat is not None else None,
        category=search.category,
        keywords=search.keywords,
        date_from=search.date_from,
        date_to=search.date_to,
    )


def refused(parameter: str) -> str:
    """What a resident is asked to correct in the search form's ``parameter`` (the APIs keep the
    parameter's own message: the page speaks the resident's language, and names the field by its label)."""
    messages = {
        "radius": gettext("Enter a distance in whole metres, from 50 to 5,000"),
        "category": gettext("Choose a category from the list"),
    }
    return messages.get(parameter, gettext("Enter up to 200 characters"))


@bp.get("/")
def index() -> str:
    apps = {name: config for name, config in settings().apps.items() if app_enabled(switch_name(name))}
    return render_template("dataset_apps/index.html", title=gettext("Local data apps"), apps=apps)


def read_search(args: dict[str, str]) -> tuple[Search, dict[str, str]]:
    """The search a page's query asks for, and what to correct by field id.

    Each refused parameter is left out and the rest read again, so one mistake neither hides another nor
    empties the rest of the form.
    """
    errors: dict[str, str] = {}
    while True:
        try:
            return read_query(Search, args), errors
        except QueryError as exc:
            field_id = "q" if exc.parameter in ("lat", "lon") else exc.parameter  # the place is chosen in q
            errors[field_id] = refused(exc.parameter)
            dropped = {"lat", "lon"} if exc.parameter in ("lat", "lon") else {exc.parameter}
            if not dropped & args.keys():  # nothing left to leave out: a rule across the whole query
                return Search(), errors
            args = {key: value for key, value in args.items() if key not in dropped}


@bp.get("/<name>/")
def search_page(name: str) -> str:
    config = app_or_404(name)
    start, end = read_dates(request.args)
    errors: dict[str, str] = {dates.anchor: dates.error for dates in (start, end) if dates.error}
    search, refusals = read_search({**request.args.to_dict(), "from": start.iso, "to": end.iso})
    errors.update(refusals)
    where = locate(search)
    errors.update(where.errors)
    found = records.shown(name, config, wanted(config, search, where))
    return render_template(
        "dataset_apps/search.html",
        title=config.title,
        name=name,
        config=config,
        search=search,
        dates=(start, end),
        radius=search.radius or config.radius_m,
        where=where,
        errors=errors,
        found=found[:PAGE_LIMIT],
        total=len(found),
        categories=records.categories(name, config),
        points=[_point(name, s) for s in found[:PAGE_LIMIT] if s.latitude is not None],
        tiles=settings().tile_url,
        attribution=settings().tile_attribution,
    )


@bp.get("/<name>/items/<int:item_id>")
def item_page(name: str, item_id: int) -> str:
    config = app_or_404(name)
    item = records.by_id(name, config, item_id)
    if item is None:
        abort(404)
    return render_template(
        "dataset_apps/item.html",
        title=item.title,
        name=name,
        config=config,
        item=item,
        staff=current_actor() is not None,
        points=[_point(name, item)] if item.latitude is not None else [],
        tiles=settings().tile_url,
        attribution=settings().tile_attribution,
    )


@bp.get("/<name>/staff")
@staff_required
def staff_page(name: str) -> str:
    config = app_or_404(name)
    health = [h for h in feed_health(current_app, dataset=DATASET) if h.name == name]
    return render_template(
        "dataset_apps/staff.html",
        title=gettext("%(app)s: feed and records", app=config.title),
        name=name,
        config=config,
        health=health,
        failing=records.with_errors(name, config),
    )


def _point(name: str, item: records.Shown) -> dict[str, Any]:
    return {
        "lat": item.latitude,
        "lon": item.longitude,
        "title": item.title,
        "url": url_for("dataset_apps.item_page", name=name, item_id=item.id),
    }
