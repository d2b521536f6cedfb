"""Absolute URLs for links that leave the site (messages, feeds), built from the ``base_url`` setting.

Never from the request's Host header: anyone can send a request with a Host of their choosing, and a
link built from it would put their site into the council's messages.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app

DEV_BASE_URL = "http://127.0.0.1:5000"  # where `civicapps serve` listens when base_url is not set
EXTENSION = "civicapps_url_adapter"


def base_url() -> str:
    """The public address of this deployment (``base_url``), or the dev server's when it is not set."""
    return current_app.extensions["civicapps"].settings.base_url or DEV_BASE_URL


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link to ``endpoint`` (as for ``url_for``) under :func:`base_url`.

    Works outside any request (in a job or a worker composing a message), where ``url_for`` cannot
    know the host.
    """
    adapter = current_app.extensions.get(EXTENSION)
    if adapter is None:
        base = urlsplit(base_url())
        adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
        current_app.extensions[EXTENSION] = adapter
    return adapter.build(endpoint, values, force_external=True)
