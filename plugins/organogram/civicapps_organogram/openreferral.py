"""Open Referral UK (HSDS 3.0 UK profile) ``organization`` records for the council's community directory.

Councils' directories (LocalGov Drupal and others) read this standard. Ids must be UUIDs and stay the
same from one export to the next, so they are derived from the group's id (UUID version 5 in a
namespace of our own) rather than stored. An org-id identifier such as ``GB-CHC-1234567`` becomes an
``organization_identifier`` with its scheme (``GB-CHC``) split off.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import has_request_context, url_for

from civicapps_organogram.models import Group

NAMESPACE = uuid.UUID("5b0e7a1c-3f0e-4b8e-9a53-6f1f0c2d9e41")


def organization_uuid(group_id: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"organogram/group/{group_id}"))


def organization(group: Group) -> dict[str, Any]:
    """One ORUK organization record; ``uri`` only when there is a request to build the address from."""
    record: dict[str, Any] = {
        "id": organization_uuid(group.id),
        "name": group.name,
        "description": group.description or group.name,
        "email": group.contact_email,
        "website": group.website,
        "parent_organization_id": organization_uuid(group.parent_id) if group.parent_id else None,
        "organization_identifiers": _identifiers(group),
    }
    if has_request_context():
        record["uri"] = url_for("organogram.group_page", group_id=group.id, _external=True)
    return record


def _identifiers(group: Group) -> list[dict[str, Any]]:
    if not group.identifier:
        return []
    scheme, _, identifier = group.identifier.rpartition("-")
    return [
        {
            "id": str(uuid.uuid5(NAMESPACE, f"organogram/group/{group.id}/identifier")),
            "organization_id": organization_uuid(group.id),
            "identifier_scheme": scheme or None,
            "identifier_type": "org-id" if scheme else "local",
            "identifier": identifier,
        }
    ]
