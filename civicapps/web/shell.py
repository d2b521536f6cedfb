"""Everything every page shares: navigation, council branding, error pages, security headers."""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from civicapps.app_switches import paused_apps
from civicapps.auth import current_actor
from civicapps.db import SAFE_METHODS, close_session, commit_attempted
from civicapps.i18n import gettext
from civicapps.i18n import lazy_gettext as _l
from civicapps.web.links import Link

# Pages are server-rendered and work without JavaScript; scripts and styles come only from us.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

ERROR_TEXT = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("You do not have permission to see this page"), _l("Sign in with an account that has access.")),
    404: (
        _l("Page not found"),
        _l("If you typed the web address, check it is correct. If you pasted it, check you copied all of it."),
    ),
    405: (_l("Method not allowed"), _l("This page cannot be used that way. Go back and try again.")),
    413: (_l("The upload is too large"), _l("Choose a smaller file and try again.")),
    429: (_l("Too many attempts"), _l("Wait a few minutes and try again.")),
    500: (_l("Sorry, there is a problem with the service"), _l("Try again later. Nothing you entered has been saved.")),
    503: (
        _l("Sorry, the service is restarting"),
        _l(
            "Wait a few seconds and try again. If you sent a form, check whether it went through before sending it "
            "again."
        ),
    ),
}
RETRY_AFTER_SECONDS = 5


def install_shell(app: Flask) -> None:
    app.context_processor(_shell_context)
    app.after_request(_security_headers)
    app.after_request(_form_errors_status)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DBAPIError, _database_unavailable)


def navigation() -> list[tuple[str, list[Link]]]:
    """Each plugin's menu links for the current visitor, in plugin order (switched-off apps left
    out); asked once per request.

    Every page (error pages too) shows the navigation, so a plugin whose ``menu_links`` fails loses
    its own links, logged, rather than taking every page of the site down with it.
    """
    if "_civicapps_navigation" not in g:
        registry = current_app.extensions["civicapps"].registry
        links: dict[str, list[Link]] = {}
        paused = paused_apps()
        for name, call in registry.calls("menu_links", app=current_app, actor=current_actor()):
            if name in paused:
                continue
            try:
                links[name] = list(call() or [])
            except Exception:
                current_app.logger.exception("Plugin '%s' failed in menu_links; its links are left out", name)
        g._civicapps_navigation = [(name, links[name]) for name in registry.plugins if links.get(name)]
    return g._civicapps_navigation


def _shell_context() -> dict[str, Any]:
    state = current_app.extensions["civicapps"]
    return {
        "council": state.settings.council,
        "actor": current_actor(),
        "navigation": navigation(),
    }


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


#: What marks the error summary every form page shows above a form it refused: GOV.UK Frontend's
#: component, and the id of the hand-written ones plugin templates still carry until they use it.
ERROR_SUMMARY = (b'class="govuk-error-summary', b'id="error-summary-title"')


def _form_errors_status(response: Response) -> Response:
    """A form sent back with errors answers 422, not 200: it is not a success, and API clients, tests,
    monitoring and browsers' "resubmit?" logic should be able to tell. Only a POST answered with a
    page showing the error summary changes; the page itself is the same."""
    if (
        request.method == "POST"
        and response.status_code == 200
        and response.mimetype == "text/html"
        and not response.is_streamed
        and any(marker in response.get_data() for marker in ERROR_SUMMARY)
    ):
        response.status_code = 422
    return response


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.endswith(".json") or "/api/" in request.path or best == "application/json"


def error_response(status: int, detail: str | None = None) -> tuple[Any, int]:
    """The answer for an error ``status`` in this request: JSON (``error``, ``detail``, ``status``) for API
    callers (a path under ``/api/`` or ending ``.json``, or asking for JSON), else the site's error page.

    ``detail`` says what happened and what to do, in words the person can act on; without it the
    status's standard advice is shown. One helper so every plugin's errors look and read the same.
    """
    texts = ERROR_TEXT.get(status, ERROR_TEXT[500] if status >= 500 else ERROR_TEXT[400])
    title, advice = (str(text) for text in texts)  # in the language of this request
    if _wants_json():
        return {"error": title, "detail": detail or advice, "status": status}, status
    return render_template("civicapps/error.html", title=title, advice=detail or advice, status=status), status


def _unavailable(exc: DBAPIError) -> bool:
    # OperationalError and InterfaceError are the DB-API's "not the statement's fault" errors (server
    # gone, connection closed, SQLite busy); a cut connection can also surface as another error class.
    return isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated


def _database_unavailable(exc: DBAPIError) -> Any:
    """A database that went away mid-request (restart, failover): run the request once more, or 503.

    Running it again is safe when it is a GET/HEAD/OPTIONS, or when its session never began a COMMIT:
    the server rolled back whatever it had written when the connection died. A request that may have
    committed is never run twice (it could store a sign-up twice); it answers 503 with Retry-After.
    Any other database error (a bug: integrity, syntax) stays a 500 with its traceback logged.
    """
    if not _unavailable(exc):
        raise exc
    if not g.get("_civicapps_db_retried") and (request.method in SAFE_METHODS or not commit_attempted()):
        g._civicapps_db_retried = True
        current_app.logger.warning(
            "Database error on %s %s (%s); running the request once more", request.method, request.path, _reason(exc)
        )
        close_session()
        for upload in request.files.values():
            upload.stream.seek(0)
        try:
            return current_app.preprocess_request() or current_app.dispatch_request()
        except DBAPIError as again:
            if not _unavailable(again):
                return current_app.handle_user_exception(again)
            exc = again
        except Exception as other:
            return current_app.handle_user_exception(other)
    current_app.logger.error(
        "Database unavailable on %s %s (%s); answered 503", request.method, request.path, _reason(exc)
    )
    close_session()
    g.setdefault("_civicapps_actor", None)  # the page must not ask the unavailable database who is signed in
    g.setdefault("_civicapps_paused", frozenset())  # nor which apps are switched off (app_switches)
    body, status = error_response(503)
    return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _reason(exc: DBAPIError) -> str:
    # The driver's first line (e.g. "server closed the connection unexpectedly"); never the statement
    # or its parameters, which may hold residents' details.
    first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
    return f"{type(exc.orig).__name__}: {first[:200]}"


def _csrf_error(exc: CSRFError) -> tuple[Any, int]:
    return error_response(
        400, gettext("The form had expired or was sent from another site. Go back, reload the page and try again.")
    )


def _http_error(exc: HTTPException) -> Any:
    # Unhandled exceptions arrive here as InternalServerError after Flask has logged them.
    if exc.code is None or exc.code < 400:
        return exc
    # abort(400, "what to fix") keeps its message; werkzeug's stock descriptions are replaced by ours.
    detail = exc.description if exc.description != type(exc).description else None
    return error_response(exc.code, detail)
