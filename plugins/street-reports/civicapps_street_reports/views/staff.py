"""Staff pages: the report list and map with filters, bulk state changes, CSV export, one report's
management (state and public comment, moderation, photo redaction), the abuse list, response times.
"""

from __future__ import annotations

import io
import json
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from shapely.geometry import Point, shape
from sqlalchemy import func, select

from civicapps import (
    Actor,
    csv_writer,
    current_actor,
    db_session,
    gettext,
    lazy_gettext,
    ngettext,
    parse_id,
    staff_required,
    utcnow,
)
from civicapps_street_reports import lifecycle, sending, states
from civicapps_street_reports.models import (
    Abuser,
    Area,
    Body,
    Category,
    Delivery,
    Moderation,
    Photo,
    Report,
    ResponseTemplate,
    Update,
    UpdateDelivery,
)
from civicapps_street_reports.settings import current_settings
from civicapps_street_reports.submissions import Refused
from civicapps_street_reports.views import bp
from civicapps_street_reports.views.staff_forms import AbuseForm, BulkForm, ReportActionForm

PAGE_SIZE = 100
#: The success banner after each action on the staff report page.
SAVED = {
    "status": lazy_gettext("The report is updated."),
    "edit": lazy_gettext("The edit is saved; the original is kept."),
    "hide": lazy_gettext("The report is hidden from the public."),
    "unhide": lazy_gettext("The report is shown again."),
    "hide_update": lazy_gettext("The update is hidden."),
    "redact": lazy_gettext("The photo is redacted."),
    "retry": lazy_gettext("The report will be sent again now."),
    "abuse": lazy_gettext("The reporter is on the abuse list."),
}


@dataclass
class Filters:
    status: str = ""
    category: str = ""
    area: int | None = None
    since: str = ""
    until: str = ""
    hidden: bool = False

    @classmethod
    def from_args(cls) -> tuple[Filters, dict[str, str]]:
        args, errors = request.args, {}
        area = args.get("area", "")
        filters = cls(
            status=args.get("status", ""),
            category=args.get("category", ""),
            area=parse_id(area),
            since=args.get("since", ""),
            until=args.get("until", ""),
            hidden=args.get("hidden") == "1",
        )
        if filters.status and filters.status not in ("open", "closed", *states.PUBLIC_STATES):
            errors["status"] = gettext("Choose a state from the list")
        for name in ("since", "until"):
            if getattr(filters, name) and _day(getattr(filters, name)) is None:
                errors[name] = gettext("Enter a date like 2026-11-23")
        return filters, errors

    def query(self) -> Any:
        query = select(Report).where(Report.status != "unconfirmed")
        if not self.hidden:
            query = query.where(Report.hidden.is_(False))
        if self.status == "open":
            query = query.where(Report.status.in_(states.OPEN_STATES))
        elif self.status == "closed":
            query = query.where(Report.status.in_(states.CLOSED_STATES))
        elif self.status:
            query = query.where(Report.status == self.status)
        if self.category:
            query = query.where(Report.category == self.category)
        since, until = _day(self.since), _day(self.until)
        if since:
            query = query.where(Report.confirmed_at >= since)
        if until:
            query = query.where(Report.confirmed_at < until + timedelta(days=1))
        area = db_session().get(Area, self.area) if self.area else None
        if area is not None:
            query = query.where(
                Report.lon.between(area.min_lon, area.max_lon), Report.lat.between(area.min_lat, area.max_lat)
            )
        return query.order_by(Report.confirmed_at.desc(), Report.id.desc()), area

    def reports(self, limit: int | None = None) -> list[Report]:
        query, area = self.query()
        polygon = shape(json.loads(area.geometry)) if area is not None else None
        found = []
        for report in db_session().scalars(query):
            if polygon is None or polygon.intersects(Point(report.lon, report.lat)):
                found.append(report)
                if limit and len(found) >= limit:
                    break
        return found

    def args(self) -> dict[str, str]:
        return {
            k: str(v)
            for k, v in (
                ("status", self.status),
                ("category", self.category),
                ("area", self.area or ""),
                ("since", self.since),
                ("until", self.until),
                ("hidden", "1" if self.hidden else ""),
            )
            if v
        }


