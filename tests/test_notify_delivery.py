"""Delivery: digests, retries with back-off, failures for staff with a retry button, the sweeper, and email
with one-click unsubscribe headers, all through real apprise to real sinks on 127.0.0.1."""
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import DOUGLAS
from pyproj import Geod
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from test_notify_worker import active_webhook

from civicapps.db import db_session, get_database
from civicapps.jobs import queue_for
from civicapps.notify.delivery import deliver_due, take_over
from civicapps.notify.matching import match_pending
from civicapps.notify.models import ItemSnapshot, OutboxRow, Subscription
from civicapps.notify.outbox import Recorder, claim, send_time
from civicapps.notify.settings import SAFE_SCHEMES, NotifySettings


def confirmed(world, **choices):
    world.resident.subscribe(world.sink.url(), **choices)
    [confirmation] = world.sink.wait_for(1)
    assert "Your alerts are on" in world.resident.press_button(world.link(confirmation, "open this link")).text


def outbox(world):
    with world.app.app_context():
        return list(db_session().scalars(select(OutboxRow).order_by(OutboxRow.id)))


def make_due(world):
    with world.app.app_context():
        db_session().execute(
            update(OutboxRow)
            .where(OutboxRow.status == "pending")
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db_session().commit()


def test_daily_digest_gathers_items_into_one_message(world):
    confirmed(world, frequency="daily")
    world.ingest(new=[world.add(f"Seal number {n}") for n in range(3)])
    world.settle()
    assert len(world.sink.messages) == 1, "nothing before the digest hour"
    waiting = [row for row in outbox(world) if row.kind == "new"]
    assert len(waiting) == 3 and len({row.next_attempt_at for row in waiting}) == 1
    make_due(world)  # the digest hour has come
    queue_for(world.app).run_once()  # the periodic sweep wakes a worker for the due rows
    digest = world.sink.wait_for(2)[1]["body"]
    assert digest["title"] == "3 new: Sightings near you"
    assert 'Your daily summary of "Sightings near you"' in digest["message"]
    assert all(f"- Seal number {n}" in digest["message"] for n in range(3))
    assert [row.status for row in outbox(world)] == ["sent"] * 4


def test_an_item_is_stored_once_and_each_alert_keeps_its_own_distance(world):
    """A dense town's application reaches thousands of subscribers: its snapshot is written once, each
    outbox row holds only numbers (the item it refers to, that subscriber's distance), and a claimed
    row reads as the whole message again."""
    for n, lat in enumerate((DOUGLAS[0], DOUGLAS[0] + 0.001)):  # at the item, and about 111 m north of it
        world.resident.subscribe(world.sink.url(f"/{n}"), lat=lat, frequency="daily")
        confirmation = world.sink.wait_for(n + 1)[n]
        world.resident.press_button(world.link(confirmation, "open this link"))
    world.ingest(new=[world.add("Seal on the slipway")])
    world.settle()
    _, _, north = Geod(ellps="WGS84").inv(DOUGLAS[1], DOUGLAS[0] + 0.001, DOUGLAS[1], DOUGLAS[0])
    with world.app.app_context():
        session = db_session()
        [snapshot] = session.scalars(select(ItemSnapshot)).all()
        alerts = [row for row in outbox(world) if row.kind == "new"]
        assert [(row.item_id, row.payload) for row in alerts] == [(snapshot.id, "{}")] * 2
        assert sorted(row.distance_m for row in alerts) == [0, round(north)]
    make_due(world)
    with world.app.app_context():
        _, claimed = claim(db_session(), 10)
    items = sorted((c.payload["item"] for c in claimed if c.kind == "new"), key=lambda item: item["distance_m"])
    assert [(item["title"], item["distance_m"]) for item in items] == [
        ("Seal on the slipway", d) for d in (0, round(north))
    ]
    assert all(c.payload["topic_title"] == "Sightings near you" for c in claimed if c.kind == "new")


@pytest.mark.parametrize(
    "frequency, now, due",
    [
        ("daily", "2026-11-23T06:59:00+00:00", "2026-11-23T07:00:00+00:00"),
        ("daily", "2026-11-23T07:00:00+00:00", "2026-11-24T07:00:00+00:00"),
        ("daily", "2026-06-01T05:00:00+00:00", "2026-06-01T06:00:00+00:00"),  # 07:00 British Summer Time
        ("weekly", "2026-11-23T08:00:00+00:00", "2026-11-30T07:00:00+00:00"),  # a Monday, after the hour
        ("weekly", "2026-11-26T12:00:00+00:00", "2026-11-30T07:00:00+00:00"),
        ("instant", "2026-11-26T12:00:00+00:00", "2026-11-26T12:00:00+00:00"),
    ],
)
def test_digest_times_follow_the_local_clock(frequency, now, due):
    assert send_time(frequency, NotifySettings(), datetime.fromisoformat(now)) == datetime.fromisoformat(due)


def test_failures_back_off_then_show_for_staff_who_can_retry(world_factory):
    world = world_factory(max_attempts=2)
    world.sink.status = 500
    world.resident.subscribe(world.sink.url("/hook/secret-token"))
    [row] = outbox(world)
    assert (row.status, row.attempts) == ("pending", 1) and "500" in row.last_error
    assert timedelta(seconds=55) < row.next_attempt_at - datetime.now(UTC) < timedelta(seconds=61)
    make_due(world)
    queue_for(world.app).run_once()
    [row] = outbox(world)
    assert (row.status, row.attempts) == ("failed", 2)

    world.resident.sign_in_as_staff()
    client = world.resident.client
    page = client.get("/-/notifications")
    unstyled = re.sub(r' class="[^"]*"', "", page.text)  # the row's counts, whatever the table's styling
    assert re.search(r"<th scope=\"row\">webhook</th><td>0</td><td>0</td><td>0</td><td>1</td><td>0</td>", unstyled)
    assert "webhook: http://127.0.0.1/…" in page.text and "Internal server error" in page.text
    assert "secret-token" not in page.text, "targets are masked for staff too"

    world.sink.status = 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    assert client.post("/-/notifications/retry", data={"row": "1; DROP", "csrf_token": token}).status_code == 400
    assert [r.status for r in outbox(world)] == ["failed"], "a bad request changes nothing"
    retried = client.post("/-/notifications/retry", data={"row": str(row.id), "csrf_token": token})
    assert retried.headers["Location"] == "/-/notifications?retried=1"
    assert [(r.status, r.attempts) for r in outbox(world)] == [("sent", 1)]
    assert len(world.sink.messages) == 3


def test_staff_read_why_a_message_was_not_sent_in_their_own_language(world_factory, monkeypatch):
    """The reason is recorded in English (what logs and the command line show) and by code, so the staff
    page says it in Welsh to a Welsh reader; a row recorded before reasons had codes shows its stored words."""
    from apprise.plugins.custom_json import NotifyJSON

    def broken_send(self, *args, **kwargs):
        raise RuntimeError("a bug in the service")

    monkeypatch.setattr(NotifyJSON, "send", broken_send)
    world = world_factory(max_attempts=1)
    world.resident.subscribe(world.sink.url("/hook"))
    [row] = outbox(world)
    assert (row.status, row.last_error) == ("failed", "not sent: the JSON service failed (RuntimeError)")

    world.resident.sign_in_as_staff()
    client = world.resident.client
    assert "not sent: the JSON service failed (RuntimeError)" in client.get("/-/notifications?lang=en").text
    welsh = client.get("/-/notifications?lang=cy").text
    assert "heb ei hanfon: methodd y gwasanaeth JSON (RuntimeError)" in welsh and "not sent" not in welsh

    with world.app.app_context():
        db_session().execute(update(OutboxRow).values(last_error="not sent: older words", last_reason=None))
        db_session().commit()
    assert "not sent: older words" in client.get("/-/notifications?lang=cy").text


def test_a_receiver_too_slow_to_answer_is_given_up_on_and_tried_again_later(world_factory):
    world = world_factory(send_timeout_seconds=1)
    world.sink.delay = 3  # longer than the budget, shorter than apprise's own socket timeouts (4 s)
    world.resident.subscribe(world.sink.url())
    [row] = outbox(world)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "not sent: no answer within 1 s")
    world.sink.delay = 0
    make_due(world)
    queue_for(world.app).run_once()
    assert [(r.status, r.attempts) for r in outbox(world)] == [("sent", 2)]
    assert len(world.sink.wait_for(2)) == 2


