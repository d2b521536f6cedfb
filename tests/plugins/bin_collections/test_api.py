"""The JSON API answers what its OpenAPI description says."""

from __future__ import annotations


def test_addresses_collections_and_openapi(loaded_app, set_now):
    app = loaded_app()
    set_now("2027-03-24 12:00")
    client = app.test_client()
    found = client.get("/bin-collections/api/addresses.json?postcode=yo1+8as").json
    assert found == {
        "postcode": "YO1 8AS",
        "addresses": [{"uprn": "100050600001", "address": "10 Stonegate, York", "postcode": "YO1 8AS"}],
    }
    answer = client.get("/bin-collections/api/addresses/100050600001.json").json
    assert answer["collections"][0] == {
        "date": "2027-03-30",
        "bin": "General waste",
        "colour": "Black",
        "round": "R1",
        "moved_from": "2027-03-29",
        "reason": "Easter Monday",
    }
    assert client.get("/bin-collections/api/addresses/nope.json").status_code == 404
    bad = client.get("/bin-collections/api/addresses.json?postcode=x")
    assert bad.status_code == 400 and bad.json["status"] == 400
    spec = client.get("/bin-collections/api/openapi.json").json
    assert set(spec["paths"]) == {"/api/addresses.json", "/api/addresses/{uprn}.json"}
    assert set(spec["components"]["schemas"]["Collections"]["required"]) == set(answer)
    assert set(spec["components"]["schemas"]["CollectionOut"]["properties"]) == set(answer["collections"][0])
