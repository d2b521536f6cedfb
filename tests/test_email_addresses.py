"""civicapps.normalise_email: the one check of an email address (email-validator)."""
import pytest

from civicapps import normalise_email


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ann@example.org", "ann@example.org"),
        ("  Ann.Smith@Example.ORG ", "Ann.Smith@example.org"),
        ("rhian@enghraifft.cymru", "rhian@enghraifft.cymru"),
    ],
)
def test_addresses_come_back_tidy(text, expected):
    assert normalise_email(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not-an-email",
        "ann@",
        "@example.org",
        "ann@example",
        "first..last@example.org",
        "ann@-bad-.org",
        "a b@x.org",
    ],
)
def test_what_is_not_an_address_gives_none(text):
    assert normalise_email(text) is None
