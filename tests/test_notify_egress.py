"""Nobody can use the alerts to reach our network: loopback, private, link-local (metadata) addresses and
names resolving to them are refused with a clear message when subscribing and again when sending."""
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from sqlalchemy import func, select
from test_notify_worker import active_webhook

from civicapps.db import db_session
from civicapps.notify.delivery import deliver_due
from civicapps.notify.egress import EgressPolicy, EgressRefused, guarded
from civicapps.notify.models import OutboxRow, Subscription
from civicapps.testing import NotificationSink


@pytest.fixture
def dns(monkeypatch):
    """Host names we control: ``dns["name"] = "10.0.0.7"`` makes the name resolve there."""
    table = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table[host], int(port or 0)))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def error_next_to_target(page):
    match = re.search(
        r'<p id="target-error" class="govuk-error-message">\s*'
        r'<span class="govuk-visually-hidden">Error:</span> ([^<]+?)\s*</p>',
        page.text,
    )
    return match and match.group(1)


@pytest.mark.parametrize(
    "target, reason",
    [
        ("http://127.0.0.1:9/hook", "127.0.0.1 is a loopback address (this machine)"),
        ("http://10.1.2.3/hook", "10.1.2.3 is a private network address"),
        (
            "http://169.254.169.254/latest/meta-data",
            "169.254.169.254 is a link-local address (such as a cloud metadata service)",
        ),
        ("http://localhost:9/hook", "is a loopback address (this machine)"),
        ("http://hooks.example.org/hook", "10.0.0.7 is a private network address"),
        ("http://[::ffff:10.9.9.9]/hook", "10.9.9.9 is a private network address"),
        # IPv6 wrappers of IPv4: the metadata service through NAT64, 6to4, Teredo, IPv4-compatible...
        ("https://[64:ff9b::a9fe:a9fe]/x", "wraps 169.254.169.254, which is a link-local address"),
        ("https://[64:ff9b::808:808]/x", "is a NAT64 address (an IPv4 address wrapped in IPv6)"),
        ("http://[64:ff9b:1::a00:1]/hook", "is a local-use NAT64 address"),
        ("http://[2002:a9fe:a9fe::1]/hook", "wraps 169.254.169.254, which is a link-local address"),
        ("http://[2002:808:808::1]/hook", "is a 6to4 address"),
        ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook", "wraps 192.0.2.45, which is a private network"),
        ("http://[fec0::1]/hook", "fec0::1 is a site-local address (a private network)"),
        ("http://[::a00:7]/hook", "::a00:7 wraps 10.0.0.7, which is a private network address"),
    ],
)
def test_non_public_targets_are_refused_when_subscribing(world, dns, target, reason):
    dns["hooks.example.org"] = "10.0.0.7"
    page = world.resident.subscribe(target.format(port=world.sink.port))
    assert page.status_code == 422
    message = error_next_to_target(page)
    assert message.startswith("Alerts cannot be sent to that address: ") and reason in message
    assert message.endswith("Use a public internet address.")
    api = world.resident.client.post(
        "/alerts/api/subscriptions",
        json={
            "topic": "sightings.near",
            "channel": "webhook",
            "target": target.format(port=world.sink.port),
            "lat": 54.15,
            "lon": -4.48,
            "radius_m": 500,
        },
    )
    assert api.status_code == 400 and reason in api.json["errors"]["target"]
    with world.app.app_context():
        assert db_session().scalar(select(func.count()).select_from(Subscription)) == 0
    assert world.sink.messages == []


@pytest.mark.parametrize("rebound", ["10.0.0.7", "169.254.169.254", "127.0.0.2"])
def test_a_name_rebound_to_a_private_address_is_refused_when_sending(world_factory, dns, tmp_path, rebound):
    world = world_factory({"queue_url": f"sqlite:///{tmp_path / 'queue.db'}"})  # nothing is sent until we say
    dns["hooks.example.org"] = "93.184.216.34"  # public when the resident subscribes
    assert world.resident.subscribe("http://hooks.example.org/hook").status_code == 302
    dns["hooks.example.org"] = rebound  # ... and private when the worker sends
    with world.app.app_context():
        assert deliver_due(world.app) == 0
        row = db_session().scalar(select(OutboxRow))
    assert row.status == "pending" and row.attempts == 1, "refused sends are retried later, then marked failed"
    assert row.last_error.startswith(f"destination {rebound} is a ")
    assert world.sink.messages == []


@pytest.mark.parametrize("rebound", ["64:ff9b::a9fe:a9fe", "2002:a00:7::1", "fec0::7", "64:ff9b:1::a00:7"])
def test_a_name_rebound_to_an_ipv6_wrapper_is_refused_when_sending(world_factory, dns, tmp_path, rebound):
    world = world_factory({"queue_url": f"sqlite:///{tmp_path / 'queue.db'}"})
    dns["hooks.example.org"] = "93.184.216.34"
    assert world.resident.subscribe("http://hooks.example.org/hook").status_code == 302
    dns["hooks.example.org"] = rebound
    with world.app.app_context():
        assert deliver_due(world.app) == 0
        row = db_session().scalar(select(OutboxRow))
    assert row.status == "pending" and row.last_error.startswith(f"destination {rebound} ")
    assert world.sink.messages == []


def test_allowing_a_wrapper_range_still_refuses_the_private_ipv4_inside():
    """An IPv6-only host behind DNS64 may allow 64:ff9b::/96; the metadata service stays out of reach."""
    policy = EgressPolicy(["64:ff9b::/96"])
    assert policy.refusal("64:ff9b::808:808", 443) is None
    assert str(policy.refusal("64:ff9b::a9fe:a9fe", 80)) == (
        "64:ff9b::a9fe:a9fe wraps 169.254.169.254, which is a link-local address (such as a cloud metadata service)"
    )
    assert EgressPolicy(["64:ff9b::/96", "10.0.0.5"]).refusal("64:ff9b::a00:5", 25) is None


