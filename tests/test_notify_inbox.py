"""The development inbox: the demo delivers through apprise for real, to itself, and staff read it at /-/inbox."""
import re
import threading

import pytest
from conftest import free_port
from werkzeug.serving import make_server


@pytest.fixture
def served_world(world_factory):
    port = free_port()
    world = world_factory(
        {"base_url": f"http://127.0.0.1:{port}"},
        dev_inbox=True,
        egress_allow=[f"127.0.0.1:{port}"],
        channels=["ntfy", "webhook"],
    )
    server = make_server("127.0.0.1", port, world.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield world
    server.shutdown()
    thread.join(timeout=5)


def test_messages_arrive_in_the_inbox_instead_of_their_destination(served_world):
    world = served_world
    client = world.resident.client
    assert client.get("/-/inbox").status_code == 302, "staff only"
    world.resident.subscribe("street-alerts", channel="ntfy")
    world.resident.sign_in_as_staff()
    page = client.get("/-/inbox")
    assert '<h2 class="govuk-heading-m">Confirm your alerts from Example Council</h2>' in page.text
    assert "To ntfy: <strong>street-alerts</strong>" in page.text, "the developer's own target, in full"
    assert re.search(r'<a href="http://127\.0\.0\.1:\d+/alerts/confirm/[^"]+" rel="noopener noreferrer">', page.text), (
        "the Markdown is shown as HTML, its links working"
    )
    assert "**[" not in page.text
    current = r'href="/-/inbox" aria-current="page">\s*<strong[^>]*>Inbox</strong>'
    assert re.search(current, page.text), "staff see it in the navigation"
    assert world.sink.messages == []


def test_only_this_host_with_the_secret_path_can_post_to_the_inbox(served_world):
    client = served_world.app.test_client()
    assert client.post("/-/inbox/receive/not-the-token", json={"title": "spam"}).status_code == 404


def test_messages_are_shown_safely_whatever_they_contain():
    from civicapps.notify.inbox import as_html

    shown = as_html("**[Confirm](http://x/a?b=1&c=2)** <script>alert(1)</script> [x](javascript:alert(1))", "markdown")
    assert '<strong><a href="http://x/a?b=1&amp;c=2" rel="noopener noreferrer">Confirm</a></strong>' in shown
    assert "<script" not in shown and "javascript:" not in shown
    shown = as_html('<p onclick="x">Hi <a href="https://ok/x" style="x">ok</a><img src=x onerror=y></p>', "html")
    assert shown == '<p>Hi <a href="https://ok/x" rel="noopener noreferrer">ok</a></p>'
    shown = as_html("Stop: http://127.0.0.1:5000/alerts/unsubscribe/abc.\n<b>", "text")
    assert shown == (
        '<p>Stop: <a href="http://127.0.0.1:5000/alerts/unsubscribe/abc" rel="noopener noreferrer">'
        "http://127.0.0.1:5000/alerts/unsubscribe/abc</a>.<br>&lt;b&gt;</p>"
    )


@pytest.mark.browser
def test_the_inbox_fits_the_window_at_1280_and_375_pixels(served_world, civic_browser):
    world = served_world
    world.resident.subscribe("a-very-long-ntfy-topic-name-for-testing-wrapping-of-long-lines", channel="ntfy")
    world.resident.sign_in_as_staff()
    base = world.app.extensions["civicapps"].settings.base_url
    cookie = world.resident.client.get_cookie("session")
    for width in (1280, 375):
        context = civic_browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "session", "value": cookie.value, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/-/inbox")
        assert page.locator(".message-body a").count() >= 2, "working links"
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"
        page.screenshot(path=f"/tmp/inbox-{width}.png", full_page=True)
        context.close()