def test_sweeper_puts_back_what_a_dead_worker_left_sending(world_factory, tmp_path):
    world = world_factory({"queue_url": f"sqlite:///{tmp_path / 'queue.db'}"}, sending_timeout_seconds=60)
    world.resident.subscribe(world.sink.url())
    with world.app.app_context():
        token, [claimed] = claim(db_session(), 10)  # a worker claims the confirmation ... and dies
    queue_for(world.app).run_once()
    assert world.sink.messages == [] and outbox(world)[0].status == "sending", "a live claim is left alone"
    with world.app.app_context():
        db_session().execute(update(OutboxRow).values(claimed_at=datetime.now(UTC) - timedelta(minutes=2)))
        db_session().commit()
    queue_for(world.app).run_once()
    assert len(world.sink.messages) == 1 and outbox(world)[0].status == "sent"


def test_a_live_workers_claim_is_renewed_while_a_send_outlasts_the_lease(world_factory, tmp_path):
    """The claims heartbeat renews a claim while its message is on the wire: the other workers' takeover
    check leaves it alone, and the message goes once."""
    lease = 1.5
    world = world_factory(
        {"queue_url": f"sqlite:///{tmp_path / 'queue.db'}"}, sending_timeout_seconds=lease, send_timeout_seconds=5
    )
    world.resident.subscribe(world.sink.url())
    world.sink.delay = 2 * lease  # the confirmation takes twice the lease to be answered

    def deliver():
        with world.app.app_context():
            deliver_due(world.app)

    sending = threading.Thread(target=deliver)
    started = time.monotonic()
    sending.start()
    checks = []  # (seconds since the send began, rows taken over)
    while sending.is_alive() and time.monotonic() < started + 30:
        checks.append((time.monotonic() - started, take_over(world.app)))  # what other workers' heartbeats do
        sending.join(0.1)
    assert not sending.is_alive()
    assert any(at > 1.5 * lease for at, _ in checks), "checked well after the claim would have lapsed unrenewed"
    assert sum(taken for _, taken in checks) == 0, "a live worker's claim was taken over"
    assert [(r.status, r.attempts) for r in outbox(world)] == [("sent", 1)] and len(world.sink.messages) == 1


