"""How a report reaches a body: one class per send method, as FixMyStreet's ``SendReport::Email`` and
``SendReport::Open311``.

A category names its method (``Category.send_method``, copied to each ``Delivery.method``); the send
queue (:mod:`.sending`) looks the method up in :data:`METHODS` and calls its ``send``. Adding a way of
sending is adding a class here, not another branch in the queue.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from civicapps import CivicappsError, external_url
from civicapps_street_reports import messages, open311_client
from civicapps_street_reports.models import Delivery, Report


@dataclass(frozen=True)
class Sent:
    """What the body gave back: its id for the report, or a token to exchange for the id later
    (batch back offices), or neither (email)."""

    external_id: str | None = None
    external_token: str | None = None


class SendMethod(ABC):
    """One way of getting a report to a body."""

    #: The ``send_method`` value of the categories that use it.
    name: ClassVar[str]

    @abstractmethod
    def send(self, delivery: Delivery) -> Sent:
        """Send ``delivery.report`` to ``delivery.body``; raise ``Open311Error`` or ``CivicappsError``
        if it did not get there (the queue records the reason and tries again later).

        It takes the delivery rather than the report because a report to two bodies is sent once to
        each, by each one's category, and an Open311 resend needs what the first try got back.
        """


def photo_urls(report: Report) -> list[str]:
    """Public links to the report's photos that moderators have not hidden."""
    return [external_url("street_reports.photo", photo_id=p.id) for p in report.photos if not p.redacted]


class Email(SendMethod):
    """The report in full to the category's email address, naming the other bodies it went to."""

    name = "email"

    def send(self, delivery: Delivery) -> Sent:
        report = delivery.report
        also = [d.body.name for d in report.deliveries if d.body_id != delivery.body_id]
        messages.report_to_body(delivery, also, photo_urls(report))
        return Sent()


class Open311(SendMethod):
    """A GeoReport v2 ``POST requests`` to the body's back office."""

    name = "open311"

    def send(self, delivery: Delivery) -> Sent:
        body, report = delivery.body, delivery.report
        if not body.open311_endpoint:
            raise open311_client.Open311Error(
                f"{body.name} has no Open311 endpoint; set one with 'civicapps street-reports bodies open311'."
            )
        if delivery.external_token and not delivery.external_id:  # sent before; the id was still to come
            return Sent(open311_client.request_id_for_token(body, delivery.external_token), delivery.external_token)
        params = open311_client.request_params(
            body,
            delivery.category,
            report,
            external_url("street_reports.report_page", report_id=report.id),
            photo_urls(report),
        )
        return Sent(*open311_client.post_request(body, params))


#: Every send method by name; a category's ``none`` is not here: its reports are kept, not sent.
METHODS: dict[str, SendMethod] = {method.name: method for method in (Email(), Open311())}


def method_for(delivery: Delivery) -> SendMethod:
    """The send method of a delivery's category."""
    try:
        return METHODS[delivery.method]
    except KeyError:
        raise CivicappsError(f"Reports cannot be sent by {delivery.method!r}") from None
