"""The development inbox: the demo delivers through apprise for real, to itself, and staff read it at /-/inbox."""
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
    assert '<h2 class="heading-m">Confirm your alerts from Example Council</h2>' in page.text
    assert "To ntfy: ***rts" in page.text, "the recipient, masked"
    assert "/alerts/confirm/" in page.text
    assert 'href="/-/inbox" aria-current="page">Inbox</a>' in page.text, "staff see it in the navigation"
    assert world.sink.messages == []


def test_only_this_host_with_the_secret_path_can_post_to_the_inbox(served_world):
    client = served_world.app.test_client()
    assert client.post("/-/inbox/receive/not-the-token", json={"title": "spam"}).status_code == 404
