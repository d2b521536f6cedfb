"""civicapps.error_response: one error answer, JSON for API callers and a page for people."""
from civicapps import error_response


def test_api_callers_get_json_and_people_get_the_error_page(civic_app_factory):
    app = civic_app_factory(migrate=False)
    with app.test_request_context("/things/api/search"):
        body, status = error_response(429, "Slow down")
        assert (status, body) == (429, {"error": "Too many attempts", "detail": "Slow down", "status": 429})
    with app.test_request_context("/things/search", headers={"Accept": "application/json"}):
        assert error_response(404)[0]["status"] == 404
    with app.test_request_context("/things/search", headers={"Accept": "text/html"}):
        page, status = error_response(429, "Slow down")
        assert status == 429 and "Slow down" in page and "<html" in page
