"""civicapps.locate_place and postcode_in: a place a resident typed, or words saying what to type instead."""
import pytest

from civicapps import Location, PlaceNotFound, hookimpl, locate_place, postcode_in


class TownHall:
    @hookimpl
    def geocode(self, app, query):
        return Location(54.15, -4.48, "town_hall") if query == "Town Hall, Douglas" else None


@pytest.fixture
def app(civic_app_factory):
    app = civic_app_factory(plugins=[("town_hall", TownHall())])
    with app.app_context():
        yield app


def test_an_address_a_plugin_knows_is_placed_and_tidied(app):
    assert locate_place(app, "  Town Hall,   Douglas ") == (Location(54.15, -4.48, "town_hall"), "Town Hall, Douglas")


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "Enter a postcode"),
        ("   ", "Enter a postcode"),
        ("x" * 201, "Enter a postcode, or an address of at most 200 characters"),
        ("Somewhere Street", "Enter a full UK postcode, like SW1A 1AA"),
    ],
)
def test_what_cannot_be_placed_says_what_to_do_for_the_field(app, query, message):
    with pytest.raises(PlaceNotFound) as raised:
        locate_place(app, query, field="q")
    assert (raised.value.field, str(raised.value)) == ("q", message)


@pytest.mark.parametrize(
    "query, expected",
    [("sw1a1aa", "SW1A 1AA"), ("10 Downing Street, London SW1A 2AA", "SW1A 2AA"), ("Somewhere Street", None)],
)
def test_postcode_in_finds_the_postcode_a_query_is_or_ends_with(query, expected):
    assert postcode_in(query) == expected


def test_what_cannot_be_placed_is_said_in_the_language_of_the_page(civic_app_factory, civic_postcodes_io):
    app = civic_app_factory(config={"plugins": {"geo": {"postcodes_io_url": civic_postcodes_io.url}}})
    with app.test_request_context("/?lang=cy"):
        with pytest.raises(PlaceNotFound) as raised:
            locate_place(app, "Somewhere Street")
        assert str(raised.value) == "Rhowch god post llawn yn y DU, fel SW1A 1AA"
        with pytest.raises(PlaceNotFound) as raised:
            locate_place(app, "ZZ9 9ZZ")
        assert str(raised.value) == "Ni allem ddod o hyd i'r cod post ZZ9 9ZZ. Gwiriwch ef a rhowch gynnig arall arni"
        with pytest.raises(PlaceNotFound) as raised:
            locate_place(app, "IM9 4HH")
        assert str(raised.value).startswith("Mae IM9 4HH yn god post go iawn ond nid oes ganddo safle ar y map")


def test_the_about_page_names_geo_sources_in_welsh(app):
    page = app.test_client().get("/about?lang=cy").text
    assert "Chwilio am godau post: postcodes.io" in page and "Trwydded Llywodraeth Agored v3.0" in page
    assert "Postcode look-ups" not in page
