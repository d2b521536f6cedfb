"""A resident's alert form, handled the same way on every page that has one (the core's and plugins').

The page builds its own form and :class:`SubscriptionRequest`; :func:`subscribe` stores the request
unconfirmed and answers as every alert form does: the page for the code from the confirmation
message, the problem beside its field, or "too many" as a 429.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from civicapps.auth import current_actor
from civicapps.i18n import lazy_gettext as _l
from civicapps.notify.channels import enabled_kinds
from civicapps.notify.message_links import REF
from civicapps.notify.settings import notify_settings
from civicapps.notify.subscriptions import create
from civicapps.notify.validation import RateLimited, SubscriptionError, SubscriptionRequest
from civicapps.signing import sign
from civicapps.web.shell import error_response

#: The 429 page's words when too many alerts were set up lately (the JSON API says the same).
TOO_MANY = _l("Too many alerts were set up from here or to that address recently. Try again later.")

@dataclass(frozen=True)
class AlertChannel:
    """One way alerts can be sent (``name`` is the form value), with what to type for it."""

    name: str
    label: str
    hint: str


def alert_channels() -> list[AlertChannel]:
    """The channels the person making this request may choose: those the deployment enables, and the
    staff-only ones (raw apprise URLs) for signed-in staff."""
    kinds = enabled_kinds(notify_settings(current_app), staff=current_actor() is not None)
    return [AlertChannel(kind.name, kind.label, kind.hint) for kind in kinds.values()]


def subscribe(
    wanted: SubscriptionRequest, form: FlaskForm, fields: Mapping[str, str] | None = None
) -> ResponseReturnValue | None:
    """Set up the alert ``wanted`` for the person making this request, from ``form``.

    Returns a redirect to the page asking for the code in the confirmation message, or a 429 page
    when too many alerts were set up from this address or to that target lately. Returns None when
    a field needs correcting: the problem is added to that field of ``form`` (``fields`` maps the
    core's field names, such as ``"place"`` or ``"radius_m"``, to your form's) or, when the form has
    no such field, to ``form.form_errors``; render the form again. Signed-in staff may also use
    staff-only channels and are not rate-limited. The alert keeps the language of this request: every
    message it sends is in it, and the problems are worded in it.
    """
    actor = current_actor()
    try:
        subscription = create(current_app, wanted, request.remote_addr, actor.id if actor else None)
    except SubscriptionError as exc:
        field = getattr(form, (fields or {}).get(exc.field, exc.field), None)
        if field is None:
            form.form_errors.append(str(exc))
        else:
            field.errors = [*field.errors, str(exc)]
        return None
    except RateLimited:
        return error_response(429, str(TOO_MANY))
    return redirect(url_for("notify.confirm_code", ref=sign(REF, subscription.id)))
