"""What a resident asked for (a request for alerts), and the checks it passes before it is stored.

Every problem is a :class:`SubscriptionError` naming the field to correct, in words a resident can act
on (in the language of the current request), so a form shows it beside the field and the JSON API
under ``errors``.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import apprise
from flask import Flask

from civicapps.geo.locate import PlaceNotFound, locate_place
from civicapps.geo.spatial import parse_area
from civicapps.i18n import gettext
from civicapps.notify.channels import ChannelError, ChannelKind, destination, scheme_refusal
from civicapps.notify.egress import EgressPolicy
from civicapps.notify.settings import NotifySettings
from civicapps.notify.topics import topics_of


class SubscriptionError(ValueError):
    """A field the resident must correct; ``field`` names it, the message says how."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class RateLimited(Exception):
    """Too many new subscriptions from one address or to one target."""


@dataclass
class SubscriptionRequest:
    """What a resident asked for, from a web form or the JSON API, before validation.

    Give the place as ``lat``/``lon``/``radius_m``, or ``place`` (a postcode, or an address a
    plugin's geocoder knows) with ``radius_m``, or ``area`` (a GeoJSON Polygon); or, for a topic
    about single items, the item's ``key``.
    """

    topic: str
    channel: str
    target: str
    frequency: str = "instant"
    lat: float | None = None
    lon: float | None = None
    radius_m: float | None = None
    area: Any = None  # a GeoJSON Polygon, instead of lat/lon/radius
    key: str | None = None
    place: str | None = None  # a postcode (or an address a plugin's geocoder knows), instead of lat/lon
    filters: Mapping[str, Any] | None = None  # the topic's own filters, checked by Topic.clean_filters


def validated_area(
    app: Flask, request: SubscriptionRequest, matcher: str, max_radius: int, max_points: int
) -> dict[str, Any]:
    """The subscription's columns saying what it follows: an item's key, a polygon, or a circle."""
    if matcher == "key":
        key = (request.key or "").strip()
        if not key or len(key) > 200:
            raise SubscriptionError("key", gettext("Say which item you want alerts about"))
        topic = topics_of(app)[request.topic]
        if topic.label is not None and topic.label(app, key) is None:
            raise SubscriptionError(
                "key", gettext("We could not find that item. Open its page and choose to follow it there")
            )
        return {"key": key}
    if request.area is not None:
        try:
            return {"polygon": parse_area(request.area, max_points)}
        except ValueError as exc:
            raise SubscriptionError("area", str(exc)) from None
    place = None
    if request.lat is None and request.lon is None and (request.place or "").strip():
        try:
            location, place = locate_place(app, request.place or "")
        except PlaceNotFound as exc:
            raise SubscriptionError(exc.field, str(exc)) from None
        request.lat, request.lon = location.latitude, location.longitude
    if request.lat is None or not math.isfinite(request.lat) or not -90 <= request.lat <= 90:
        raise SubscriptionError("lat", gettext("Enter a latitude between %(low)s and %(high)s", low=-90, high=90))
    if request.lon is None or not math.isfinite(request.lon) or not -180 <= request.lon <= 180:
        raise SubscriptionError("lon", gettext("Enter a longitude between %(low)s and %(high)s", low=-180, high=180))
    if request.radius_m is None or not math.isfinite(request.radius_m) or not 10 <= request.radius_m <= max_radius:
        raise SubscriptionError(
            "radius_m", gettext("Choose a distance between 10 and %(max_radius)s metres", max_radius=max_radius)
        )
    return {"lat": request.lat, "lon": request.lon, "radius_m": float(request.radius_m), "place": place}


def validated_filters(request: SubscriptionRequest, clean: Any) -> str | None:
    """The topic's cleaned filters as stored JSON; None when there are none (or the topic has none)."""
    if not request.filters:
        return None
    if clean is None:
        raise SubscriptionError("filters", gettext("These alerts cannot be filtered"))
    try:
        cleaned = clean(request.filters)
    except ValueError as exc:
        raise SubscriptionError("filters", str(exc)) from None
    return json.dumps(cleaned, sort_keys=True) if cleaned else None


def check_destination(kind: ChannelKind, target: str, settings: NotifySettings) -> None:
    """The target's apprise URL is allowed and reaches a public host (or an allowed one).

    In the dev inbox every message goes to this host instead, so email works there with no mail relay
    configured: only the address's spelling is checked.
    """
    if settings.dev_inbox and kind.name == "email" and settings.mail_url is None:
        return
    url = kind.build(target, settings)
    refusal = scheme_refusal(url, settings)
    if refusal:
        raise ChannelError(
            gettext("Enter a web address starting with https://")
            if kind.name == "webhook"
            else gettext("This cannot be used: %(reason)s", reason=refusal.translated())
        )
    if apprise.Apprise.instantiate(url) is None:
        raise ChannelError(gettext("This is not a notification address we can use; check it and try again"))
    chosen = destination(kind, target, url)
    if chosen:
        EgressPolicy(settings.egress_allow).check(*chosen)
