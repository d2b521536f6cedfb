"""The resident's way through: find the place, choose a category, describe it, confirm by email.

Every step is a plain form that works without JavaScript (postcode or street search, then a list of
nearby streets); the map only fills in the same fields. Each step's URL carries what came before
(``lat``, ``lon``, ``category``) so the back button and a reload always work.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from civicapps import current_actor, db_session, gettext, unsign
from civicapps_street_reports import lifecycle, places, submissions
from civicapps_street_reports.areas import OutsideAllAreas, categories_at
from civicapps_street_reports.links import CONFIRM_DAYS, CONFIRM_MAX_AGE, CONFIRM_REPORT, CONFIRM_UPDATE, STOP_UPDATES
from civicapps_street_reports.models import Report, Update
from civicapps_street_reports.settings import current_settings
from civicapps_street_reports.views import bp
from civicapps_street_reports.views.common import client_address, visible_report
from civicapps_street_reports.views.forms import ReportForm, UpdateForm
from civicapps_street_reports.views.public import report_context


def _point() -> tuple[float, float] | None:
    lat, lon = submissions.number(request.values.get("lat")), submissions.number(request.values.get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _start_page(status: int = 200, **context: Any) -> Any:
    """Step 1's page (again, with what was typed and an error for one field)."""
    settings = current_settings()
    page = render_template("street_reports/start.html", title=gettext("Report a problem"), settings=settings, **context)
    return page if status == 200 else (page, status)


@bp.get("/report")
def start() -> Any:
    """Step 1: where is the problem? A postcode or street search, coordinates, or the map."""
    return _start_page()


def _coordinates() -> tuple[tuple[float, float] | None, dict[str, str]]:
    """The latitude and longitude a resident typed, or an error for each field that is wrong."""
    errors, point = {}, []
    messages = {
        "lat": (
            gettext("Enter the latitude"),
            gettext("Enter the latitude as a number between -90 and 90, in decimal degrees"),
        ),
        "lon": (
            gettext("Enter the longitude"),
            gettext("Enter the longitude as a number between -180 and 180, in decimal degrees"),
        ),
    }
    for name, low, high in (("lat", -90, 90), ("lon", -180, 180)):
        text = request.args.get(name, "").strip()
        value = submissions.number(text)
        if not text:
            errors[name] = messages[name][0]
        elif value is None or not low <= value <= high:
            errors[name] = messages[name][1]
        else:
            point.append(value)
    return (None, errors) if errors else ((point[0], point[1]), {})


@bp.get("/report/where")
def where() -> Any:
    """Step 2 (without the map): the searched place, or the coordinates given, and the streets near
    it, to choose from (FixMyStreet's way for residents who cannot use a map)."""
    radius = current_settings().nearby_places_radius_m
    if "lat" in request.args or "lon" in request.args:
        point, errors = _coordinates()
        values = {"lat": request.args.get("lat", ""), "lon": request.args.get("lon", "")}
        if point is None:
            return _start_page(400, errors=errors, values=values)
        lat, lon = point
        centre = places.Spot(gettext("Exactly there (%(lat)s, %(lon)s)", lat=f"{lat:.5f}", lon=f"{lon:.5f}"), lat, lon)
        spots = places.nearby_or_nearest(lat, lon, radius)
        return render_template(
            "street_reports/where.html",
            title=gettext("Choose the place"),
            query=f"{lat:.5f}, {lon:.5f}",
            centre=centre,
            spots=spots,
            radius=radius,
            coordinates=True,
        )
    query = request.args.get("q", "").strip()
    if not query:
        return _start_page(400, errors={"q": gettext("Enter a postcode or a street name")})
    centre, spots = places.search(query, radius)
    if centre is None and not spots:
        return _start_page(
            404,
            query=query,
            errors={
                "q": gettext(
                    "We could not find '%(place)s'. Check the postcode or street name, or use coordinates", place=query
                )
            },
        )
    return render_template(
        "street_reports/where.html",
        title=gettext("Choose the place"),
        query=query,
        centre=centre,
        spots=spots,
        radius=radius,
    )


