"""civicapps.csrf_exempt: a view another machine posts to takes no CSRF token; every other view needs one."""
from flask import Blueprint

from civicapps import csrf_exempt, hookimpl


class Hooks:
    @hookimpl
    def register_blueprint(self, app):
        bp = Blueprint("hooks_test", __name__)

        @bp.post("/machine")
        def machine():
            return "taken"

        @bp.post("/form")
        def form():
            return "taken"

        csrf_exempt(app, machine)
        return bp


def test_only_the_exempt_view_takes_a_post_without_a_token(civic_app_factory):
    app = civic_app_factory(plugins=[("hooks_test", Hooks())], migrate=False)
    client = app.test_client()
    assert client.post("/hooks-test/machine").text == "taken"
    assert client.post("/hooks-test/form").status_code == 400
