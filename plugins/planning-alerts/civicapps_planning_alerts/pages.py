"""Residents' pages: search by postcode, one application with its history, alerts and following.

Everything works without JavaScript (a postcode and a radius); the Leaflet map is an enhancement.
Alerts are created through the core notify layer (``civicapps.notify.subscriptions.create``), so
confirmation, unsubscribing and "manage my alerts" are the core's.
"""

from __future__ import annotations

import math
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from civicapps import current_actor, db_session, parse_id
from civicapps.feeds.models import RecordVersion
from civicapps.notify.channels import enabled_kinds
from civicapps.notify.settings import notify_settings
from civicapps.notify.subscriptions import (
    RateLimited,
    SubscriptionError,
    SubscriptionRequest,
    create,
    locate_place,
    make_token,
)
from civicapps.web.shell import error_response
from civicapps_planning_alerts import queries
from civicapps_planning_alerts.forms import AlertForm, FollowForm
from civicapps_planning_alerts.health import notices
from civicapps_planning_alerts.models import DATASET, LABELS, Application
from civicapps_planning_alerts.serialise import safe_url
from civicapps_planning_alerts.settings import NAME, Settings, current_settings
from civicapps_planning_alerts.web import bp

NEAR, FOLLOW = f"{NAME}.near", f"{NAME}.follow"


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
            "radius", f"Enter a distance between {settings.min_radius_m:,} and {settings.max_radius_m:,} metres"
        )
    return value


def map_context(settings: Settings) -> dict[str, Any]:
    """What every page with a map needs, and the notices about councils whose lists are not updating."""
    return {"tiles": settings.tile_url, "attribution": settings.tile_attribution, "notices": notices(current_app)}


@bp.get("/")
def index() -> Any:
    """Search by postcode (or an address a geocoder knows): applications nearby, newest first."""
    settings = current_settings()
    q, errors = (request.args.get("q") or "").strip(), {}
    page_number = parse_id(request.args.get("page"), maximum=1_000_000) or 1
    search, place = queries.Search(), None
    try:
        radius = radius_from(request.args.get("radius"), settings)
        if q:
            location, place = locate_place(current_app, q, "q")
            search = queries.Search(lat=location.latitude, lon=location.longitude, radius_m=radius)
    except (BadQuery, SubscriptionError) as exc:
        errors[exc.field] = str(exc)
        radius = settings.default_radius_m
    found = queries.run(search, page_number, settings.page_size)
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
    return render_template(
        "planning_alerts/index.html",
        title="Planning applications near you" if place else "Planning applications",
        found=found,
        q=q,
        place=place,
        radius=radius,
        radii=settings.presets,
        errors=errors,
        points=points,
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
    versions = (
        db_session()
        .scalars(
            select(RecordVersion)
            .where(RecordVersion.dataset == DATASET, RecordVersion.record_id == found.id)
            .order_by(RecordVersion.version.desc())
        )
        .all()
    )
    return render_template(
        "planning_alerts/application.html",
        title=f"Planning application {found.reference}",
        application=found,
        history=history(found, versions),
        labels=LABELS,
        council_url=safe_url(found.info_url),
        comment_url=safe_url(found.comment_url) or safe_url(found.info_url),
        form=form,
        points=[{"lat": found.latitude, "lon": found.longitude, "title": found.title, "url": "#"}]
        if found.latitude is not None
        else [],
        **map_context(current_settings()),
    ), status


def history(current: Application, versions: list[RecordVersion]) -> list[dict[str, Any]]:
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
    actor = current_actor()
    kinds = enabled_kinds(notify_settings(current_app), staff=actor is not None)
    form.channel.choices = [(kind.name, kind.label) for kind in kinds.values()]
    form.target_hint = ". ".join(f"{kind.label}: {kind.hint}" for kind in kinds.values())


def follow_form() -> FollowForm:
    form = FollowForm()
    _channels(form)
    return form


def _create(form: Any, wanted: SubscriptionRequest, fields: dict[str, str]) -> Any:
    """Create through the core; a problem lands next to its field. Returns a redirect, or None."""
    actor = current_actor()
    try:
        subscription = create(current_app, wanted, request.remote_addr, actor.id if actor else None)
    except SubscriptionError as exc:
        field = getattr(form, fields.get(exc.field, exc.field), None)
        if field is None:
            form.problem = str(exc)
        else:
            field.errors = [*field.errors, str(exc)]
        return None
    except RateLimited:
        return error_response(
            429, "Too many alerts were set up from here or to that address recently. Try again later."
        )
    return redirect(url_for("notify.confirm_code", ref=make_token(current_app, "ref", subscription.id)))


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
        done = _create(form, wanted, {})
        if done is not None:
            return done
    return render_application(found, form, 400)


#: Core subscription fields -> fields of the alert form.
ALERT_FIELDS = {"place": "postcode", "lat": "postcode", "lon": "postcode", "radius_m": "radius", "filters": "keywords"}


@bp.route("/alerts", methods=["GET", "POST"])
def alert() -> Any:
    """Alert me: a postcode (or a point dragged on the map, or an area drawn), a radius, filters."""
    settings = current_settings()
    form = AlertForm(data={"postcode": request.args.get("postcode", "")} if request.method == "GET" else None)
    _channels(form)
    form.radius.choices = [(str(r), f"{r:,} metres") for r in settings.presets] + [("other", "Another distance")]
    form.types.choices = [(t, t) for t in queries.application_types()]
    form.problem = None
    if form.validate_on_submit():
        done = _create_alert(form, settings)
        if done is not None:
            return done
    status = 400 if request.method == "POST" else 200
    return render_template(
        "planning_alerts/alert.html",
        title="Get alerts about planning applications",
        form=form,
        settings=settings,
        **map_context(settings),
    ), status


def _create_alert(form: AlertForm, settings: Settings) -> Any:
    area = (form.area.data or "").strip() or None
    lat, lon = _number(form.lat.data), _number(form.lon.data)
    postcode = (form.postcode.data or "").strip() or None
    if area is None and lat is None and lon is None and postcode is None:
        form.postcode.errors = ["Enter a postcode, or choose a place on the map"]
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
    return _create(form, wanted, ALERT_FIELDS)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return math.nan  # the core reports it as out of range
