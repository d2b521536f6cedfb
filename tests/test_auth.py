"""Staff accounts' errors are in the language of whoever manages the accounts: a page's reader, or the
deployment's default language on the command line."""

import re

import pytest

from civicapps import CivicappsError
from civicapps.auth import change_password, change_role, create_user
from civicapps.testing import CivicRunner

PASSWORD = "a-long-staff-password"


def test_account_errors_are_in_the_language_of_the_request(civic_app):
    with civic_app.test_request_context("/-/login?lang=cy"):
        create_user("clerk@council.example", "Clerk", PASSWORD)
        refusals = {
            "Nid yw 'clerk' yn gyfeiriad e-bost.": lambda: create_user("clerk", "Clerk", PASSWORD),
            "Rhaid i'r cyfrinair fod o leiaf 12 nod o hyd.": lambda: change_password("clerk@council.example", "short"),
            "Mae cyfrif staff ar gyfer clerk@council.example yn bodoli eisoes.": lambda: create_user(
                "Clerk@Council.example", "Clerk", PASSWORD
            ),
            "Nid oes cyfrif staff ar gyfer nobody@council.example.": lambda: change_password(
                "nobody@council.example", PASSWORD
            ),
            "Rhaid i'r rôl fod yn un o admin, staff, nid 'boss'.": lambda: change_role("clerk@council.example", "boss"),
        }
        for welsh, attempt in refusals.items():
            with pytest.raises(CivicappsError) as raised:
                attempt()
            assert str(raised.value) == welsh


def test_the_command_line_speaks_the_deployments_default_language(civic_app_factory):
    runner = CivicRunner(civic_app_factory(config={"default_language": "cy"}))
    result = runner.invoke(["users", "create", "--email", "clerk@council.example", "--password", "short"])
    assert result.exit_code == 1 and result.output == "Error: Rhaid i'r cyfrinair fod o leiaf 12 nod o hyd.\n"


def test_a_refused_sign_in_in_welsh_says_why_in_welsh(civic_app):
    """A wrong password and then the lockout after repeated guesses, both read in Welsh."""
    with civic_app.app_context():
        create_user("clerk@council.example", "Clerk", PASSWORD)
    client = civic_app.test_client()

    def sign_in(password):
        page = client.get("/-/login?lang=cy").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        return client.post(
            "/-/login", data={"email": "clerk@council.example", "password": password, "csrf_token": token}
        )

    wrong = sign_in("wrong-password-here")
    assert wrong.status_code == 422 and "Nid yw&#39;r cyfeiriad e-bost neu&#39;r cyfrinair yn gywir" in wrong.text
    for _ in range(4):
        sign_in("wrong-password-here")
    locked = sign_in(PASSWORD)
    assert locked.status_code == 429 and "Gormod o ymdrechion" in locked.text
