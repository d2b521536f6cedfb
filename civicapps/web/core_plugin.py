"""The core's own pages, tables and defaults, registered as the plugin "core" on the public hooks."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Request, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovTextInput
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from wtforms import EmailField, PasswordField
from wtforms.validators import Email, InputRequired

from civicapps.app_switches import AppSwitch, AppSwitchChange
from civicapps.auth import Actor, User, actor_for_session, authenticate, current_actor, end_sessions
from civicapps.db import get_database
from civicapps.errors import CivicappsError
from civicapps.i18n import CORE_TRANSLATIONS, gettext
from civicapps.i18n import lazy_gettext as _l
from civicapps.introspection import plugins_report
from civicapps.limits import RateCount, RateLimit
from civicapps.migrations import status
from civicapps.plugins import hookimpl
from civicapps.web.app_directory import bp as apps_bp
from civicapps.web.links import Link
from civicapps.web.redirects import safe_next
from civicapps.web.shell import error_response, navigation
from civicapps.web.sources import data_sources

bp = Blueprint("core", __name__, static_folder="static", static_url_path="/-/static")
SESSION_USER = "staff_user_id"
SESSION_VERSION = "staff_session_version"
bp.register_blueprint(apps_bp)  # the app directory: part of the core, so it can never be switched off


@hookimpl
def register_blueprint(app: Flask) -> Blueprint:
    return bp


@hookimpl
def register_models() -> list[type]:
    return [User, RateCount, AppSwitch, AppSwitchChange]


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).parent.parent / "core_migrations"


@hookimpl
def register_translations() -> Path:
    return CORE_TRANSLATIONS


@hookimpl
def menu_links(app: Flask, actor: Actor | None) -> list[Link]:
    return [Link(gettext("Apps"), url_for("core.apps.index"), gettext("Switch apps on and off"))] if actor else []


@hookimpl(trylast=True)
def actor_from_request(app: Flask, request: Request) -> Actor | None:
    return actor_for_session(session.get(SESSION_USER), session.get(SESSION_VERSION))


class LoginForm(FlaskForm):
    # govuk-frontend-wtf's widgets render each field as its GOV.UK component (label, hint, error message).
    email = EmailField(
        _l("Email address"),
        validators=[
            InputRequired(_l("Enter your email address")),
            Email(_l("Enter an email address in the correct format, like name@example.gov.uk")),
        ],
        widget=GovTextInput(),
    )
    password = PasswordField(
        _l("Password"), validators=[InputRequired(_l("Enter your password"))], widget=GovPasswordInput()
    )


@bp.get("/")
def home() -> str:
    """One card per plugin that has pages, using the first link it puts in the navigation."""
    cards = []
    registry = current_app.extensions["civicapps"].registry
    for name, links in navigation():
        info = registry.plugins[name]
        if info.is_default:
            continue
        first = links[0]
        cards.append({"title": first.label, "href": first.href, "description": first.description})
    geo = current_app.extensions["civicapps"].plugin_settings.get("geo")
    try_places = (geo.example_postcode, geo.example_street) if geo is not None and geo.example_street else None
    return render_template("civicapps/home.html", cards=cards, try_places=try_places)


@bp.get("/about")
def about() -> str:
    """What this site is, and every source of data it shows with its licence and credit."""
    return render_template(
        "civicapps/about.html", title=gettext("About this site and its data"), sources=data_sources(current_app)
    )


@bp.get("/-/theme.css")
def theme_css() -> Any:
    """The council's colour as a stylesheet, so the CSP can forbid inline styles.

    GOV.UK Frontend's compiled styles read ``--govuk-brand-colour`` for the header and every other
    brand-coloured part, so one build serves every council; ``--council-colour`` is for plugins' own CSS.
    """
    colour = current_app.extensions["civicapps"].settings.council.colour
    css = f":root {{ --govuk-brand-colour: {colour}; --council-colour: {colour}; }}\n"
    response = current_app.response_class(css, mimetype="text/css")
    response.cache_control.max_age = 3600
    return response


@bp.get("/-/health")
def health() -> Any:
    """Liveness plus database and migration checks; 503 when anything needs attention."""
    checks: dict[str, Any] = {}
    healthy = True
    try:
        with get_database().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        healthy = False
        checks["database"] = f"error: {type(exc).__name__}"
    if healthy:
        try:
            pending = {s.plugin: s.status for s in status(current_app) if s.pending}
        except CivicappsError as exc:
            pending = {"error": str(exc)}
        checks["migrations"] = pending or "ok"
        healthy = not pending
    return jsonify(status="ok" if healthy else "error", checks=checks), 200 if healthy else 503


@bp.get("/-/plugins.json")
def plugins_json() -> Any:
    """Every plugin, its hooks and URL prefix for anyone (plugin authors use it); versions and migration
    details for staff only, since a list of exact versions tells an attacker which known flaws to try."""
    report = plugins_report(current_app)
    if current_actor() is None:
        for entry in report:
            del entry["version"]
            if entry["migrations"] is not None:
                entry["migrations"] = {"status": entry["migrations"]["status"]}
    return jsonify(report)


#: Guesses at one account's password, and sign-in attempts from one client address (an office behind
#: one address has several staff, so it gets more). Only failures count: a success takes its hit back.
LOGIN_PER_ACCOUNT = RateLimit("core.login-account", limit=5, per=timedelta(minutes=5))
LOGIN_PER_ADDRESS = RateLimit("core.login-address", limit=20, per=timedelta(minutes=5))


@bp.route("/-/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        address = request.remote_addr or "unknown"
        if not LOGIN_PER_ADDRESS.hit(address):
            return error_response(429)
        if not LOGIN_PER_ACCOUNT.hit(email):
            LOGIN_PER_ADDRESS.undo(address)
            return error_response(429)
        user = authenticate(email, form.password.data or "")
        if user is not None:
            LOGIN_PER_ACCOUNT.undo(email)
            LOGIN_PER_ADDRESS.undo(address)
            session.clear()
            session[SESSION_USER] = user.id
            session[SESSION_VERSION] = user.session_version
            return redirect(safe_next(request.args.get("next")))
        error = gettext("The email address or password is not right")
    return render_template("civicapps/login.html", form=form, login_error=error)


@bp.post("/-/logout")
def logout() -> Any:
    """Ends this session and every copy of its cookie (and the account's other sessions with them)."""
    if actor_for_session(session.get(SESSION_USER), session.get(SESSION_VERSION)) is not None:
        end_sessions(session[SESSION_USER])
    session.clear()
    return redirect(url_for("core.home"))

