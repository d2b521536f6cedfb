"""What residents write reaches subscribers as text: no links, images or markup of theirs in any channel.

A report's title is anyone's to write. Each message is delivered for real by apprise to a local
sink (ntfy's Markdown, email's HTML, a webhook's plain text) and then read as each app would read
it: the Markdown through Python-Markdown (what apprise itself uses for Telegram's HTML).
"""

import re
from html.parser import HTMLParser

import markdown
from conftest import DOUGLAS

from civicapps.notify.escaping import escape_markdown, own_link
from civicapps.notify.settings import SAFE_SCHEMES

EVIL_TITLE = (
    "Pothole](https://evil.example/phish) **URGENT** [re-confirm here](https://evil.example/login) "
    "![](https://evil.example/t.png) <img src=https://evil.example/i.png> <a href=https://evil.example/a>x</a>"
)
EVIL_LINES = "Deep one\n# Re-confirm now\n> quoted\n1. list\n- item\n[x]: https://evil.example/ref"


class Links(HTMLParser):
    """Every URL an HTML document would follow or load (href and src)."""

    def __init__(self, html):
        super().__init__()
        self.urls = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("href", "src") and value]


def followed(markdown_text):
    return Links(markdown.markdown(markdown_text)).urls


def _ntfy_world(world_factory, sink):
    return world_factory(
        channels=["ntfy", "webhook"],
        ntfy_server=f"http://127.0.0.1:{sink.port}",
        allowed_schemes=[*SAFE_SCHEMES, "json", "ntfy"],
    )


def test_markdown_alerts_to_ntfy_carry_no_links_or_images_from_residents(world_factory, civic_notification_sink):
    world = _ntfy_world(world_factory, civic_notification_sink)
    world.resident.subscribe("street-alerts", channel="ntfy")
    [confirmation] = civic_notification_sink.wait_for(1)
    confirm_url = re.search(
        r"\((http://127\.0\.0\.1:5000/alerts/confirm/[^)]+)\)", confirmation["body"]["message"]
    ).group(1)
    world.resident.press_button(confirm_url)
    world.ingest(new=[world.add(EVIL_TITLE, ref="pothole")])
    alert = civic_notification_sink.wait_for(2)[1]
    assert alert["body"]["topic"] == "street-alerts"
    body = alert["body"]["message"]
    urls = followed(body)
    assert urls and all(u.startswith("http://127.0.0.1:5000/") for u in urls), urls
    assert not any("evil" in u for u in urls)
    rendered = markdown.markdown(body)
    assert "<strong>URGENT</strong>" not in rendered and "<img" not in rendered
    assert "re-confirm here" in rendered, "the words stay, as text"
    assert not any("evil" in u for u in followed(alert["body"]["title"])), "titles are Markdown in some apps"


def test_line_syntax_from_residents_stays_text(world_factory, civic_notification_sink):
    world = _ntfy_world(world_factory, civic_notification_sink)
    world.resident.subscribe("street-alerts", channel="ntfy")
    [confirmation] = civic_notification_sink.wait_for(1)
    world.resident.press_button(
        re.search(r"\((http://[^)]+/alerts/confirm/[^)]+)\)", confirmation["body"]["message"]).group(1)
    )
    world.ingest(new=[world.add(EVIL_LINES, ref="pothole")])
    rendered = markdown.markdown(civic_notification_sink.wait_for(2)[1]["body"]["message"])
    for tag in ("<h1", "<blockquote", "<ol", "<li"):
        assert tag not in rendered, (tag, rendered)
    assert not any("evil" in u for u in Links(rendered).urls)


def test_email_alerts_escape_html_and_link_only_here(world_factory, civic_mail_sink):
    world = world_factory(
        channels=["email", "webhook"],
        mail_url=civic_mail_sink.url(),
        egress_allow=[f"127.0.0.1:{civic_mail_sink.port}"],
    )
    world.resident.subscribe("jo@example.org", channel="email")
    [confirmation] = civic_mail_sink.wait_for(1)
    html = next(p for p in confirmation.walk() if p.get_content_type() == "text/html").get_payload(decode=True)
    world.resident.press_button(
        re.search(r'href="(http://127\.0\.0\.1:5000/alerts/confirm/[^"]+)"', html.decode()).group(1)
    )
    title = "Fish & chips [re-confirm](https://evil.example/a) <img src=https://evil.example/i.png>"
    world.ingest(new=[world.add(title, ref="pothole")])
    mail = civic_mail_sink.wait_for(2)[1]
    assert mail["Subject"] == "Sightings near you: " + title, "a subject is text, not entities"
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    urls = Links(html).urls
    assert urls and not any("evil" in u for u in urls), urls
    assert "&lt;img src=https://evil.example/i.png&gt;" in html


def test_webhooks_get_the_words_as_they_were_written(world):
    world.resident.subscribe(world.sink.url())
    world.resident.press_button(world.link(world.sink.wait_for(1)[0], "open this link"))
    world.ingest(new=[world.add("Pothole [big] **now**\x07", lat=DOUGLAS[0], lon=DOUGLAS[1])])
    alert = world.sink.wait_for(2)[1]["body"]
    assert alert["title"] == "Sightings near you: Pothole [big] **now**", "plain text: nothing to escape but controls"


def test_links_point_only_into_the_deployment():
    base = "https://alerts.example.gov.uk/council"
    assert own_link("https://alerts.example.gov.uk/council/r/1?a=1&b=(2)", base) == (
        "https://alerts.example.gov.uk/council/r/1?a=1&b=%282%29"
    )
    assert own_link("https://alerts.example.gov.uk/council/r/1?a=1&b=2", base, html=True) == (
        "https://alerts.example.gov.uk/council/r/1?a=1&amp;b=2"
    )
    for foreign in (
        "https://evil.example/council/x",
        "https://alerts.example.gov.uk/councilx/y",
        "https://alerts.example.gov.uk.evil.example/council/",
        "http://alerts.example.gov.uk/council/x",
        "javascript:alert(1)",
        None,
    ):
        assert own_link(foreign, base) == "", foreign


def test_markdown_escaping_keeps_ordinary_text_readable():
    assert escape_markdown("Deep pothole (30 cm) outside no. 12 - please fix") == (
        "Deep pothole (30 cm) outside no. 12 - please fix"
    )
    assert escape_markdown("a_b *c* [d](e)") == r"a\_b \*c\* \[d\](e)"
