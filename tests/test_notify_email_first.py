"""Email is the first channel wherever residents choose one (issue #13 item 2: the demo offered only
ntfy, Slack, Discord and webhooks although its pages promise email)."""

import re

import pytest

from civicapps.errors import StartupError
from civicapps.notify.channels import enabled_kinds
from civicapps.notify.settings import NotifySettings


def offered(**settings) -> list[str]:
    return list(enabled_kinds(NotifySettings.model_validate(settings)))


def test_email_comes_first_once_there_is_a_way_to_send_it():
    email_first = ["email", "ntfy", "slack", "discord", "webhook"]
    assert offered(dev_inbox=True) == email_first
    assert offered(dev_inbox="true") == email_first, "as the demo sets it, from the environment"
    assert offered(mail_url="mailtos://relay.example.org?from=alerts@example.org") == email_first
    assert offered() == ["ntfy", "slack", "discord", "webhook"], "no relay: not offered rather than failing"
    assert offered(channels=["webhook", "email"], dev_inbox=True) == ["email", "webhook"]


def test_email_chosen_without_a_relay_outside_the_dev_inbox_stops_startup(civic_app_factory):
    with pytest.raises(StartupError, match="channel 'email' is enabled but mail_url is not set"):
        civic_app_factory(config={"plugins": {"notify": {"channels": ["email"]}}})


def test_the_alert_form_offers_email_first_in_the_dev_inbox(civic_app_factory):
    import civicapps_planning_alerts as planning_alerts

    app = civic_app_factory(
        plugins=[("planning_alerts", planning_alerts)], config={"plugins": {"notify": {"dev_inbox": True}}}
    )
    page = app.test_client().get("/planning-alerts/alerts").text
    radios = re.findall(r'<input[^>]*name="channel"[^>]*value="([a-z]+)"', page)
    assert radios[0] == "email", radios
