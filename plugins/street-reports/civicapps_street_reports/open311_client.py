"""An Open311 GeoReport v2 client for sending a report to a body's back office, as FixMyStreet does.

POST ``requests.xml`` (or ``.json``) with the form fields the spec names, ``api_key`` and
``jurisdiction_id``, every extra question as ``attribute[code]``, and our reference as
``attribute[fixmystreet_id]`` (what back offices built for FixMyStreet look for). The answer is the
back office's ``service_request_id``, or a ``token`` to exchange for one later (``tokens/{token}``).
Every call goes through the host's shared session (``civicapps.http_session``): the council's
User-Agent, and retries of the token look-up when the back office is briefly busy; a POST is never
repeated, so a back office never opens the same case twice.
"""

from __future__ import annotations

import requests
from defusedxml import ElementTree

from civicapps import http_session
from civicapps_street_reports.georeport import w3c
from civicapps_street_reports.models import Body, Category, Report, Update

TIMEOUT_SECONDS = 30


class Open311Error(Exception):
    """The back office refused or could not be reached; the message is stored as the failure reason."""


def _url(body: Body, path: str) -> str:
    return f"{(body.open311_endpoint or '').rstrip('/')}/{path}.{body.open311_format}"


def _errors(response: requests.Response) -> str:
    """The spec's error list as one line: ``403: Invalid api_key; 400: ...``."""
    try:
        if response.headers.get("Content-Type", "").startswith("application/json"):
            items = [(e.get("code"), e.get("description")) for e in response.json()]
        else:
            root = ElementTree.fromstring(response.content)
            items = [(e.findtext("code"), e.findtext("description")) for e in root.iter("error")]
    except Exception:  # not the spec's error format: keep the status line only
        items = []
    detail = "; ".join(f"{code}: {text}" for code, text in items if text)
    return f"HTTP {response.status_code} from the back office" + (f": {detail}" if detail else "")


def _first_request(response: requests.Response) -> dict[str, str]:
    """The first ``request`` of a ``service_requests`` answer as a dict of strings."""
    try:
        if response.headers.get("Content-Type", "").startswith("application/json"):
            data = response.json()
            item = data[0] if isinstance(data, list) and data else {}
            return {k: str(v) for k, v in item.items() if v is not None}
        root = ElementTree.fromstring(response.content)
    except (ValueError, ElementTree.ParseError) as exc:
        raise Open311Error(f"The back office's answer could not be read ({exc}).") from None
    request = root.find("request") if root.tag != "request" else root
    if request is None:
        return {}
    return {child.tag: (child.text or "").strip() for child in request}


def request_params(
    body: Body, category: Category, report: Report, report_url: str, photo_urls: list[str]
) -> list[tuple[str, str]]:
    """The form fields of a POST requests call, repeated keys allowed (multivaluelist answers)."""
    first, _, last = (report.name or "").strip().partition(" ")
    params: list[tuple[str, str]] = [
        ("service_code", category.external_code or category.service_code),
        ("lat", f"{report.lat:.6f}"),
        ("long", f"{report.lon:.6f}"),
        ("description", f"{report.title}\n\n{report.details}\n\n{report_url}"[:4000]),
        ("attribute[fixmystreet_id]", str(report.id)),
        ("attribute[title]", report.title),
        ("attribute[description]", report.details),
        ("attribute[report_url]", report_url),
    ]
    if body.open311_api_key:
        params.append(("api_key", body.open311_api_key))
    if body.open311_jurisdiction:
        params.append(("jurisdiction_id", body.open311_jurisdiction))
    if not report.anonymous:
        params += [
            (k, v)
            for k, v in (("email", report.email), ("first_name", first), ("last_name", last), ("phone", report.phone))
            if v
        ]
    if report.location_text:
        params.append(("address_string", report.location_text))
    if photo_urls:
        params.append(("media_url", photo_urls[0]))
    for code, answer in (report.answers or {}).items():
        if isinstance(answer, list):
            params += [(f"attribute[{code}][]", str(value)) for value in answer]
        else:
            params.append((f"attribute[{code}]", str(answer)))
    return params


def post_request(body: Body, params: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """POST one service request; returns (service_request_id, token), one of them set."""
    try:
        response = http_session().post(
            _url(body, "requests"), data=params, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise Open311Error(f"Could not reach the back office: {type(exc).__name__}") from None
    if response.status_code >= 300:
        raise Open311Error(_errors(response))
    answer = _first_request(response)
    request_id, token = answer.get("service_request_id") or None, answer.get("token") or None
    if not request_id and not token:
        raise Open311Error("The back office answered without a service_request_id or token.")
    return request_id, token


def request_id_for_token(body: Body, token: str) -> str | None:
    """The service_request_id a batch back office has assigned for ``token`` yet, if any."""
    params = {"jurisdiction_id": body.open311_jurisdiction} if body.open311_jurisdiction else {}
    try:
        response = http_session().get(
            _url(body, f"tokens/{token}"), params=params, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise Open311Error(f"Could not reach the back office: {type(exc).__name__}") from None
    if response.status_code == 404:
        return None
    if response.status_code >= 300:
        raise Open311Error(_errors(response))
    return _first_request(response).get("service_request_id") or None


#: Our states as mySociety's extended statuses (uppercase when POSTed, as FixMyStreet sends them).
UPDATE_STATUSES = {
    "open": "OPEN",
    "investigating": "INVESTIGATING",
    "action_scheduled": "ACTION_SCHEDULED",
    "in_progress": "IN_PROGRESS",
    "fixed": "FIXED",
    "not_responsible": "NOT_COUNCILS_RESPONSIBILITY",
    "duplicate": "DUPLICATE",
    "no_further_action": "NO_FURTHER_ACTION",
    "closed": "CLOSED",
}


def update_params(body: Body, request_id: str, update: Update, report_status: str) -> list[tuple[str, str]]:
    """The fields of mySociety's POST servicerequestupdates for a resident's update."""
    first, _, last = (update.name or "").strip().partition(" ")
    params = [
        ("service_request_id", request_id),
        ("update_id", str(update.id)),
        ("status", UPDATE_STATUSES.get(report_status, "OPEN")),
        ("updated_datetime", w3c(update.created_at) or ""),
        ("description", update.text or ("Marked fixed" if update.status == "fixed" else "Reopened")),
        ("email", update.email or ""),
        ("first_name", first),
        ("last_name", last),
    ]
    if body.open311_api_key:
        params.append(("api_key", body.open311_api_key))
    if body.open311_jurisdiction:
        params.append(("jurisdiction_id", body.open311_jurisdiction))
    return params


def post_update(body: Body, params: list[tuple[str, str]]) -> str | None:
    """POST one update; returns the back office's id for it, if it gives one."""
    try:
        response = http_session().post(
            _url(body, "servicerequestupdates"), data=params, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise Open311Error(f"Could not reach the back office: {type(exc).__name__}") from None
    if response.status_code >= 300:
        raise Open311Error(_errors(response))
    try:
        if response.headers.get("Content-Type", "").startswith("application/json"):
            data = response.json()
            return str(data[0].get("update_id") or "") or None if isinstance(data, list) and data else None
        return ElementTree.fromstring(response.content).findtext("request_update/update_id") or None
    except (ValueError, ElementTree.ParseError, AttributeError) as exc:
        raise Open311Error(f"The back office's answer could not be read ({exc}).") from None