def test_email_has_html_text_and_one_click_unsubscribe_headers(world_factory, civic_mail_sink):
    world = world_factory(
        channels=["email", "webhook"],
        mail_url=civic_mail_sink.url(),
        allowed_schemes=[*SAFE_SCHEMES, "json"],
        egress_allow=[f"127.0.0.1:{civic_mail_sink.port}"],
    )
    world.resident.subscribe("Jo.Bloggs@Example.ORG", channel="email")
    [mail] = civic_mail_sink.wait_for(1)
    assert mail["To"] == "Jo.Bloggs@example.org" and mail["From"] == "alerts@council.example"
    assert mail["Subject"] == "Confirm your alerts from Example Council"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(http://127\.0\.0\.1:5000/alerts/unsubscribe/\S+)>", mail["List-Unsubscribe"]).group(
        1
    )
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in mail.walk()
        if not part.is_multipart()
    }
    assert '<a href="http://127.0.0.1:5000/alerts/confirm/' in parts["text/html"]
    assert "Confirm your alerts" in parts["text/plain"]

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no cookie and no CSRF token.
    done = world.app.test_client().post(
        unsubscribe.removeprefix("http://127.0.0.1:5000"), data={"List-Unsubscribe": "One-Click"}
    )
    assert done.status_code == 200 and "Alerts stopped" in done.text
    with world.app.app_context():
        assert db_session().scalar(select(Subscription.status)) == "ended"


