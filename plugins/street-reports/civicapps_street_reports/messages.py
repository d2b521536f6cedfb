"""Every message the plugin sends to a known address, through the core's direct messages.

Confirmation links to reporters, reports to a category's email address, updates to the reporter,
and the staff's daily failure summary all go through :func:`send`, which queues them in the notify
outbox inside the caller's transaction (sent after commit by a worker, through the egress guard,
retried, and never twice for one ``key``). Texts are templates under
``street_reports/messages/``, so a council can reword them in ``instance/templates``.

Emails to a reporter are written in the language they reported in (``Report.language``), whoever's
request or job sends them: a staff reply from an English page reaches a Welsh reporter in Welsh; their
links open pages in that language too. Emails to a council team (a report, a resident's update, the
failure summary) are in the deployment's default language, whatever language the resident who
caused them used; the resident's own words go in as they wrote them.
"""

from __future__ import annotations

from flask import current_app

from civicapps import external_url, external_url_in_language, in_language, send_message, sign
from civicapps_street_reports.links import CONFIRM_DAYS, CONFIRM_REPORT, CONFIRM_UPDATE, STOP_UPDATES
from civicapps_street_reports.models import Delivery, Report, Update
from civicapps_street_reports.settings import NAME
from civicapps_street_reports.states import label


def send(channel: str, target: str, *, key: str, title: str, text: str) -> bool:
    """Queue one plain-text message (False if ``key`` was already queued to ``target``)."""
    return send_message(channel, target, key=f"{NAME}:{key}", title=title, text=text)


def _render(name: str, **context: object) -> tuple[str, str]:
    """(title, text) from ``messages/<name>.txt``, whose first line is the title.

    Rendered straight from the Jinja environment: messages are also made in workers, outside any
    request, where the page context processors cannot run.
    """
    template = current_app.jinja_env.get_template(f"street_reports/messages/{name}.txt")
    title, _, text = template.render(**context).partition("\n")
    return title.strip(), text.strip() + "\n"


def confirm_report(report: Report) -> None:
    with in_language(report.language):
        link = external_url_in_language("street_reports.confirm_report", token=sign(CONFIRM_REPORT, report.id))
        title, text = _render("confirm_report", report=report, link=link, days=CONFIRM_DAYS)
    send("email", report.email or "", key=f"confirm-report:{report.id}", title=title, text=text)


def confirm_update(report: Report, update: Update) -> None:
    """Ask the resident who wrote an update to confirm it, in the language of the page they wrote it on."""
    link = external_url_in_language("street_reports.confirm_update", token=sign(CONFIRM_UPDATE, update.id))
    title, text = _render("confirm_update", report=report, update=update, link=link, days=CONFIRM_DAYS)
    send("email", update.email or "", key=f"confirm-update:{update.id}", title=title, text=text)


def report_to_body(delivery: Delivery, also: list[str], photo_urls: list[str]) -> bool:
    """The report, in full, to the category's email address (the body's team)."""
    report = delivery.report
    with in_language(None):
        title, text = _render(
            "report_to_body",
            report=report,
            delivery=delivery,
            also=also,
            photo_urls=photo_urls,
            questions=delivery.category.extra_questions or [],
            url=external_url("street_reports.report_page", report_id=report.id),
        )
    return send(
        "email",
        delivery.category.email or "",
        key=f"report:{report.id}:body:{delivery.body_id}",
        title=title,
        text=text,
    )


def update_to_body(delivery: Delivery, update: Update) -> bool:
    """A resident's update ("still a problem", "fixed", a comment) to the team the report went to.

    FixMyStreet's most asked-for change (its issue #897): a reopened report must reach the council,
    not only the web page.
    """
    report = delivery.report
    with in_language(None):
        title, text = _render(
            "update_to_body",
            report=report,
            update=update,
            state=label(report.status),
            url=external_url("street_reports.report_page", report_id=report.id),
        )
    return send(
        "email",
        delivery.category.email or "",
        key=f"update:{update.id}:body:{delivery.body_id}",
        title=title,
        text=text,
    )


def report_updated(report: Report, update: Update) -> None:
    """Tell the reporter about an update by someone else, unless they asked not to hear."""
    if not report.email or not report.reporter_updates or report.hidden:
        return
    if update.email and update.email == report.email:
        return
    with in_language(report.language):
        title, text = _render(
            "report_updated",
            report=report,
            update=update,
            state=label(report.status),
            url=external_url_in_language("street_reports.report_page", report_id=report.id),
            stop=external_url_in_language("street_reports.stop_updates", token=sign(STOP_UPDATES, report.id)),
        )
    send("email", report.email, key=f"update:{update.id}:reporter", title=title, text=text)


def failure_summary(channel: str, target: str, day: str, lines: list[str]) -> bool:
    """Tell staff which reports are still not sent (in the default language, like every email to a team)."""
    with in_language(None):
        title, text = _render("failure_summary", day=day, lines=lines)
    return send(channel, target, key=f"failures:{day}", title=title, text=text)