def _form_context(lat: float, lon: float, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    settings = current_settings()
    offered = categories_at(lon, lat)
    chosen_name = values.get("category") or ""
    chosen = offered.get(chosen_name)
    duplicates = submissions.possible_duplicates(lat, lon, chosen_name, settings.duplicate_radius_m) if chosen else []
    groups: dict[str, list[str]] = {}
    for name, categories in offered.items():
        groups.setdefault(categories[0].group or "", []).append(name)
    return {
        "title": gettext("Tell us about the problem") if chosen else gettext("Choose a category"),
        "lat": lat,
        "lon": lon,
        "offered": offered,
        "groups": groups,
        "chosen": chosen,
        "bodies": sorted({c.body.name for cs in ([chosen] if chosen else offered.values()) for c in cs}),
        "duplicates": duplicates,
        "values": values,
        "errors": errors,
        "settings": settings,
        "staff": current_actor() is not None,
        "anonymous_allowed": bool(chosen and all(c.anonymous_allowed for c in chosen)),
        "private": bool(chosen and any(c.private for c in chosen)),
        "where": places.describe_point(lat, lon),
    }


@bp.get("/report/new")
def new() -> Any:
    """Step 3: the categories at the point; once one is chosen, possible duplicates and the form."""
    point = _point()
    if point is None:
        return redirect(url_for("street_reports.start"))
    values = {k: request.args.get(k, "") for k in ("category", "location_text", "used_map")}
    try:
        context = _form_context(*point, values, {})
    except OutsideAllAreas as exc:
        return _start_page(422, errors={"q": str(exc)})
    if values["category"] and not context["chosen"]:
        context["errors"]["category"] = gettext("Choose a category from the list for this place")
    return render_template("street_reports/new.html", **context)


@bp.post("/report/new")
def submit() -> Any:
    """Step 4: store the report (unconfirmed) and send the confirmation link."""
    form = ReportForm()
    actor = current_actor()
    try:
        report = submissions.submit(form.draft(), client_address() or "unknown", actor)
    except submissions.RateLimited:
        return render_template(
            "street_reports/message.html",
            title=gettext("Too many reports"),
            text=gettext(
                "You have sent a lot of reports from this connection in the last hour. "
                "Wait an hour and try again, or phone the council if it is urgent."
            ),
        ), 429
    except submissions.Refused as exc:
        db_session().rollback()
        values = form.typed()
        point = _point()
        if point is None or "location" in exc.errors:
            return _start_page(400, errors={"q": exc.errors.get("location", gettext("Choose where the problem is"))})
        context = _form_context(*point, values, exc.errors)
        return render_template("street_reports/new.html", **context), 400
    if report.status == "unconfirmed":
        return redirect(url_for("street_reports.check_email"))
    return redirect(url_for("street_reports.report_page", report_id=report.id, sent=1))


@bp.get("/report/check-email")
def check_email() -> str:
    return render_template(
        "street_reports/message.html",
        title=gettext("Check your email"),
        text=gettext(
            "We have sent you an email with a link. Open it within %(days)s days to "
            "confirm your report; we send it to the council once you do.",
            days=CONFIRM_DAYS,
        ),
    )


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_report(token: str) -> Any:
    """A page with one button: mail scanners open links, so opening one never confirms anything."""
    report_id = unsign(CONFIRM_REPORT, token, CONFIRM_MAX_AGE)
    report = db_session().get(Report, report_id) if isinstance(report_id, int) else None
    if report is None:
        return render_template(
            "street_reports/message.html",
            title=gettext("This link has expired"),
            text=gettext("The link is too old or was copied wrongly. Report the problem again."),
        ), 404
    if request.method == "GET":
        return render_template(
            "street_reports/confirm.html", title=gettext("Confirm your report"), report=report, what="report"
        )
    if submissions.confirm(report):
        db_session().commit()
        submissions.after_confirm(report)
    if report.private or report.hidden:  # not public: no page to show the reporter
        return render_template(
            "street_reports/message.html",
            title=gettext("Thank you: your report is confirmed"),
            text=gettext(
                "Reports in this category are not published, but the council has your report and will deal with it."
            ),
        )
    return redirect(url_for("street_reports.report_page", report_id=report.id, sent=1))


@bp.post("/reports/<int:report_id>/updates")
def add_update(report_id: int) -> Any:
    """A resident's update (text, photos, "fixed" or "still a problem"), confirmed by email."""
    report = visible_report(report_id)
    form = UpdateForm()
    try:
        lifecycle.resident_update(report, form.draft(), client_address() or "unknown")
    except submissions.RateLimited:
        return render_template(
            "street_reports/message.html",
            title=gettext("Too many updates"),
            text=gettext("You have sent a lot from this connection in the last hour. Wait an hour and try again."),
        ), 429
    except submissions.Refused as exc:
        db_session().rollback()
        values = form.typed()
        return render_template("street_reports/report.html", **report_context(report, values, exc.errors)), 400
    return redirect(url_for("street_reports.check_email_update"))


@bp.get("/report/check-email-update")
def check_email_update() -> str:
    return render_template(
        "street_reports/message.html",
        title=gettext("Check your email"),
        text=gettext("We have sent you an email with a link. Open it to publish your update."),
    )


@bp.route("/confirm-update/<token>", methods=["GET", "POST"])
def confirm_update(token: str) -> Any:
    update_id = unsign(CONFIRM_UPDATE, token, CONFIRM_MAX_AGE)
    item = db_session().get(Update, update_id) if isinstance(update_id, int) else None
    if item is None:
        return render_template(
            "street_reports/message.html",
            title=gettext("This link has expired"),
            text=gettext("The link is too old or was copied wrongly. Write the update again."),
        ), 404
    report = db_session().get(Report, item.report_id)
    if request.method == "GET":
        return render_template(
            "street_reports/confirm.html", title=gettext("Confirm your update"), report=report, what="update"
        )
    if lifecycle.confirm_update(item):
        db_session().commit()
        lifecycle.published(report)  # type: ignore[arg-type]  # an update's report exists (foreign key)
        flash(gettext("Your update is published."), "success")
    return redirect(url_for("street_reports.report_page", report_id=item.report_id))


@bp.route("/stop-updates/<token>", methods=["GET", "POST"])
def stop_updates(token: str) -> Any:
    report_id = unsign(STOP_UPDATES, token)
    report = db_session().get(Report, report_id) if isinstance(report_id, int) else None
    if report is None:
        abort(404)
    if request.method == "GET":
        return render_template(
            "street_reports/confirm.html", title=gettext("Stop emails about this report"), report=report, what="stop"
        )
    report.reporter_updates = False
    db_session().commit()
    return render_template(
        "street_reports/message.html",
        title=gettext("Emails stopped"),
        text=gettext("We will not email you about updates on this report any more."),
    )
