"""Where a place a resident typed is: a postcode, or an address a plugin's ``geocode`` knows.

A search box and an alert form both need the same answer and the same words when there is none, so
the resident reads one explanation wherever they typed the place.
"""
from __future__ import annotations

from flask import Flask

from civicapps.geo.geocoding import geocode, postcode_in, postcode_service
from civicapps.geo.postcodes import Location, normalise_postcode
from civicapps.i18n import gettext
from civicapps.i18n import lazy_gettext as _l

#: Why a postcode could not be placed, by its lookup status; ``%(postcode)s`` is the postcode.
PLACE_PROBLEMS = {
    "unknown": _l("We could not find the postcode %(postcode)s. Check it and try again"),
    "no_coordinates": _l(
        "%(postcode)s is a real postcode but has no map position (Isle of Man, Channel Islands and some new"
        " postcodes); choose the place on the map instead"
    ),
    "error": _l(
        "We could not look up postcodes just now. Try again in a few minutes, or choose the place on the map"
    ),
}


class PlaceNotFound(ValueError):
    """The typed place could not be put on the map; the message says what to do, ``field`` names the
    form field (or query parameter) to show it beside."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def locate_place(app: Flask, query: str, field: str = "place") -> tuple[Location, str]:
    """Where a postcode (or an address a plugin's ``geocode`` knows) is, and its tidy spelling.

    Raises :class:`PlaceNotFound` for ``field`` saying why, in words a resident can act on, in the
    language of the current request.
    """
    text = " ".join((query or "").split())
    if not text:
        raise PlaceNotFound(field, gettext("Enter a postcode"))
    if len(text) > 200:
        raise PlaceNotFound(field, gettext("Enter a postcode, or an address of at most 200 characters"))
    location = geocode(app, text)
    if location is not None:
        return location, normalise_postcode(text) or text
    postcode = postcode_in(text)
    if postcode is None:
        raise PlaceNotFound(field, gettext("Enter a full UK postcode, like SW1A 1AA"))
    status = postcode_service(app).lookup([postcode])[postcode].status
    raise PlaceNotFound(field, PLACE_PROBLEMS.get(status, PLACE_PROBLEMS["unknown"]) % {"postcode": postcode})
