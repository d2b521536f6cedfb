"""Residents' pages: search by postcode, one application with its history, alerts and following.

Everything works without JavaScript (a postcode and a radius); the Leaflet map is an enhancement.
Alerts are created through the core's alert form flow (``civicapps.subscribe``), so
confirmation, unsubscribing and "manage my alerts" are the core's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_babel import format_decimal

from civicapps import (
    PastVersion,
    Place,
    PlaceNotFound,
    SubscriptionRequest,
    alert_channels,
    db_session,
    find_streets,
    gettext,
    locate_place,
    parse_id,
    past_versions,
    plugin_settings,
    postcode_in,
    subscribe,
)
from civicapps_planning_alerts import queries
from civicapps_planning_alerts.forms import AlertForm, FollowForm
from civicapps_planning_alerts.health import notices
from civicapps_planning_alerts.models import DATASET, LABELS, Application
from civicapps_planning_alerts.serialise import safe_url
from civicapps_planning_alerts.settings import NAME, Settings, current_settings
from civicapps_planning_alerts.web import bp

NEAR, FOLLOW = f"{NAME}.near", f"{NAME}.follow"
STREET_CHOICES = 20  # streets offered when a name fits several


class BadQuery(ValueError):
    """A search field the resident must correct: ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def radius_from(text: str | None, settings: Settings) -> float:
    """A radius in metres within the configured bounds, or BadQuery saying the bounds."""
    if text in (None, ""):
        return float(settings.default_radius_m)
    try:
        value = float(str(text).replace(",", "").strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not settings.min_radius_m <= value <= settings.max_radius_m:
        raise BadQuery(
            "radius",
            gettext(
                "Enter a distance between %(least)s and %(most)s metres",
                least=format_decimal(settings.min_radius_m),
                most=format_decimal(settings.max_radius_m),
            ),
        )
    return value


def map_context(settings: Settings) -> dict[str, Any]:
    """What every page with a map needs, and the notices about councils whose lists are not updating."""
    return {"tiles": settings.tile_url, "attribution": settings.tile_attribution, "notices": notices()}


def examples() -> dict[str, Any]:
    """A postcode and a street of this council's area to suggest (``[plugins.geo] example_*``), and the
    street's coordinates (rounded) when the street list knows it: the alert form's coordinate hints and the
    map's starting point show the council's own area, or no example at all."""
    geo = plugin_settings("geo")
    found = find_streets(current_app, geo.example_street, limit=STREET_CHOICES) if geo.example_street else []
    street = next((s for s in found if s.label.startswith(geo.example_street)), None)
    return {
        "postcode": geo.example_postcode,
        "street": geo.example_street,
        "lat": round(street.latitude, 4) if street else None,
        "lon": round(street.longitude, 4) if street else None,
    }


@dataclass(frozen=True)
class Where:
    """The place a search is around: its point and how to name it to the resident."""

    latitude: float
    longitude: float
    name: str
    postcode: str | None = None  # set when the resident gave a postcode (links keep it)


def locate_search(q: str) -> tuple[Where | None, list[Place]]:
    """A postcode, or a street from the street list, or an address a plugin's geocoder knows.

    A name that fits several streets gives no place but the list to choose from (FixMyStreet's
    no-JavaScript flow). Raises BadQuery for ``q`` saying what to do instead.
    """
    if postcode_in(q):
        location, postcode = locate_place(current_app, q, "q")
        return Where(location.latitude, location.longitude, postcode, postcode), []
    streets = find_streets(current_app, q, limit=STREET_CHOICES)
    if len(streets) == 1:
        [street] = streets
        return Where(street.latitude, street.longitude, street.label), []
    if streets:
        return None, streets
    try:
        location, text = locate_place(current_app, q, "q")
    except PlaceNotFound:
        raise BadQuery(
            "q",
            gettext(
                "We could not find a street or postcode called “%(name)s”. "
                "Enter a full UK postcode, like SW1A 1AA, or the start of a street name",
                name=q[:60],
            ),
        ) from None
    return Where(location.latitude, location.longitude, text), []


def coordinates_from(lat: str | None, lon: str | None, place: str | None) -> Where:
    """"Use these coordinates": a point typed or chosen on the map, named by the street it came from."""
    try:
        latitude, longitude = float(lat or ""), float(lon or "")
    except ValueError:
        raise BadQuery("lat", gettext("Enter the latitude and longitude as numbers")) from None
    finite = math.isfinite(latitude) and math.isfinite(longitude)
    if not (finite and -90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise BadQuery("lat", gettext("Enter a latitude between -90 and 90 and a longitude between -180 and 180"))
    name = f"{latitude:.5f}, {longitude:.5f}"
    if place:  # only a street from our own list names the point: a link cannot make the page say anything
        name = next(
            (s.label for s in find_streets(current_app, place.split(",")[0], limit=STREET_CHOICES)
             if s.label == place and abs(s.latitude - latitude) < 1e-4 and abs(s.longitude - longitude) < 1e-4),
            name,
        )
    return Where(latitude, longitude, name)


@bp.get("/")
def index() -> Any:
    """Search by postcode, street or a point on the map: applications nearby, newest or nearest first."""
    settings = current_settings()
    q, errors = (request.args.get("q") or "").strip(), {}
    lat, lon = (request.args.get("lat") or "").strip(), (request.args.get("lon") or "").strip()
    order = "nearest" if request.args.get("order") == "nearest" else "newest"
    page_number = parse_id(request.args.get("page"), maximum=1_000_000) or 1
    search, where, streets = queries.Search(), None, []
    try:
        radius = radius_from(request.args.get("radius"), settings)
        # The search box wins unless "Use these coordinates" was pressed (or a street was picked).
        if (lat or lon) and (request.args.get("use") == "coordinates" or not q):
            where = coordinates_from(lat, lon, request.args.get("place"))
        elif q:
            where, streets = locate_search(q)
        if where is not None:
            search = queries.Search(lat=where.latitude, lon=where.longitude, radius_m=radius)
    except (BadQuery, PlaceNotFound) as exc:
        errors[exc.field] = str(exc)
        radius = settings.default_radius_m
    found = queries.run(search, page_number, settings.page_size, nearest_first=order == "nearest")
    points = [
        {
            "lat": f.application.latitude,
            "lon": f.application.longitude,
            "title": f.application.title,
            "url": url_for(".application", application_id=f.application.id),
        }
        for f in found.items
        if f.application.latitude is not None
    ]
    here = {"q": q or None} if where is None or where.postcode else {
        "lat": f"{where.latitude:.6f}", "lon": f"{where.longitude:.6f}", "place": where.name
    }
    # The same place for the JSON, GeoJSON and Atom links: the postcode, or the street's or map's point.
    data_place = {} if where is None else {"postcode": where.postcode} if where.postcode else {
        "lat": f"{where.latitude:.6f}", "lng": f"{where.longitude:.6f}"
    }
    return render_template(
        "planning_alerts/index.html",
        title=gettext("Planning applications near you") if where else gettext("Planning applications"),
        data_place=data_place,
        found=found,
        q=q,
        lat=lat,
        lon=lon,
        where=where,
        place=where.name if where else None,
        here=here,
        order=order,
        streets=streets,
        radius=radius,
        radii=settings.presets,
        errors=errors,
        points=points,
        examples=examples(),
        **map_context(settings),
    ), (400 if errors else 200)


@bp.get("/applications/<int:application_id>")
def application(application_id: int) -> Any:
    found = db_session().get(Application, application_id)
    if found is None:
        abort(404)
    form = follow_form()
    return render_application(found, form)


def render_application(found: Application, form: FollowForm, status: int = 200) -> Any:
    return render_template(
        "planning_alerts/application.html",
        title=gettext("Planning application %(reference)s", reference=found.reference),
        application=found,
        history=history(found, past_versions(DATASET, [found.id])[found.id]),
        labels=LABELS,
        council_url=safe_url(found.info_url),
        comment_url=safe_url(found.comment_url) or safe_url(found.info_url),
        form=form,
        points=[{"lat": found.latitude, "lon": found.longitude, "title": found.title, "url": "#"}]
        if found.latitude is not None
        else [],
        **map_context(current_settings()),
    ), status


def history(current: Application, versions: list[PastVersion]) -> list[dict[str, Any]]:
    """Each version (newest first) with what changed from the one before it, in words."""
    states = [
        {
            **{n: _text(getattr(current, n)) for n in LABELS},
            "version": current.version,
            "since": current.last_changed_at,
        }
    ]
    states += [
        {**{n: _text(v.data.get(n)) for n in LABELS}, "version": v.version, "since": v.valid_from} for v in versions
    ]
    rows = []
    for newer, older in zip(states, [*states[1:], None], strict=True):
        changes = [(LABELS[n], older[n], newer[n]) for n in LABELS if older[n] != newer[n]] if older is not None else []
        rows.append({"version": newer["version"], "since": newer["since"], "changes": changes, "first": older is None})
    return rows


def _text(value: Any) -> str:
    return "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)


def _channels(form: Any) -> None:
    channels = alert_channels()
    form.channel.choices = [(channel.name, channel.label) for channel in channels]
    form.target_hint = ". ".join(
        gettext("%(channel)s: %(hint)s", channel=channel.label, hint=channel.hint) for channel in channels
    )


def follow_form() -> FollowForm:
    form = FollowForm()
    _channels(form)
    return form


@bp.post("/applications/<int:application_id>/follow")
def follow(application_id: int) -> Any:
    found = db_session().get(Application, application_id)
    if found is None:
        abort(404)
    form = follow_form()
    if form.validate_on_submit():
        wanted = SubscriptionRequest(
            topic=FOLLOW,
            channel=form.channel.data,
            target=form.target.data,
            frequency=form.frequency.data,
            key=str(found.id),
        )
        done = subscribe(wanted, form)
        if done is not None:
            return done
    return render_application(found, form, 400)


#: Core subscription fields -> fields of the alert form.
ALERT_FIELDS = {"place": "postcode", "lat": "postcode", "lon": "postcode", "radius_m": "radius", "filters": "keywords"}


@bp.route("/alerts", methods=["GET", "POST"])
def alert() -> Any:
    """Alert me: a postcode (or a point dragged on the map, or an area drawn), a radius, filters."""
    settings = current_settings()
    prefill = {name: request.args.get(name, "") for name in ("postcode", "lat", "lon")}
    form = AlertForm(data=prefill if request.method == "GET" else None)
    _channels(form)
    form.radius.choices = [
        (str(r), gettext("%(distance)s metres", distance=format_decimal(r)))
        for r in settings.presets
    ] + [("other", gettext("Another distance"))]
    form.types.choices = [(t, t) for t in queries.application_types()]
    form.streets = []  # set when the place typed fits several streets: the resident picks one
    if form.validate_on_submit():
        done = _create_alert(form, settings)
        if done is not None:
            return done
    status = 400 if request.method == "POST" else 200
    return render_template(
        "planning_alerts/alert.html",
        title=gettext("Get alerts about planning applications"),
        form=form,
        settings=settings,
        examples=examples(),
        **map_context(settings),
    ), status


def _create_alert(form: AlertForm, settings: Settings) -> Any:
    area = (form.area.data or "").strip() or None
    lat, lon = _number(form.lat.data), _number(form.lon.data)
    postcode = (form.postcode.data or "").strip() or None
    if area is None and lat is None and lon is None and postcode is None:
        form.postcode.errors = [gettext("Enter a postcode, or choose a place on the map")]
        return None
    if postcode and lat is None and not postcode_in(postcode):  # a street name instead of a postcode
        streets = find_streets(current_app, postcode, limit=STREET_CHOICES)
        # A street picked from the list offered last time; only a label of our own list counts.
        # Several fit: offer them as the search page does (kept, the pick ticked, if another field is wrong).
        picked = [s for s in streets if s.label == request.form.get("street")]
        form.streets = streets if len(streets) > 1 else []
        if len(streets) == 1 or picked:
            [street] = picked[:1] or streets
            lat, lon, postcode = street.latitude, street.longitude, None
        elif streets:
            form.postcode.errors = [
                gettext(
                    "More than one street matches “%(name)s”: choose yours, type more of its name, or enter a postcode",
                    name=postcode[:60],
                )
            ]
            return None
        else:
            form.postcode.errors = [
                gettext(
                    "We could not find a street or postcode called “%(name)s”. Enter a full UK postcode, like SW1A 1AA",
                    name=postcode[:60],
                )
            ]
            return None
    radius = None
    if area is None:
        try:
            radius = radius_from(form.radius_other.data if form.radius.data == "other" else form.radius.data, settings)
        except BadQuery as exc:
            (form.radius_other if form.radius.data == "other" else form.radius).errors = [str(exc)]
            return None
    filters = {"types": form.types.data or [], "keywords": form.keywords.data or ""}
    wanted = SubscriptionRequest(
        topic=NEAR,
        channel=form.channel.data,
        target=form.target.data,
        frequency=form.frequency.data,
        lat=lat,
        lon=lon,
        radius_m=radius,
        area=area,
        place=postcode if lat is None else None,
        filters=filters if filters["types"] or filters["keywords"].strip() else None,
    )
    return subscribe(wanted, form, ALERT_FIELDS)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return math.nan  # the core reports it as out of range
