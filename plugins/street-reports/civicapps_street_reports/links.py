"""Signed links in messages (confirm a report, stop updates) and absolute URLs outside a request.

Links are itsdangerous tokens signed with the app's secret key and a purpose, so a link for one
thing can never be used for another, and nothing needs storing to check them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from civicapps_street_reports.settings import NAME

DEV_BASE_URL = "http://127.0.0.1:5000"  # where `civicapps serve` listens when base_url is not set
CONFIRM_DAYS = 14


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"{NAME}.{purpose}")  # type: ignore[arg-type]  # CivicFlask always has a key


def make_token(purpose: str, value: Any) -> str:
    return _serializer(purpose).dumps(value)


def read_token(purpose: str, token: str, max_age_days: float | None = None) -> Any:
    """The value signed into ``token`` for ``purpose``; None if forged, mangled or older than allowed."""
    try:
        return _serializer(purpose).loads(token, max_age=None if max_age_days is None else max_age_days * 86400)
    except BadSignature:
        return None


def absolute_url(endpoint: str, **values: Any) -> str:
    """A full link for a message: from ``base_url`` when set, else from the request, else the dev server."""
    base_url = current_app.extensions["civicapps"].settings.base_url
    if not base_url and has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = urlsplit(base_url or DEV_BASE_URL)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
