"""create_app(): plugin loading, identity, and loud failures at startup."""
import types

import pytest
from flask import Blueprint

from civicapps import Model, StartupError, create_app, hookimpl
from civicapps.plugins import PluginRegistry, load_plugins


def make_plugin(**hooks):
    """A plugin module whose hook implementations are the given functions."""
    module = types.ModuleType("test_plugin")
    for name, func in hooks.items():
        setattr(module, name, hookimpl(func))
    return module


def test_core_is_a_plugin_on_the_public_hooks(civic_app):
    plugins = civic_app.extensions["civicapps"].registry.plugins
    assert list(plugins) == ["core", "feeds", "geo", "jobs", "notify"]
    assert {"register_blueprint", "register_migrations", "actor_from_request"} <= set(plugins["core"].hooks)
    assert {"register_readers", "register_migrations"} <= set(plugins["feeds"].hooks)
    assert "geocode" in plugins["geo"].hooks
    assert {"register_jobs", "on_records_ingested", "render_notification"} <= set(plugins["notify"].hooks)


def test_explicit_plugin_is_mounted_under_its_kebab_name(civic_app_factory):
    bp = Blueprint("anything", __name__)
    bp.add_url_rule("/", "index", lambda: "hello from a plugin")
    app = civic_app_factory(plugins=[("tree_survey", make_plugin(register_blueprint=lambda app: bp))])
    with app.test_request_context():
        from flask import url_for

        assert url_for("tree_survey.index") == "/tree-survey/"
    assert app.test_client().get("/tree-survey/").text == "hello from a plugin"


def test_misspelled_hook_stops_startup_with_a_suggestion(tmp_path):
    plugin = make_plugin(register_blueprints=lambda app: None)
    refusal = r"Plugin 'typo' implements unknown hook 'register_blueprints'; did you mean 'register_blueprint'\?"
    with pytest.raises(StartupError, match=refusal):
        create_app({"instance_path": str(tmp_path)}, plugins=[("typo", plugin)], load_entrypoints=False)


def test_hook_with_an_argument_the_spec_lacks_is_refused(tmp_path):
    plugin = make_plugin(register_blueprint=lambda app, colour: None)
    with pytest.raises(StartupError, match="Plugin 'odd' .* cannot be registered: .*colour"):
        create_app({"instance_path": str(tmp_path)}, plugins=[("odd", plugin)], load_entrypoints=False)


def test_two_plugins_with_one_name_stop_startup_naming_both(tmp_path):
    first, second = make_plugin(), make_plugin()
    first.__name__, second.__name__ = "pkg_one", "pkg_two"
    with pytest.raises(StartupError, match="Two plugins are named 'alerts': module pkg_one and module pkg_two"):
        create_app(
            {"instance_path": str(tmp_path)}, plugins=[("alerts", first), ("alerts", second)], load_entrypoints=False
        )


def test_duplicate_entry_points_name_both_distributions(monkeypatch):
    class FakeDist:
        def __init__(self, name):
            self.name, self.version = name, "1.0"

    class FakeEntryPoint:
        def __init__(self, dist):
            self.name, self.value, self.dist = "planning_alerts", f"{dist}_pkg", FakeDist(dist)

        def load(self):
            return types.ModuleType(self.value)

    monkeypatch.setattr(
        "civicapps.plugins.metadata.entry_points",
        lambda group: [FakeEntryPoint("civicapps-planning-alerts"), FakeEntryPoint("acme-planning")],
    )
    with pytest.raises(StartupError) as excinfo:
        load_plugins(PluginRegistry(), None, load_entrypoints=True)
    message = str(excinfo.value)
    assert "Two plugins are named 'planning_alerts'" in message
    assert "distribution 'acme-planning'" in message and "distribution 'civicapps-planning-alerts'" in message


def test_plugin_may_not_take_a_core_name(tmp_path):
    with pytest.raises(StartupError, match="Two plugins are named 'core'"):
        create_app({"instance_path": str(tmp_path)}, plugins=[("core", make_plugin())], load_entrypoints=False)


def test_plugin_names_must_be_snake_case(tmp_path):
    with pytest.raises(StartupError, match="must be snake_case"):
        create_app({"instance_path": str(tmp_path)}, plugins=[("Tree-Survey", make_plugin())], load_entrypoints=False)


def test_disabled_plugins_are_not_loaded(civic_app_factory):
    app = civic_app_factory(plugins=[("tree_survey", make_plugin())], config={"disabled_plugins": ["tree_survey"]})
    assert "tree_survey" not in app.extensions["civicapps"].registry.plugins


def test_table_outside_the_plugin_prefix_is_refused(tmp_path):
    class Stray(Model):
        __tablename__ = "stray_things"
        from sqlalchemy.orm import Mapped, mapped_column

        id: Mapped[int] = mapped_column(primary_key=True)

    plugin = make_plugin(register_models=lambda: [Stray])
    with pytest.raises(StartupError, match="table 'stray_things' of model Stray must be named 'tree_survey_...'"):
        create_app({"instance_path": str(tmp_path)}, plugins=[("tree_survey", plugin)], load_entrypoints=False)
    Model.metadata.remove(Stray.__table__)


def test_a_crashing_registration_hook_names_the_plugin(tmp_path):
    def broken(app):
        raise RuntimeError("template folder missing")

    refusal = "Plugin 'tree_survey' failed in register_blueprint: RuntimeError: template folder missing"
    plugins = [("tree_survey", make_plugin(register_blueprint=broken))]
    with pytest.raises(StartupError, match=refusal):
        create_app({"instance_path": str(tmp_path)}, plugins=plugins, load_entrypoints=False)


def test_each_app_has_its_own_plugin_manager(civic_app_factory):
    with_plugin = civic_app_factory(plugins=[("tree_survey", make_plugin())])
    without = civic_app_factory()
    assert "tree_survey" in with_plugin.extensions["civicapps"].registry.plugins
    assert "tree_survey" not in without.extensions["civicapps"].registry.plugins


def test_importing_civicapps_has_no_side_effects(tmp_path):
    import subprocess
    import sys

    code = (
        "import civicapps, flask, sys; print(flask.current_app.__bool__ if False else 'ok'); "
        "print(len([m for m in sys.modules if m.startswith('civicapps_')]))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    out = run.stdout.split()
    assert out == ["ok", "0"], "importing civicapps must not load plugins"
    assert not (tmp_path / "instance").exists(), "importing civicapps must not create an instance folder"
