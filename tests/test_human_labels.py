"""Residents read what they follow in words, never as an internal id, on every page and in every message.

The demo (every bundled plugin with its sample data, messages delivered through apprise to the
development inbox) is walked as a resident: every page reachable from the home page, then following
a planning application and a street report through subscribe, confirm, confirmed, manage and stop,
and the messages that arrive. Nowhere may "about 8" stand for an item that has a reference or title.
"""

import re
import threading
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import free_port
from sqlalchemy import select
from werkzeug.serving import make_server

from civicapps import RecordsIngested, announce_records_ingested, db_session
from civicapps.notify.models import InboxMessage

#: An id where words belong: "about 8", "Alerts about 11 How should...", "about #4.", "about item 4"
#: (but not "about 30 cm across": a number followed by more words of the sentence).
ID_IN_WORDS = re.compile(r"\b[Aa]bout\s+(?:item\s+)?#?\d+(?=\s*(?:$|[.,;:!?)\"\u201d(\u00b7]|\s[A-Z]))")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def visible_text(html):
    """The words a page shows (scripts, styles and tags dropped)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def demo(civic_app_factory):
    port = free_port()
    app = civic_app_factory(
        load_entrypoints=True,
        config={
            "base_url": f"http://127.0.0.1:{port}",
            "queue_url": "immediate:",
            "plugins": {
                "notify": {"dev_inbox": True, "egress_allow": [f"127.0.0.1:{port}"], "channels": ["ntfy", "webhook"]}
            },
        },
    )
    with app.app_context():
        app.extensions["civicapps"].registry.call_each("load_demo_data", app=app)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield app
    server.shutdown()
    thread.join(timeout=5)


class Walk:
    """A resident's browser (the test client) that keeps the text of every page it saw."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.seen = {}

    def get(self, path):
        page = self.client.get(path)
        assert page.status_code < 500, (path, page.status_code)
        if page.mimetype == "text/html":
            self.seen[path] = visible_text(page.text)
        return page

    def post(self, path, data, form_page=None):
        """Send the form on ``form_page`` (default: ``path`` itself) to ``path``."""
        data = {**data, "csrf_token": CSRF.search(self.get(form_page or path).text).group(1)}
        page = self.client.post(path, data=data)
        assert page.status_code < 500, (path, page.status_code)
        if page.mimetype == "text/html":
            self.seen[path + " (sent)"] = visible_text(page.text)
        return page

    def crawl(self, start="/", limit=250):
        queue, done = [start], set()
        while queue and len(done) < limit:
            path = queue.pop(0)
            if path in done:
                continue
            done.add(path)
            page = self.get(path)
            if page.mimetype != "text/html":
                continue
            for href in re.findall(r'href="([^"#]+)', page.text):
                url = urlsplit(urljoin("http://localhost" + path, unescape(href)))
                if url.netloc == "localhost" and "/static/" not in url.path and not url.path.startswith("/-/"):
                    queue.append(url.path + (f"?{url.query}" if url.query else ""))

    def messages(self):
        with self.app.app_context():
            return [(m.title, m.body) for m in db_session().scalars(select(InboxMessage).order_by(InboxMessage.id))]

    def link_in_last_message(self, words):
        body = self.messages()[-1][1]
        return urlsplit(re.search(rf"{words}\]?\(?:?\s*(https?://[^\s)]+)", body).group(1)).path


def follow(walk, form_page, post_to, data, label):
    """Subscribe, confirm from the message, and look at every page on the way; returns the manage page."""
    confirm_code = walk.post(post_to, data, form_page)
    assert confirm_code.status_code == 302, walk.seen.get(post_to + " (sent)")
    walk.get(confirm_code.location)
    confirm_link = walk.link_in_last_message("Confirm your alerts")
    assert label in walk.get(confirm_link).text.replace("&#34;", '"')
    done = walk.post(confirm_link, {})
    assert "Your alerts are on" in done.text and label in unescape(done.text)
    manage = walk.link_in_last_message("Manage your alerts")
    assert label in unescape(walk.get(manage).text)
    walk.get(walk.link_in_last_message("Stop these alerts"))


