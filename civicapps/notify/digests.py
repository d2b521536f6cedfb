"""Keyed hashes of a subscription's secrets: the target (stored once, compared by hash) and its code."""
from __future__ import annotations

import hashlib
import hmac

from flask import Flask

from civicapps.notify.models import Subscription


def _digest(app: Flask, text: str) -> str:
    return hmac.new(app.secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()  # type: ignore[union-attr]  # CivicFlask always has a key


def target_hash(app: Flask, channel: str, target: str) -> str:
    """A keyed hash of a target: for rate limits and "manage my alerts", without storing it twice."""
    return _digest(app, f"target:{channel}:{target.lower()}")


def confirmation_code(app: Flask, subscription: Subscription) -> str:
    """The six-digit code sent with the confirmation link; derived, so it is never stored."""
    return f"{int(_digest(app, f'code:{subscription.id}:{subscription.target_hash}'), 16) % 1_000_000:06d}"
