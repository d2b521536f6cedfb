"""`civicapps notify test|status` and `civicapps worker --once`: real sends, one-line errors, no secrets shown."""
import json

import click
import pytest

from civicapps.notify.commands import notify
from civicapps.testing import CivicRunner


@pytest.fixture
def runner(world):
    return CivicRunner(world.app)


def test_notify_test_sends_through_the_delivery_path(world, runner):
    result = runner.invoke(
        ["notify", "test", f"json://user:hunter2@127.0.0.1:{world.sink.port}/ops", "--title", "Hello ops"]
    )
    assert result.exit_code == 0, result.output
    assert (
        result.output
        == f"Sent a test message to json://user:****@127.0.0.1:{world.sink.port}/ops?method=POST&overflow=upstream&retry=0&wait=0.5&optional=no\n"
    )
    [message] = world.sink.wait_for(1)
    assert message["path"] == "/ops" and message["body"]["title"] == "Hello ops"


@pytest.mark.parametrize(
    "url, reason",
    [
        (
            "json://169.254.169.254/latest/meta-data",
            "destination 169.254.169.254 is a link-local address (such as a cloud metadata service)",
        ),
        (
            "mailtos://alerts:hunter2@localhost:2525?to=a@example.org",
            "destination 127.0.0.1 is a loopback address (this machine)",
        ),
        ("form://10.1.2.3:6379/", "not sent: 'form://' addresses are not enabled here"),
        ("json://", "not sent: the notification URL is not valid"),
    ],
)
def test_notify_test_refusals_are_one_line_without_secrets(world, runner, url, reason):
    result = runner.invoke(["notify", "test", url])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Not sent to ") and reason in result.output
    assert (
        len(result.output.strip().splitlines()) == 1
        and "hunter2" not in result.output
        and "Traceback" not in result.output
    )


def test_notify_status_and_worker_once(world, runner):
    world.resident.subscribe(world.sink.url("/fail"))
    once = runner.invoke(["worker", "--once"])
    assert once.exit_code == 0, once.output
    assert once.output.splitlines() == [
        "  feeds.pull_due: ok",
        "  notify.match: ok",
        "  notify.sweep: ok",
        "  notify.expire: ok",
        "  queued jobs run: 0",
    ]
    text = runner.invoke(["notify", "status"])
    assert text.exit_code == 0, text.output
    assert "Topics: sightings.near, sightings.changes" in text.output
    assert "Subscriptions to sightings.near: 1 pending" in text.output
    assert "Deliveries by webhook: 1 pending, 0 sending, 0 sent, 0 failed, 0 cancelled" in text.output
    figures = json.loads(runner.invoke(["notify", "status", "--json"]).output)
    assert figures["deliveries"] == {"webhook": {"pending": 1, "sending": 0, "sent": 0, "failed": 0, "cancelled": 0}}
    assert figures["queued_jobs"] == 0 and figures["failures"] == []


@pytest.mark.parametrize("command", notify.commands.values(), ids=lambda c: c.name)
def test_notify_commands_have_complete_help(runner, command):
    result = runner.invoke(["notify", command.name, "--help"])
    assert result.exit_code == 0 and len(command.help.strip()) > 20
    assert all(p.help for p in command.params if isinstance(p, click.Option))