def test_redirects_are_not_followed_and_would_be_refused(world, civic_app_factory):
    world.resident.subscribe(world.sink.url("/redirect?to=http://169.254.169.254/latest/meta-data"))
    assert len(world.sink.messages) == 1, "the sink answered 302; nobody followed it"
    with world.app.app_context():
        row = db_session().scalar(select(OutboxRow))
    assert row.status == "pending" and row.last_error and "302" in row.last_error
    # Even a client that does follow redirects is stopped at the redirect's target, inside the guard.
    policy = EgressPolicy([f"127.0.0.1:{world.sink.port}"])
    with guarded(policy) as refusals, pytest.raises(requests.ConnectionError):
        requests.post(world.sink.url("/redirect?to=http://10.0.0.7/admin"), timeout=5)
    assert [str(refusal) for refusal in refusals] == ["destination 10.0.0.7 is a private network address"]


def test_staff_raw_urls_obey_the_scheme_list_and_the_guard(world, dns):
    world.resident.sign_in_as_staff("team@council.example")
    refused = world.resident.subscribe("form://10.1.2.3:6379/", channel="apprise")
    assert "This cannot be used: &#39;form://&#39; addresses are not enabled here" in error_next_to_target(refused)
    dns["metadata.internal"] = "169.254.169.254"
    metadata = world.resident.subscribe("json://metadata.internal/latest", channel="apprise")
    assert "169.254.169.254 is a link-local address" in error_next_to_target(metadata)
    allowed = world.resident.subscribe(f"json://127.0.0.1:{world.sink.port}/team", channel="apprise")
    assert allowed.status_code == 302
    assert world.sink.wait_for(1)[0]["path"] == "/team"


def test_deliveries_ignore_proxies_and_netrc_passwords_from_the_environment(world, monkeypatch, tmp_path):
    proxy = NotificationSink()  # a proxy would connect on our behalf to addresses the guard never sees
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login council password hunter2\n")
    netrc.chmod(0o600)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("NETRC", str(netrc))
    try:
        world.resident.subscribe(world.sink.url())
        [confirmation] = world.sink.wait_for(1)
        assert "Authorization" not in confirmation["headers"] and proxy.messages == []
        # Outside deliveries the environment still rules (a council may fetch its feeds through a proxy).
        requests.post(world.sink.url("/feeds"), timeout=5)
        [fetched] = proxy.wait_for(1)
        assert fetched["path"] == world.sink.url("/feeds") and fetched["headers"]["Authorization"].startswith("Basic ")
    finally:
        proxy.close()


def test_the_guard_applies_only_inside_deliveries():
    assert socket.getaddrinfo("127.0.0.1", 80)  # the database, Redis and the web tier are unaffected
    with guarded(EgressPolicy()), pytest.raises(EgressRefused, match="127.0.0.1 is a loopback"):
        socket.getaddrinfo("127.0.0.1", 80)
    with guarded(EgressPolicy(["127.0.0.0/8:80"])):
        assert socket.getaddrinfo("127.0.0.1", 80)


@pytest.mark.parametrize(
    "text, allows, refuses",
    [
        ("10.0.0.5:25", [("10.0.0.5", 25)], [("10.0.0.5", 26), ("10.0.0.6", 25)]),
        ("192.168.0.0/16", [("192.168.4.2", 80), ("192.168.4.2", 25)], [("10.1.1.1", 80)]),
        ("[::1]:8080", [("::1", 8080), ("::ffff:8.8.8.8", 53)], [("::1", 80), ("127.0.0.1", 8080)]),
    ],
)
def test_allow_list_entries(text, allows, refuses):
    policy = EgressPolicy([text])
    assert [policy.refusal(ip, port) for ip, port in allows] == [None] * len(allows)
    assert all(policy.refusal(ip, port) for ip, port in refuses)


@pytest.mark.parametrize("bad", ["relay.internal:25", "10.0.0.5:99999", "10.0.0.300"])
def test_malformed_allow_list_entries_stop_startup(civic_app_factory, bad):
    from civicapps import StartupError

    with pytest.raises(StartupError, match=r"egress_allow"):
        civic_app_factory(config={"plugins": {"notify": {"egress_allow": [bad]}}})


def test_a_send_thread_keeps_connections_to_a_receiver_open_and_keeps_no_cookies(world_factory):
    """Messages to one host share a kept-alive connection (checked by the guard when it was opened);
    a cookie one receiver sets never goes back, to it or to another resident's receiver on that host."""
    arrivals = []  # (client port, Cookie header) per request

    class KeepAlive(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            arrivals.append((self.client_address[1], self.headers.get("Cookie")))
            self.send_response(200)
            self.send_header("Set-Cookie", f"resident={self.path.rsplit('/', 1)[-1]}; Path=/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        world = world_factory(egress_allow=[f"127.0.0.1:{port}"])
        for n in range(3):
            active_webhook(world, f"http://127.0.0.1:{port}/hook/{n}")
        arrivals.clear()  # the confirmation messages, sent at once by the immediate queue
        world.ingest(new=[world.add("Basking shark")])  # one worker run sends all three
    finally:
        server.shutdown()
        server.server_close()
    assert len(arrivals) == 3
    assert len({client_port for client_port, _ in arrivals}) == 1, "one connection for the three messages"
    assert [cookie for _, cookie in arrivals] == [None, None, None]