def test_no_page_or_message_names_a_followed_item_by_its_id(demo):
    from civicapps_planning_alerts.models import Application
    from civicapps_street_reports.models import Report

    walk = Walk(demo)
    walk.crawl()
    assert len(walk.seen) > 20, sorted(walk.seen)

    with demo.app_context():
        application = db_session().scalars(select(Application).order_by(Application.id)).first()
        report = db_session().scalars(select(Report).where(Report.status == "open").order_by(Report.id)).first()
        application_id, reference, report_id, title = application.id, application.reference, report.id, report.title
    page = f"/planning-alerts/applications/{application_id}"
    walk.get(page)
    follow(
        walk,
        page,
        f"{page}/follow",
        {"channel": "ntfy", "target": "planning-follower", "frequency": "instant"},
        f"application {reference}",
    )
    subscribe = f"/alerts/subscribe?topic=street_reports.updates&key={report_id}"
    assert title in unescape(walk.get(subscribe).text)
    follow(
        walk,
        subscribe,
        subscribe,
        {
            "topic": "street_reports.updates",
            "key": str(report_id),
            "channel": "ntfy",
            "target": "report-follower",
            "frequency": "instant",
        },
        title,
    )

    # A change to the followed application reaches its follower, footer and all.
    walk.post(f"{page}/follow", {"channel": "ntfy", "target": "still-following", "frequency": "instant"}, page)
    walk.post(walk.link_in_last_message("Confirm your alerts"), {})
    with demo.app_context():
        changed = db_session().get(Application, application_id)
        changed.status = "Decided: approved"
        changed.version = (changed.version or 1) + 1
        db_session().commit()
    announce_records_ingested(demo, RecordsIngested("planning_alerts.application", "demo", (), (application_id,)))
    titles = [t for t, _ in walk.messages()]
    assert any(reference in t for t in titles[-1:]), titles

    for path, text in walk.seen.items():
        assert not ID_IN_WORDS.search(text), (path, ID_IN_WORDS.search(text).group(0), text[:300])
    for message_title, body in walk.messages():
        for text in (message_title, body):
            assert not ID_IN_WORDS.search(text), (message_title, ID_IN_WORDS.search(text).group(0), body)
    assert any(f"about application {reference}" in body for _, body in walk.messages())
    assert any(f"about the report “{title}”" in body for _, body in walk.messages())


def test_alerts_page_never_links_to_a_form_that_cannot_be_filled_in(demo):
    walk = Walk(demo)
    index = walk.get("/alerts/")
    for href in re.findall(r'href="(/alerts/subscribe[^"]*)"', index.text):
        page = walk.get(unescape(href))
        assert page.status_code == 200 and CSRF.search(page.text), href
    follow_without_item = walk.get("/alerts/subscribe?topic=planning_alerts.follow")
    assert "open its page" in follow_without_item.text or "open the page" in follow_without_item.text
    assert "Say which item" not in follow_without_item.text
    assert "Changes to a planning application" in visible_text(index.text)


def test_following_an_item_that_does_not_exist_is_refused_in_words(demo):
    walk = Walk(demo)
    page = "/alerts/subscribe?topic=street_reports.updates&key=987654"
    sent = walk.post(
        page,
        {"topic": "street_reports.updates", "key": "987654", "channel": "ntfy", "target": "x-follower"},
    )
    assert sent.status_code == 422 and "We could not find that item" in sent.text


def test_a_label_belongs_to_topics_about_one_item(civic_app_factory):
    from civicapps import Topic, hookimpl
    from civicapps.errors import StartupError

    class Labelled:
        @hookimpl
        def register_topics(self, app):
            return [Topic("near", "Near", "labelled.thing", lambda app, ids: [], label=lambda app, key: key)]

    with pytest.raises(StartupError, match="label names the items of key topics"):
        civic_app_factory(plugins=[("labelled", Labelled())], migrate=False)
