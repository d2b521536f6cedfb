"""civicapps.base_url / external_url: links for messages, from the base_url setting, never the Host header."""
from civicapps import base_url, external_url
from civicapps.web.absolute_urls import DEV_BASE_URL


def test_without_base_url_links_point_at_the_dev_server(civic_app_factory):
    app = civic_app_factory(migrate=False)
    with app.app_context():
        assert base_url() == DEV_BASE_URL
        assert external_url("notify.unsubscribe", token="abc") == f"{DEV_BASE_URL}/alerts/unsubscribe/abc"


def test_links_use_base_url_with_its_path_outside_any_request(civic_app_factory):
    app = civic_app_factory(config={"base_url": "https://alerts.example.gov.uk/civic"}, migrate=False)
    with app.app_context():
        assert base_url() == "https://alerts.example.gov.uk/civic"
        assert external_url("notify.index") == "https://alerts.example.gov.uk/civic/alerts/"
        assert external_url("notify.manage", token="t", saved=3) == (
            "https://alerts.example.gov.uk/civic/alerts/manage/t?saved=3"
        )


def test_a_requests_host_header_never_gets_into_links(civic_app_factory):
    app = civic_app_factory(config={"base_url": "https://alerts.example.gov.uk"}, migrate=False)
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert external_url("notify.index") == "https://alerts.example.gov.uk/alerts/"
