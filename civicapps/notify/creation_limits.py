"""How many new subscriptions one client address and one target may start: a form cannot be used to
flood someone's inbox with confirmation messages."""
from __future__ import annotations

from datetime import timedelta

from civicapps.limits import RateLimit
from civicapps.notify.settings import NotifySettings


def within_limits(settings: NotifySettings, client_ip: str | None, hashed_target: str) -> bool:
    """Count a new subscription against its client address and its target; False (nothing counted)
    when either has had too many lately. Counted across every web process (civicapps.limits)."""
    per_target = RateLimit("notify.subscription-target", settings.subscriptions_per_target_per_day, timedelta(days=1))
    if not client_ip:
        return per_target.hit(hashed_target)
    per_address = RateLimit("notify.subscription-address", settings.subscriptions_per_ip_per_hour, timedelta(hours=1))
    if not per_address.hit(client_ip):
        return False
    if not per_target.hit(hashed_target):
        per_address.undo(client_ip)
        return False
    return True