def test_each_outcome_is_committed_before_the_next_message_is_sent(world_factory):
    """The next message is rendered while one is on the wire, but sent only once the previous outcome
    is committed: a receiver that reads the ledger on every arrival sees all earlier ones recorded."""
    seen = []  # for each arrival: (its path, rows recorded as sent or back to pending by then)

    class Ledger(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with get_database(world.app).engine.connect() as connection:
                recorded = connection.scalar(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(OutboxRow.kind == "new", OutboxRow.attempts > 0)  # recorded: sent, or to retry
                )
            seen.append((self.path, recorded))
            self.send_response(500 if "/fail" in self.path else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ledger)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        world = world_factory(egress_allow=[f"127.0.0.1:{port}"], batch_size=4)
        targets = [f"http://127.0.0.1:{port}/{'fail' if n % 3 == 0 else 'ok'}/{n}" for n in range(10)]
        subscriptions = [active_webhook(world, target) for target in targets]
        seen.clear()  # the confirmation messages, sent at once by the immediate queue
        world.ingest(new=[world.add("Basking shark")])  # the immediate queue matches and delivers at once
    finally:
        server.shutdown()
        server.server_close()
    arrivals = [path.partition("?")[0] for path, _ in seen]
    assert sorted(arrivals) == sorted(t.removeprefix(f"http://127.0.0.1:{port}") for t in targets)
    assert [recorded for _, recorded in seen] == list(range(10)), "message n arrives after n outcomes are committed"
    with world.app.app_context():
        rows = {r.subscription_id: r for r in db_session().scalars(select(OutboxRow).where(OutboxRow.kind == "new"))}
    for subscription_id, target in zip(subscriptions, targets, strict=True):
        row = rows[subscription_id]
        if "/fail" in target:
            assert (row.status, row.attempts) == ("pending", 1) and "500" in row.last_error, target
        else:
            assert (row.status, row.attempts, row.last_error) == ("sent", 1, None), target


def test_a_service_that_raises_is_a_failed_send_with_no_secrets_in_the_reason(world, monkeypatch, caplog):
    """apprise's services are called directly, so their bugs reach civicapps: the message is retried
    later, the worker goes on, and neither the reason nor the log repeats the exception's text."""
    from apprise.plugins.custom_json import NotifyJSON

    def broken_send(self, *args, **kwargs):
        raise RuntimeError(f"bug while posting to {self.url()} with token secret-token")

    monkeypatch.setattr(NotifyJSON, "send", broken_send)
    world.resident.subscribe(world.sink.url("/hook/secret-token"))
    [row] = outbox(world)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "not sent: the JSON service failed (RuntimeError)"
    assert "raised RuntimeError at" in caplog.text and "secret-token" not in caplog.text

    monkeypatch.undo()
    make_due(world)
    queue_for(world.app).run_once()
    assert [(r.status, r.attempts) for r in outbox(world)] == [("sent", 2)]
    assert len(world.sink.wait_for(1)) == 1


class Receiver:
    """A webhook receiver on 127.0.0.1 recording arrival paths; paths starting ``/slow`` answer after 3 s."""

    def __init__(self):
        self.arrivals = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.arrivals.append(self.path.partition("?")[0])
                if self.path.startswith("/slow"):
                    time.sleep(3)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiving = Receiver()
    yield receiving
    receiving.close()


def outcomes(world, subscriptions):
    with world.app.app_context():
        rows = {r.subscription_id: r for r in db_session().scalars(select(OutboxRow).where(OutboxRow.kind == "new"))}
    return [(rows[s].status, rows[s].attempts, rows[s].last_error) for s in subscriptions]


def test_messages_queued_behind_one_that_overruns_its_budget_are_sent_once(world_factory, receiver):
    """The send thread stuck on a slow receiver is given up on; a new one sends what was queued behind it,
    and the abandoned send's late answer changes nothing that was recorded."""
    world = world_factory(egress_allow=[f"127.0.0.1:{receiver.port}"], send_timeout_seconds=1)
    paths = ["/ok/0", "/slow/1", "/ok/2", "/ok/3"]
    subscriptions = [active_webhook(world, f"http://127.0.0.1:{receiver.port}{path}") for path in paths]
    receiver.arrivals.clear()  # the confirmation messages, sent at once by the immediate queue
    world.ingest(new=[world.add("Basking shark")])  # the immediate queue matches and delivers at once
    timed_out = ("pending", 1, "not sent: no answer within 1 s")
    assert outcomes(world, subscriptions) == [("sent", 1, None), timed_out, ("sent", 1, None), ("sent", 1, None)]
    assert sorted(receiver.arrivals) == sorted(paths), "each message arrived once"
    time.sleep(3)  # the abandoned send is answered at last
    assert outcomes(world, subscriptions)[1] == timed_out


def test_a_failure_to_record_stops_sending_and_the_sweeper_resends_only_what_was_unrecorded(
    world_factory, receiver, tmp_path, monkeypatch
):
    """As if the worker died: nothing more is sent once an outcome cannot be committed, and only the
    message whose outcome was lost goes twice."""
    world = world_factory(
        {"queue_url": f"sqlite:///{tmp_path / 'queue.db'}"},
        egress_allow=[f"127.0.0.1:{receiver.port}"],
        sending_timeout_seconds=60,
    )
    paths = [f"/ok/{n}" for n in range(4)]
    subscriptions = [active_webhook(world, f"http://127.0.0.1:{receiver.port}{path}") for path in paths]
    world.ingest(new=[world.add("Basking shark")])
    with world.app.app_context():
        match_pending(world.app)
    finish, calls = Recorder.finish, []

    def failing_second_time(self, token, rows, error):
        calls.append(rows[0].id)
        if len(calls) == 2:
            raise OperationalError("UPDATE", {}, Exception("disk I/O error"))
        return finish(self, token, rows, error)

    monkeypatch.setattr(Recorder, "finish", failing_second_time)
    with world.app.app_context(), pytest.raises(OperationalError):
        deliver_due(world.app)
    assert receiver.arrivals == paths[:2], "nothing was sent after the outcome that could not be recorded"
    assert [status for status, _, _ in outcomes(world, subscriptions)] == ["sent", "sending", "sending", "sending"]

    monkeypatch.undo()
    with world.app.app_context():
        db_session().execute(update(OutboxRow).values(claimed_at=datetime.now(UTC) - timedelta(minutes=2)))
        db_session().commit()
    queue_for(world.app).run_once()  # the sweeper puts the claimed rows back, and a worker sends them
    assert [status for status, _, _ in outcomes(world, subscriptions)] == ["sent"] * 4
    assert sorted(receiver.arrivals) == sorted([*paths, paths[1]]), "only the unrecorded message went twice"
