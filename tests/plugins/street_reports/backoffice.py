"""A council's back office on 127.0.0.1 speaking Open311 GeoReport v2, for the sending tests.

It keeps every POSTed request (form fields, repeated ones as lists), checks the api_key, and answers
a service_request_id, or a token when ``batch`` is set (then ``tokens/{token}.xml`` answers the id
once ``ready``). ``fail`` makes it answer 500 with the spec's error body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from civicapps.testing import FeedServer, Request

API_KEY = "county-back-office-key"


@dataclass
class FakeBackOffice:
    server: FeedServer
    posted: list[dict[str, list[str]]] = field(default_factory=list)
    updates: list[dict[str, list[str]]] = field(default_factory=list)
    batch: bool = False
    ready: bool = False
    fail: bool = False
    next_id: int = 1001

    @property
    def endpoint(self) -> str:
        return self.server.url("/open311")

    def requests(self, request: Request) -> tuple[Any, ...]:
        form = parse_qs(request.body.decode(), keep_blank_values=True)
        if self.fail:
            return (
                500,
                "text/xml",
                b"<?xml version='1.0'?><errors><error><code>500</code>"
                b"<description>CRM is down</description></error></errors>",
            )
        if form.get("api_key") != [API_KEY]:
            return (
                403,
                "text/xml",
                b"<errors><error><code>403</code><description>Invalid api_key</description></error></errors>",
            )
        self.posted.append(form)
        number = self.next_id
        self.next_id += 1
        inner = (
            f"<token>tok-{number}</token>" if self.batch else f"<service_request_id>BO-{number}</service_request_id>"
        )
        return (
            200,
            "text/xml",
            f"<?xml version='1.0' encoding='utf-8'?>"
            f"<service_requests><request>{inner}</request></service_requests>".encode(),
        )

    def tokens(self, request: Request) -> tuple[Any, ...]:
        token = request.path.rsplit("/", 1)[-1].removesuffix(".xml")
        if not self.ready:
            return (
                404,
                "text/xml",
                b"<errors><error><code>404</code><description>not yet</description></error></errors>",
            )
        number = token.removeprefix("tok-")
        body = (
            f"<service_requests><request><service_request_id>BO-{number}</service_request_id>"
            f"<token>{token}</token></request></service_requests>"
        )
        return 200, "text/xml", body.encode()

    def requests_json(self, request: Request) -> tuple[Any, ...]:
        """The same back office answering in the spec's JSON (a bare array)."""
        status, _, body = self.requests(request)
        if status != 200:
            return status, "application/json", b'[{"code": %d, "description": "refused"}]' % status
        number = self.next_id - 1
        return 200, "application/json", json.dumps([{"service_request_id": f"BO-{number}"}]).encode()

    def request_updates(self, request: Request) -> tuple[Any, ...]:
        """mySociety's POST servicerequestupdates: a resident's update on a request we took."""
        form = parse_qs(request.body.decode(), keep_blank_values=True)
        if form.get("api_key") != [API_KEY]:
            return (
                403,
                "text/xml",
                b"<errors><error><code>403</code><description>Invalid api_key</description></error></errors>",
            )
        self.updates.append(form)
        body = (
            f"<service_request_updates><request_update><update_id>BU-{len(self.updates)}</update_id>"
            "</request_update></service_request_updates>"
        )
        return 200, "text/xml", body.encode()


def back_office(server: FeedServer) -> FakeBackOffice:
    office = FakeBackOffice(server)
    server.add("/open311/requests.xml", handler=office.requests)
    server.add("/open311/requests.json", handler=office.requests_json)
    server.add("/open311/servicerequestupdates.xml", handler=office.request_updates)
    server.add("/open311/tokens/", handler=office.tokens, prefix=True)
    return office
