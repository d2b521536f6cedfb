"""A resident using the real alert pages and JSON API, and a London feed in British National Grid."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pyproj import Geod, Transformer

GEOD = Geod(ellps="WGS84")
BNG_TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)  # PROJ, independent of the plugin's OSTN15
HEADER = "reference,description,address,type,status,easting,northing\n"

#: 12 applications on a 400 m grid around Whitehall (eastings/northings in EPSG:27700).
GRID = [
    (f"W/{i}{j}", 529300 + i * 400, 179500 + j * 400, "Trees" if (i + j) % 3 == 0 else "Full")
    for i in range(4)
    for j in range(3)
]


def feed_csv(statuses: dict[str, str] | None = None, rows=GRID) -> str:
    statuses = statuses or {}
    lines = [
        f'{ref},"{"Fell one tree" if kind == "Trees" else "Rear extension"} at site {ref}",'
        f'"{ref} Example Street, London",'
        f"{kind},{statuses.get(ref, 'Registered')},{e},{n}\n"
        for ref, e, n, kind in rows
    ]
    return HEADER + "".join(lines)


def distance_m(lat: float, lon: float, easting: float, northing: float) -> float:
    plon, plat = BNG_TO_WGS84.transform(easting, northing)
    return GEOD.inv(lon, lat, plon, plat)[2]


def link(message: dict[str, Any], name: str) -> str:
    return re.search(rf"{name}:?\s*(https?://\S+)", message["body"]["message"]).group(1)


def press_button(client, url: str):
    """Open a link from a message and press the page's one button."""
    path = "/" + url.split("://", 1)[1].partition("/")[2]
    page = client.get(path)
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    return client.post(path, data={"csrf_token": token})


def subscribe_api(app: Flask, sink, path: str, **fields: Any) -> None:
    """Subscribe through the core JSON API and confirm through the link in the confirmation message."""
    client = app.test_client()
    before = len(messages_to(sink, path))
    answer = client.post(
        "/alerts/api/subscriptions",
        json={"channel": "webhook", "target": sink.url(path), "frequency": "instant", **fields},
    )
    assert answer.status_code == 202, answer.text
    confirmation = wait_for(sink, path, before + 1)[-1]
    assert "Your alerts are on" in press_button(client, link(confirmation, "open this link")).text


def messages_to(sink, path: str) -> list[dict[str, Any]]:
    return [m for m in sink.messages if m["path"] == path]


def wait_for(sink, path: str, count: int) -> list[dict[str, Any]]:
    import time

    deadline = time.monotonic() + 10
    while len(messages_to(sink, path)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return messages_to(sink, path)