def _features(reports: list[Report]) -> str:
    """The listed reports as GeoJSON for the staff map (hidden and private ones included: staff only)."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
            "properties": {
                "title": f"#{r.id} {r.title}",
                "category": r.category,
                "status": r.status,
                "status_label": states.label(r.status),
                "url": url_for("street_reports.staff_report", report_id=r.id),
            },
        }
        for r in reports
    ]
    return json.dumps({"type": "FeatureCollection", "features": features})


def _day(text: str) -> datetime | None:
    try:
        return datetime.combine(datetime.strptime(text, "%Y-%m-%d").date(), time(), tzinfo=UTC)
    except ValueError:
        return None


def _actor() -> Actor:
    actor = current_actor()
    assert actor is not None  # staff_required
    return actor


def _choices() -> dict[str, Any]:
    session = db_session()
    return {
        "categories": sorted(set(session.scalars(select(Category.name)))),
        "areas": session.execute(select(Area.id, Area.name).order_by(Area.name)).all(),
        "states": [(s, states.label(s)) for s in states.PUBLIC_STATES],
        "templates": session.scalars(select(ResponseTemplate).order_by(ResponseTemplate.title)).all(),
    }


@bp.get("/staff/")
@staff_required
def staff_list() -> Any:
    filters, errors = Filters.from_args()
    reports = [] if errors else filters.reports(limit=PAGE_SIZE + 1)
    deliveries: dict[int, list[Delivery]] = {}
    ids = [r.id for r in reports[:PAGE_SIZE]]
    for delivery in db_session().scalars(select(Delivery).where(Delivery.report_id.in_(ids))):
        deliveries.setdefault(delivery.report_id, []).append(delivery)
    failing = len(sending.failing())
    return render_template(
        "street_reports/staff/list.html",
        title=gettext("Street reports: staff"),
        filters=filters,
        errors=errors,
        reports=reports[:PAGE_SIZE],
        more=len(reports) > PAGE_SIZE,
        deliveries=deliveries,
        label=states.label,
        failing=failing,
        settings=current_settings(),
        geojson=_features(reports[:PAGE_SIZE]),
        **_choices(),
    ), 400 if errors else 200


@bp.post("/staff/bulk")
@staff_required
def staff_bulk() -> Any:
    form = BulkForm()
    ids, status = form.ids(), form.status.data or ""
    if not ids or status not in states.PUBLIC_STATES:
        abort(400, gettext("Tick at least one report and choose a state"))
    try:
        changed = lifecycle.bulk_status(ids, _actor(), status, form.text.data or "")
    except Refused as exc:
        abort(400, "; ".join(exc.errors.values()))
    db_session().commit()
    for report in changed:
        lifecycle.published(report)
    flash(ngettext("%(num)s report changed.", "%(num)s reports changed.", len(changed)), "success")
    return redirect(_back(form.back.data) or url_for("street_reports.staff_list"))


@bp.get("/staff/reports.csv")
@staff_required
def staff_csv() -> Response:
    """Every report matching the filters, with the personal data staff need (so staff only)."""
    filters, errors = Filters.from_args()
    if errors:
        abort(400, "; ".join(errors.values()))
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(
        [
            "id",
            "title",
            "category",
            "status",
            "state_label",
            "latitude",
            "longitude",
            "location",
            "reported",
            "confirmed",
            "first_response",
            "closed",
            "bodies",
            "sent",
            "name",
            "email",
            "phone",
            "hidden",
            "url",
        ]
    )
    for report in filters.reports():
        bodies = (
            db_session()
            .execute(select(Body.name, Delivery.state).join(Body).where(Delivery.report_id == report.id))
            .all()
        )
        writer.writerow(
            [
                report.id,
                report.title,
                report.category,
                report.status,
                states.label(report.status),
                report.lat,
                report.lon,
                report.location_text,
                _iso(report.created_at),
                _iso(report.confirmed_at),
                _iso(report.responded_at),
                _iso(report.closed_at),
                "; ".join(name for name, _ in bodies),
                "; ".join(state for _, state in bodies),
                report.name or "",
                report.email or "",
                report.phone or "",
                "yes" if report.hidden else "",
                url_for("street_reports.report_page", report_id=report.id, _external=True),
            ]
        )
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=street-reports.csv"}
    )


def _back(path: str | None) -> str | None:
    """Where the bulk form came from (the list with its filters): only a path on this site, never elsewhere."""
    return path if path and path.startswith("/") and not path.startswith("//") else None


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _staff_report(report_id: int) -> Report:
    report = db_session().get(Report, report_id)
    if report is None:
        abort(404)
    return report


@bp.get("/staff/reports/<int:report_id>")
@staff_required
def staff_report(report_id: int) -> str:
    report = _staff_report(report_id)
    return render_template("street_reports/staff/report.html", **_report_context(report))


def _report_context(
    report: Report, errors: dict[str, str] | None = None, values: dict[str, str] | None = None
) -> dict[str, Any]:
    """What the staff report page shows; ``values``, what staff typed in a form that was refused."""
    session = db_session()
    return {
        "title": gettext("Manage report %(number)s", number=report.id),
        "report": report,
        "updates": session.scalars(select(Update).where(Update.report_id == report.id).order_by(Update.id)).all(),
        "deliveries": session.scalars(select(Delivery).where(Delivery.report_id == report.id)).all(),
        "forwards": session.scalars(
            select(UpdateDelivery).join(Delivery).where(Delivery.report_id == report.id).order_by(UpdateDelivery.id)
        ).all(),
        "history": session.scalars(
            select(Moderation).where(Moderation.report_id == report.id).order_by(Moderation.id)
        ).all(),
        "photos": session.scalars(select(Photo).where(Photo.report_id == report.id).order_by(Photo.id)).all(),
        "abuser": bool(report.email)
        and session.scalar(select(Abuser.id).where(Abuser.email == report.email)) is not None,
        "errors": errors or {},
        "values": values or {},
        "label": states.label,
        **_choices(),
    }


@bp.post("/staff/reports/<int:report_id>")
@staff_required
def staff_report_action(report_id: int) -> Any:
    report = _staff_report(report_id)
    actor = _actor()
    form = ReportActionForm()
    action = form.action.data or ""
    reason = form.reason.data or ""
    published = False
    try:
        if action == "status":
            text = form.text.data or ""
            chosen = form.chosen("template")
            template = db_session().get(ResponseTemplate, chosen) if chosen else None
            if template is not None and not text.strip():
                text = template.text
            lifecycle.staff_update(report, actor, form.status.data or "", text, form.duplicate_of.data or "")
            published = True
        elif action == "edit":
            lifecycle.moderate(
                report,
                actor,
                title=form.title.data or "",
                details=form.details.data or "",
                reason=reason,
            )
        elif action in ("hide", "unhide"):
            lifecycle.set_hidden(report, actor, action == "hide", reason)
        elif action == "hide_update":
            item = db_session().get(Update, form.chosen("update") or 0)
            if item is None or item.report_id != report.id:
                abort(404)
            lifecycle.hide_update(item, actor, reason)
        elif action == "redact":
            photo = db_session().get(Photo, form.chosen("photo") or 0)
            if photo is None or photo.report_id != report.id:
                abort(404)
            lifecycle.redact_photo(photo, actor, reason)
        elif action == "retry":
            for delivery in report.deliveries:
                if delivery.state == "pending":
                    delivery.next_attempt_at, delivery.claimed_at = utcnow(), None
        elif action == "abuse" and report.email:
            lifecycle.add_abuser(report.email, gettext("from report %(number)s", number=report.id))
        else:
            abort(400, gettext("Unknown action"))
    except Refused as exc:
        db_session().rollback()
        values = form.typed()
        return render_template("street_reports/staff/report.html", **_report_context(report, exc.errors, values)), 400
    db_session().commit()
    if published:
        lifecycle.published(report)
    if action == "retry":
        sending.wake()
    flash(SAVED[action], "success")
    return redirect(url_for("street_reports.staff_report", report_id=report.id))


@bp.route("/staff/abuse", methods=["GET", "POST"])
@staff_required
def staff_abuse() -> Any:
    errors: dict[str, str] = {}
    form = AbuseForm()
    if request.method == "POST":
        if parse_id(form.remove.data):
            entry = db_session().get(Abuser, parse_id(form.remove.data))
            if entry is not None:
                db_session().delete(entry)
                db_session().commit()
                flash(gettext("The address is off the abuse list."), "success")
            return redirect(url_for("street_reports.staff_abuse"))
        try:
            lifecycle.add_abuser(form.email.data or "", form.note.data or "")
            db_session().commit()
            flash(gettext("%(email)s is on the abuse list.", email=(form.email.data or "").strip()), "success")
            return redirect(url_for("street_reports.staff_abuse"))
        except Refused as exc:
            db_session().rollback()
            errors = exc.errors
    entries = db_session().scalars(select(Abuser).order_by(Abuser.email)).all()
    return render_template(
        "street_reports/staff/abuse.html",
        title=gettext("Abuse list"),
        entries=entries,
        errors=errors,
        values={"email": form.email.data or "", "note": form.note.data or ""},
    ), 400 if errors else 200


def _hours(deltas: list[float]) -> dict[str, float | None]:
    return {
        "median": statistics.median(deltas) if deltas else None,
        "mean": statistics.fmean(deltas) if deltas else None,
    }


@bp.get("/staff/response-times")
@staff_required
def staff_response_times() -> str:
    """Per category: how long until the body first responded and until reports were closed, in hours."""
    rows = (
        db_session()
        .execute(
            select(Report.category, Report.confirmed_at, Report.responded_at, Report.closed_at, Report.status).where(
                Report.confirmed_at.is_not(None)
            )
        )
        .all()
    )
    by_category: dict[str, dict[str, Any]] = {}
    for category, confirmed, responded, closed, status in rows:
        entry = by_category.setdefault(category, {"reports": 0, "open": 0, "respond": [], "close": []})
        entry["reports"] += 1
        entry["open"] += states.kind(status) == "open"
        if responded:
            entry["respond"].append((responded - confirmed).total_seconds() / 3600)  # type: ignore[operator]
        if closed:
            entry["close"].append((closed - confirmed).total_seconds() / 3600)  # type: ignore[operator]
    table = [
        {
            "category": name,
            "reports": e["reports"],
            "open": e["open"],
            "responded": len(e["respond"]),
            "respond": _hours(e["respond"]),
            "closed": len(e["close"]),
            "close": _hours(e["close"]),
        }
        for name, e in sorted(by_category.items())
    ]
    total = db_session().scalar(select(func.count(Report.id)).where(Report.confirmed_at.is_not(None)))
    return render_template(
        "street_reports/staff/response_times.html",
        title=gettext("Response times by category"),
        table=table,
        total=total,
    )
