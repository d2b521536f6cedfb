"""civicapps.safe_next: a ``next=`` address is followed only when it stays on this site.

The bypasses are OWASP's (Unvalidated Redirects and Forwards cheat sheet, and the open-redirect
payload lists): slashes and backslashes, tabs and newlines browsers drop, schemes, userinfo ``@``,
and the encoded forms of each.
"""
from urllib.parse import quote, urljoin, urlsplit

import pytest
from test_web import app, client, login  # noqa: F401

from civicapps import create_app, safe_next


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory):
    """No database is needed to judge an address; one app serves every case."""
    instance = tmp_path_factory.mktemp("instance")
    return create_app({"instance_path": str(instance), "secret_key": "k"}, load_entrypoints=False)

ESCAPES = [
    "//evil.example",
    "///evil.example",
    "////evil.example/",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\r/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/ /evil.example".replace(" ", "\x0b"),
    "/\x00/evil.example",
    "/\u2028/evil.example",
    "https://evil.example",
    "http:evil.example",
    "https:/evil.example",
    "//evil.example@council.example",
    "https://council.example@evil.example/",
    "https://council.example.evil.example/",
    "javascript:alert(1)",
    "JavaScript:alert(1)//",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "@evil.example",
    "/%09/evil.example".replace("%09", "\t"),
    "/%5Cevil.example".replace("%5C", "\\"),
    "/.\\evil.example",
    "/x/../\\evil.example",
    "",
    None,
    ["/list"],
    42,
]


@pytest.mark.parametrize("target", ESCAPES, ids=repr)
def test_every_known_escape_falls_back_to_the_home_page(bare_app, target):
    with bare_app.test_request_context():
        assert safe_next(target) == "/"
        assert safe_next(target, "/organogram/my-data") == "/organogram/my-data"


@pytest.mark.parametrize(
    "target",
    [
        "/parks/staff",
        "/parks/staff?area=3&page=2",
        "/parks/staff#map",
        "/organogram/groups/7/edit",
        "/search?q=a b",
        "/%2F%2Fevil.example",  # encoded: a path to every browser, so still this site
        "/%5Cevil.example",
        "/%09/evil.example",
        "/%0D%0A/evil.example",
        "/caf\u00e9",
    ],
)
def test_paths_on_this_site_are_kept_and_stay_on_this_site(bare_app, target):
    with bare_app.test_request_context():
        assert safe_next(target) == target
    resolved = urlsplit(urljoin("https://council.example/", target))
    assert resolved.netloc == "council.example"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\r\n/evil.example", "/\\evil.example", "https://evil.example"])
def test_staff_login_never_redirects_off_site_nor_fails(client, target):  # noqa: F811
    response = login(client, "officer@douglas.example", next_url=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
