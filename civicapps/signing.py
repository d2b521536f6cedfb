"""Signed tokens for links in messages: one signer for the core and every plugin.

A link that confirms, unsubscribes or signs someone in carries its value (an id, a small dict)
signed with the app's secret key, so checking it needs nothing stored. The ``purpose`` is the salt:
a token made for one purpose opens nothing else. Tokens carry the time they were signed, so a reader
can refuse old ones. They are itsdangerous' URL-safe timed tokens (as Flask's own session is).
"""
from __future__ import annotations

import json
from datetime import timedelta
from functools import cached_property
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, Signer, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

EXTENSION = "civicapps_signers"
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":")).encode  # what itsdangerous writes, one encoder for all


class _KeyOnceSigner(TimestampSigner):
    """Derives its key once: itsdangerous derives it again (one more HMAC) for every signature."""

    @cached_property
    def _key(self) -> bytes:
        return super().derive_key()

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        return self._key if secret_key is None else super().derive_key(secret_key)


class _Serializer(URLSafeTimedSerializer):
    """itsdangerous' tokens, made with less work (each alert signs two links): one signer kept, JSON
    written by one encoder, and no zlib attempt (the values are ids and hashes, which compress by a
    few bytes at best, and setting up a compressor took twice as long as signing). Tokens read the
    same either way: a compressed one is marked by a leading dot, so older compressed tokens still open."""

    default_signer = _KeyOnceSigner

    @cached_property
    def _signer(self) -> Signer:
        return super().make_signer()

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        return self._signer if salt is None else super().make_signer(salt)

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(_COMPACT_JSON(obj))


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    """One serializer per purpose and app: making one (its key derivation set up anew) cost as much as
    signing with it."""
    made: dict[str, URLSafeTimedSerializer] = current_app.extensions.setdefault(EXTENSION, {})
    if purpose not in made:
        made[purpose] = _Serializer(current_app.secret_key, salt=purpose)  # type: ignore[arg-type]  # CivicFlask always has a key
    return made[purpose]


def sign(purpose: str, value: Any) -> str:
    """A URL-safe token carrying ``value`` (anything JSON can hold), signed for ``purpose``.

    Name the purpose after your plugin and what the link does (``"notice_board.confirm"``): it keeps
    your tokens apart from every other plugin's. Changing a purpose invalidates links already sent.
    """
    return _serializer(purpose).dumps(value)


def unsign(purpose: str, token: str, max_age: timedelta | None = None) -> Any:
    """The value signed into ``token`` for ``purpose``; None if it is forged, mangled, made for another
    purpose or older than ``max_age``.

    None rather than an exception, because every caller answers a bad link the same way (a 404 or a
    "this link has expired" page), and a value of None is never worth signing.
    """
    try:
        return _serializer(purpose).loads(token, max_age=None if max_age is None else int(max_age.total_seconds()))
    except BadSignature:
        return None
