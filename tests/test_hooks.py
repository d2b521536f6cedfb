"""Every hook in civicapps.hookspecs, exercised; plus the meta-test that keeps it so.

Each hook has a ``test_hook_<name>`` here (Datasette's test_plugin_hooks_have_tests pattern).
"""
import inspect
import json
import re
import types
from pathlib import Path

import click
import click.testing
import pytest
from feeds_support import planning_app_fixture  # noqa: F401 - the planning_app fixture
from flask import Blueprint
from pydantic import Field

from civicapps import Actor, DataSource, Link, PluginSettings, current_actor, hookimpl, hookspecs, plugin_settings
from civicapps.testing import CivicRunner

HOOKS = sorted(
    name for name, value in vars(hookspecs).items() if inspect.isfunction(value) and hasattr(value, "civicapps_spec")
)


def plugin(**hooks):
    module = types.ModuleType("example_plugin")
    for name, func in hooks.items():
        setattr(module, name, hookimpl(func) if not hasattr(func, "civicapps_impl") else func)
    return module


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    assert f"test_hook_{hook}" in globals(), f"add test_hook_{hook} to tests/test_hooks.py"


def test_hookspecs_are_typed_and_documented():
    for name in HOOKS:
        spec = getattr(hookspecs, name)
        assert inspect.getdoc(spec), f"{name} needs a docstring: it is the contract"
        assert "return" in inspect.signature(spec).__str__() or spec.__annotations__.get("return"), name
        assert len(inspect.signature(spec).parameters) <= 3, f"{name}: keep hooks to three arguments or fewer"


def test_hook_register_settings(civic_app_factory):
    class Settings(PluginSettings):
        greeting: str = Field(default="Hello", min_length=1)

    app = civic_app_factory(
        plugins=[("greeter", plugin(register_settings=lambda: Settings))],
        config={"plugins": {"greeter": {"greeting": "Moghrey mie"}}},
    )
    with app.app_context():
        assert plugin_settings("greeter").greeting == "Moghrey mie"


def test_hook_register_models(civic_app_factory):
    from sqlalchemy.orm import Mapped, mapped_column

    from civicapps import Model

    class Bench(Model):
        __tablename__ = "benches_bench"
        id: Mapped[int] = mapped_column(primary_key=True)

    try:
        app = civic_app_factory(plugins=[("benches", plugin(register_models=lambda: [Bench]))])
        assert app.extensions["civicapps"].registry.plugins["benches"].hooks == ["register_models"]
    finally:
        Model.metadata.remove(Bench.__table__)


def test_hook_register_migrations(civic_app_factory, tmp_path):
    (tmp_path / "0001.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\nrevision = 'benches_0001'\ndown_revision = None\n"
        "branch_labels = ('benches',)\ndepends_on = None\n\n"
        "def upgrade():\n    op.create_table('benches_bench', sa.Column('id', sa.Integer, primary_key=True))\n\n"
        "def downgrade():\n    op.drop_table('benches_bench')\n"
    )
    app = civic_app_factory(plugins=[("benches", plugin(register_migrations=lambda: tmp_path))])
    from sqlalchemy import inspect as sa_inspect

    assert "benches_bench" in sa_inspect(app.extensions["civicapps"].db.engine).get_table_names()


def test_hook_register_blueprint(civic_app_factory):
    bp = Blueprint("whatever", __name__)
    bp.add_url_rule("/", "index", lambda: "benches page")
    client = civic_app_factory(plugins=[("benches", plugin(register_blueprint=lambda app: bp))]).test_client()
    assert client.get("/benches/").text == "benches page"


def test_hook_register_commands(civic_app_factory):
    @click.command()
    def count():
        """Count benches."""
        click.echo("3 benches")

    runner = CivicRunner(civic_app_factory(plugins=[("benches", plugin(register_commands=lambda: [count]))]))
    assert runner.invoke(["benches", "count"]).output == "3 benches\n"


