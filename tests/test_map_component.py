"""The core's map component (issue #14): Leaflet and Leaflet.markercluster are vendored once, in the core,
with their licences and where they came from; the macro draws a map from the plugin's tile settings with
a note saying where the page lists what the map shows."""

from __future__ import annotations

import subprocess
from pathlib import Path

from flask import Flask, render_template_string

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "civicapps" / "web" / "static"


def tracked(name: str) -> list[str]:
    """Every tracked file, anywhere in the tree, named ``name``."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return sorted(path for path in files.split("\0") if path.rsplit("/", 1)[-1] == name)


def test_leaflet_and_markercluster_are_vendored_exactly_once_in_the_core() -> None:
    assert tracked("leaflet.js") == ["civicapps/web/static/leaflet/leaflet.js"]
    assert tracked("leaflet.css") == ["civicapps/web/static/leaflet/leaflet.css"]
    cluster = STATIC / "leaflet.markercluster"
    assert tracked("leaflet.markercluster.js") == [str((cluster / "leaflet.markercluster.js").relative_to(ROOT))]
    assert "Leaflet 1.9.4" in (STATIC / "leaflet" / "leaflet.js").read_text()[:200]
    assert "leaflet@1.9.4" in (STATIC / "leaflet" / "README.md").read_text()
    assert "Redistribution and use in source and binary forms" in (STATIC / "leaflet" / "LICENSE").read_text()
    assert "leaflet.markercluster@1.5.3" in (cluster / "README.md").read_text()
    assert "Permission is hereby granted" in (cluster / "MIT-LICENCE.txt").read_text()


def test_the_core_serves_the_map_assets(civic_app: Flask) -> None:
    client = civic_app.test_client()
    for path in (
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "leaflet/images/marker-icon.png",
        "leaflet.markercluster/leaflet.markercluster.js",
        "leaflet.markercluster/MarkerCluster.css",
        "map.js",
    ):
        response = client.get(f"/-/static/{path}")
        assert response.status_code == 200, path
        response.close()


def test_the_map_macro_uses_the_given_tiles_escapes_them_and_says_where_the_list_is(civic_app: Flask) -> None:
    page = """{% from "civicapps/map.html" import map, map_assets %}{{ map_assets() }}
{{ map(tiles, credit, "Map of the things listed", listed="things", listed_as="the list of things below",
       attrs={"class": "extra"}, data={"points": '[{"a": 1}]', "skip": none}) }}"""
    with civic_app.test_request_context("/"):
        html = render_template_string(
            page, tiles="https://tiles.council.example/{z}/{x}/{y}.png", credit='© Council "maps" <b>'
        )
    assert 'data-tiles="https://tiles.council.example/{z}/{x}/{y}.png"' in html
    assert 'data-attribution="© Council &#34;maps&#34; &lt;b&gt;"' in html
    assert 'data-points="[{&#34;a&#34;: 1}]"' in html and "data-skip" not in html
    assert 'aria-label="Map of the things listed"' in html and 'class="civic-map extra"' in html
    assert 'aria-describedby="map-things-alternative"' in html
    assert '<p class="civic-map__alternative" id="map-things-alternative" hidden>' in html
    assert 'Everything on this map is also in <a href="#things">the list of things below</a>.' in html
    assets = ("leaflet/leaflet.js", "leaflet.markercluster/leaflet.markercluster.js", "map.js", "leaflet/leaflet.css")
    for asset in assets:
        assert f"/-/static/{asset}" in html
