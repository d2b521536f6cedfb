"""Forms carry CSRF tokens (Flask-WTF's CSRFProtect, installed by create_app); a few views cannot."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask


def csrf_exempt(app: Flask, view: Callable[..., Any]) -> None:
    """Accept POSTs to ``view`` without a CSRF token.

    Only for endpoints another machine calls, whose proof is not the session cookie: a JSON API that
    honours no cookie, an RFC 8058 one-click unsubscribe (the signed link is the proof), a back
    office's Open311 POST (its API key). Call it from ``register_blueprint``.
    """
    app.extensions["csrf"].exempt(view)