def test_hook_load_demo_data(civic_app_factory, monkeypatch, tmp_path):
    loaded = []
    app = civic_app_factory(plugins=[("benches", plugin(load_demo_data=lambda app: loaded.append(app.name)))])
    monkeypatch.setenv("CIVICAPPS_INSTANCE_PATH", str(tmp_path / "demo"))
    result = CivicRunner(app).invoke(["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert loaded == ["civicapps"] and "sample data: benches loaded" in result.output


def test_hook_demo_settings(monkeypatch, tmp_path):
    """What an installed plugin's demo_settings returns is in the app civicapps demo builds, and only there."""
    from flask.cli import ScriptInfo

    from civicapps.cli import _app_for_command, cli

    benches = plugin(demo_settings=lambda: {"council": {"name": "Bench Town (demo)"}, "instance_path": "/nowhere"})

    class EntryPoint:
        name, value, dist = "benches", "benches", None

        def load(self):
            return benches

    monkeypatch.setattr("civicapps.plugins.metadata.entry_points", lambda group: [EntryPoint()])
    monkeypatch.delenv("CIVICAPPS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    info = ScriptInfo(create_app=_app_for_command)
    result = click.testing.CliRunner().invoke(cli, ["demo", "--no-serve", "--instance", "demo"], obj=info)
    assert result.exit_code == 0, result.output
    app = info.load_app()
    assert app.extensions["civicapps"].settings.council.name == "Bench Town (demo)"
    assert app.instance_path == str(tmp_path / "demo"), "the demo's own choices win"
    assert _app_for_command().extensions["civicapps"].settings.council.name != "Bench Town (demo)"


def test_hook_menu_links(civic_app_factory):
    def links(actor):
        staff = [Link("Bench repairs", "/benches/repairs")] if actor else []
        return [Link("Benches", "/benches/", "Find a bench"), *staff]

    client = civic_app_factory(plugins=[("benches", plugin(menu_links=links))]).test_client()
    page = client.get("/").text
    assert re.search(r'<a class="govuk-service-navigation__link" href="/benches/">\s*Benches\s*</a>', page)
    assert "Find a bench" in page and "Bench repairs" not in page


def test_hook_register_data_sources(civic_app_factory):
    bench_data = DataSource(
        "Benches: Example Council", "Open Government Licence v3.0", "Contains public sector information."
    )
    benches = plugin(register_data_sources=lambda app: [bench_data, bench_data])
    client = civic_app_factory(plugins=[("benches", benches)]).test_client()
    page = client.get("/about").text
    assert page.count("Benches: Example Council") == 1, "listed once"
    assert ">Licence: Open Government Licence v3.0</p>" in page
    assert ">Contains public sector information.</p>" in page
    assert 'href="/about"' in client.get("/").text, "every page links to the credits"


@pytest.mark.parametrize("sso_first", [True, False], ids=["sso-registered-first", "sso-registered-last"])
def test_hook_actor_from_request(civic_app_factory, sso_first):
    """A single sign-on plugin replaces the core's password login whatever the registration order."""

    def from_header(request):
        name = request.headers.get("X-Council-SSO")
        return Actor(id=name, name=name, role="staff") if name else None

    bp = Blueprint("x", __name__)
    bp.add_url_rule("/", "who", lambda: current_actor().name if current_actor() else "nobody")
    sso = ("sso", plugin(actor_from_request=from_header))
    page = ("page", plugin(register_blueprint=lambda app: bp))
    client = civic_app_factory(plugins=[sso, page] if sso_first else [page, sso]).test_client()
    assert client.get("/page/", headers={"X-Council-SSO": "Jo Clerk"}).text == "Jo Clerk"
    assert client.get("/page/").text == "nobody", "None falls through to the core default (no session: nobody)"


def test_hook_on_records_ingested(civic_app_factory, caplog):
    from civicapps.events import RecordsIngested, announce_records_ingested

    seen = []

    def broken(event):
        raise RuntimeError("listener bug")

    app = civic_app_factory(
        plugins=[
            ("first", plugin(on_records_ingested=broken)),
            ("second", plugin(on_records_ingested=lambda app, event: seen.append((app.name, event)))),
        ]
    )
    event = RecordsIngested("planning_alerts.application", "iom-weekly", new=(1, 2), changed=(3,))
    announce_records_ingested(app, event)
    assert seen == [("civicapps", event)], "a failing listener must not stop the others"
    assert "Plugin 'first' failed handling records ingested into planning_alerts.application" in caplog.text


def test_hook_register_translations(civic_app_factory, tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from flask import render_template_string

    from civicapps import gettext

    welsh = Catalog(locale="cy", domain="example_plugin")
    welsh.add("Notice board", "Hysbysfwrdd")
    welsh.add("Continue", "Ymlaen")  # the core translates this too, and the core's wins
    (tmp_path / "cy/LC_MESSAGES").mkdir(parents=True)
    with (tmp_path / "cy/LC_MESSAGES/example_plugin.mo").open("wb") as fh:
        write_mo(fh, welsh)
    bp = Blueprint("notices", __name__)
    bp.get("/")(
        lambda: render_template_string(
            '<h1>{{ _("Notice board") }}</h1><p>{{ _("Continue") }}</p><p>{{ said }}</p>', said=gettext("Notice board")
        )
    )
    app = civic_app_factory(
        plugins=[("notices", plugin(register_translations=lambda: tmp_path, register_blueprint=lambda app: bp))]
    )
    client = app.test_client()
    assert client.get("/notices/?lang=cy").text == "<h1>Hysbysfwrdd</h1><p>Parhau</p><p>Hysbysfwrdd</p>"
    assert client.get("/notices/?lang=en").text == "<h1>Notice board</h1><p>Continue</p><p>Notice board</p>"


def test_docs_cover_every_hook_with_its_exact_signature():
    docs = (Path(__file__).parent.parent / "docs" / "plugins.md").read_text()
    for name in HOOKS:
        args = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"### {name}({args})" in docs, f"docs/plugins.md needs a '### {name}({args})' section"


def test_hook_register_datasets(civic_app_factory):
    import datetime as dt

    from sqlalchemy import Text
    from sqlalchemy.orm import Mapped, mapped_column

    from civicapps import Dataset, Model, Record

    class Plaque(Model, Record):
        __tablename__ = "plaques_plaque"
        inscription: Mapped[str] = mapped_column(Text)
        installed: Mapped[dt.date | None]

    try:
        app = civic_app_factory(plugins=[("plaques", plugin(register_datasets=lambda: [Dataset("plaque", Plaque)]))])
        dataset = app.extensions["civicapps_feeds"].datasets["plaques.plaque"]
        assert {name: (spec.python_type, spec.required) for name, spec in dataset.fields.items()} == {
            "authority": (str, True),
            "reference": (str, True),
            "inscription": (str, True),
            "installed": (dt.date, False),
        }
    finally:
        Model.metadata.remove(Plaque.__table__)


def test_hook_register_feeds(planning_app, tmp_path):
    from feeds_support import records

    from civicapps import Feed
    from civicapps.feeds import pull_feed

    (tmp_path / "benches.csv").write_text("id,text\nB1,In memory of Nan\n")
    feed = Feed(
        name="plugin-feed",
        dataset="planning.application",
        url=str(tmp_path / "benches.csv"),
        format="csv",
        interval="12h",
        authority="Parks",
        mapping={"reference": "id", "description": "text"},
    )
    app = planning_app(plugins=[("shipper", plugin(register_feeds=lambda app: [feed]))])
    assert pull_feed(app, "plugin-feed").new == 1
    assert records(app)[("Parks", "B1")].description == "In memory of Nan"


def test_hook_register_readers(planning_app, civic_app_factory, tmp_path):
    from feeds_support import records

    from civicapps import RawRecord, Reader, ReaderError, StartupError
    from civicapps.feeds import pull_feed

    class KeyValueReader(Reader):
        """Lines of ``reference=description``."""

        format = "kv"

        def parse(self, data, options):
            for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
                if "=" not in line:
                    raise ReaderError(f"line {number} has no '='")
                ref, text = line.split("=", 1)
                yield RawRecord(number, {"ref": ref, "text": text})

    (tmp_path / "list.kv").write_text("K1=New bus shelter\n")
    feed = {
        "dataset": "planning.application",
        "format": "kv",
        "url": str(tmp_path / "list.kv"),
        "authority": "T",
        "mapping": {"reference": "ref", "description": "text"},
    }
    app = planning_app(feeds={"kv": feed}, plugins=[("kv", plugin(register_readers=lambda: [KeyValueReader()]))])
    assert pull_feed(app, "kv").new == 1 and records(app)[("T", "K1")].description == "New bus shelter"
    (tmp_path / "list.kv").write_text("garbage\n")
    assert pull_feed(app, "kv").error == "line 1 has no '='"
    with pytest.raises(StartupError, match="Two plugins register a reader for format 'kv': 'kv' and 'kv2'"):
        civic_app_factory(
            plugins=[
                ("kv", plugin(register_readers=lambda: [KeyValueReader()])),
                ("kv2", plugin(register_readers=lambda: [KeyValueReader()])),
            ]
        )


def test_hook_geocode(civic_app_factory):
    from civicapps import Location
    from civicapps.geo.geocoding import geocode

    def by_address(query):
        return Location(54.15, -4.48, "council-gazetteer") if "Town Hall" in query else None

    app = civic_app_factory(
        plugins=[("gazetteer", plugin(geocode=by_address))], config={"plugins": {"geo": {"postcodes_io_url": None}}}
    )
    assert geocode(app, "Town Hall, Douglas") == Location(54.15, -4.48, "council-gazetteer")
    unknown = geocode(app, "1 Nowhere Lane")
    assert unknown is None, "None falls through to the core's postcode lookup, which knows nothing here"
    assert "geocode" in app.extensions["civicapps"].registry.plugins["geo"].hooks


def test_hook_register_topics(civic_app_factory):
    from civicapps import Item, StartupError, Topic

    def load(app, ids):
        return [Item(i, f"Bench {i}", lon=-4.48, lat=54.15) for i in ids]

    topics = [Topic("broken", "Broken benches", "benches.bench", load)]
    app = civic_app_factory(plugins=[("benches", plugin(register_topics=lambda app: topics))])
    assert list(app.extensions["civicapps"].topics) == ["benches.broken"]
    assert app.test_client().get("/alerts/api/topics").json == [
        {"name": "benches.broken", "title": "Broken benches", "description": "", "matcher": "area", "events": ["new"]}
    ]
    nearby = [Topic("broken", "B", "benches.bench", load, matcher="nearby")]
    refusal = "Plugin 'benches': topic 'broken' has matcher 'nearby'; expected one of area, key"
    with pytest.raises(StartupError, match=refusal):
        civic_app_factory(plugins=[("benches", plugin(register_topics=lambda app: nearby))])


def test_hook_register_apps(civic_app_factory):
    from civicapps import ConfiguredApp, Item, StartupError, Topic, app_enabled

    topics = [Topic("near", "Benches near you", "benches.bench", lambda app, ids: [Item(i, "Bench") for i in ids])]
    apps = [ConfiguredApp("parks", "Park benches", "Benches in the parks.", topics=("near",))]
    hooks = plugin(register_topics=lambda app: topics, register_apps=lambda app: apps)
    app = civic_app_factory(plugins=[("benches", hooks)], config={"queue_url": "immediate:"})
    runner = CivicRunner(app)
    listed = {entry["name"]: entry for entry in json.loads(runner.invoke(["apps", "list", "--json"]).output)}
    assert listed["benches.parks"]["source"] == "configured" and listed["benches.parks"]["enabled"] is True
    assert listed["benches.parks"]["description"] == "Park benches: Benches in the parks."
    assert [t["name"] for t in app.test_client().get("/alerts/api/topics").json] == ["benches.near"]
    assert runner.invoke(["apps", "disable", "benches.parks"]).exit_code == 0
    assert app.test_client().get("/alerts/api/topics").json == [], "its topics are not offered while it is off"
    with app.test_request_context("/"):
        assert not app_enabled("benches.parks") and app_enabled("benches"), "the plugin itself stays on"
    unknown = [ConfiguredApp("parks", "Park benches", topics=("far",))]
    with pytest.raises(StartupError, match=r"app 'parks' names unknown topic\(s\) \['far'\]"):
        bad = plugin(register_topics=lambda app: topics, register_apps=lambda app: unknown)
        civic_app_factory(plugins=[("benches", bad)])


def test_hook_register_jobs(civic_app_factory):
    from civicapps import Job, StartupError, enqueue_job

    ran = []
    jobs = [
        Job("count", lambda app, n=0: ran.append(("count", n))),
        Job("nightly", lambda app: ran.append("nightly"), cron="0 3 * * *"),
    ]
    app = civic_app_factory(
        plugins=[("benches", plugin(register_jobs=lambda app: jobs))], config={"queue_url": "immediate:"}
    )
    with app.app_context():
        enqueue_job("benches.count", n=3)
    assert ran == [("count", 3)]
    result = CivicRunner(app).invoke(["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "benches.nightly: ok" in result.output and ran[-1] == "nightly", "--once runs every periodic job"
    bad = [Job("nightly", lambda app: None, cron="at three")]
    with pytest.raises(StartupError, match="job 'nightly' has a bad cron schedule: expected five fields"):
        civic_app_factory(plugins=[("benches", plugin(register_jobs=lambda app: bad))])


def test_hook_render_notification(world_factory, civic_app_factory):
    from civicapps import Message

    def shout(notification, channel):
        if notification.kind == "confirm":
            return Message(
                f"CONFIRM ({channel.format})",
                f"{notification.code} {notification.confirm_url} {notification.unsubscribe_url}",
            )
        return None  # everything else: the core's templates

    world = world_factory()
    world.app.extensions["civicapps"].registry.pm.register(plugin(render_notification=shout), name="shouter")
    world.resident.subscribe(world.sink.url())
    [message] = world.sink.wait_for(1)
    assert message["body"]["title"] == "CONFIRM (text)"
    assert "/alerts/confirm/" in message["body"]["message"] and "/alerts/unsubscribe/" in message["body"]["message"]
