"""Why a message was not sent: recorded in English and by code, read back in the reader's language."""

import json

from civicapps.notify.egress import EgressPolicy
from civicapps.notify.reasons import Reason, shown


def test_a_refusal_is_stored_by_code_and_shown_in_the_readers_language(civic_app):
    refused = Reason("destination", {"refusal": EgressPolicy().refusal("10.0.0.7", 443)})
    english = "destination 10.0.0.7 is a private network address"
    assert str(refused) == english
    stored = refused.stored()
    assert json.loads(stored)["values"]["refusal"]["values"]["reason"] == {"code": "private", "values": {}}
    with civic_app.test_request_context("/-/notifications?lang=cy"):
        assert shown(english, stored) == "cyrchfan 10.0.0.7: cyfeiriad rhwydwaith preifat"
    with civic_app.test_request_context("/-/notifications?lang=en"):
        assert shown(english, stored) == english


def test_words_without_a_known_code_are_shown_as_stored(civic_app):
    apprise_said = Reason.verbatim("Failed to send JSON notification to 127.0.0.1: error=404.")
    assert apprise_said.stored() is None and str(apprise_said) == apprise_said.translated()
    retired = json.dumps({"code": "a-code-since-retired", "values": {}})
    with civic_app.test_request_context("/-/notifications?lang=cy"):
        assert shown("not sent: older words", None) == "not sent: older words"
        assert shown("not sent: older words", retired) == "not sent: older words"
