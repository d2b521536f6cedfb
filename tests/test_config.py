"""Configuration layers, typed plugin settings, secrets and their redaction."""
import json
import re

import pytest
from pydantic import Field, SecretStr

from civicapps import PluginSettings, StartupError, create_app, hookimpl
from civicapps.settings import contrast_ratio, load_config, validate_core


class SurveySettings(PluginSettings):
    radius_m: int = Field(default=800, ge=50, le=5000)
    api_key: SecretStr | None = None


class SurveyPlugin:
    @hookimpl
    def register_settings(self):
        return SurveySettings


def write_toml(tmp_path, text):
    path = tmp_path / "civicapps.toml"
    path.write_text(text)
    return path


def test_layers_defaults_then_file_then_environment(tmp_path):
    path = write_toml(tmp_path, '[council]\nname = "Tynwald Borough"\ncolour = "#005ea5"\n')
    config = load_config(environ={"CIVICAPPS_CONFIG": str(path), "CIVICAPPS_COUNCIL__COLOUR": "#00703c"})
    core = validate_core(config)
    assert core.council.name == "Tynwald Borough"  # from the file
    assert core.council.colour == "#00703c"  # environment beats file
    assert core.database_url is None  # default


def test_explicit_mapping_beats_environment():
    config = load_config({"council": {"name": "Explicit"}}, environ={"CIVICAPPS_COUNCIL__NAME": "From env"})
    assert validate_core(config).council.name == "Explicit"


def test_environment_values_are_read_as_json_when_they_parse():
    config = load_config(
        environ={"CIVICAPPS_DISABLED_PLUGINS": '["organogram"]', "CIVICAPPS_PLUGINS__SURVEY__RADIUS_M": "1200"}
    )
    assert config.raw["disabled_plugins"] == ["organogram"]
    assert config.raw["plugins"]["survey"]["radius_m"] == 1200


def test_plugin_settings_are_typed_and_validated(civic_app_factory):
    app = civic_app_factory(plugins=[("survey", SurveyPlugin())], config={"plugins": {"survey": {"radius_m": "1500"}}})
    with app.app_context():
        from civicapps import plugin_settings

        assert plugin_settings("survey").radius_m == 1500
    assert plugin_settings("survey", app).radius_m == 1500, "hooks run while the app is built have no app context"


def test_invalid_plugin_value_names_plugin_key_and_expectation(tmp_path):
    with pytest.raises(StartupError) as excinfo:
        create_app(
            {"instance_path": str(tmp_path), "plugins": {"survey": {"radius_m": 99999}}},
            plugins=[("survey", SurveyPlugin())],
            load_entrypoints=False,
        )
    assert str(excinfo.value) == (
        "Invalid configuration for plugin 'survey' ([plugins.survey]): "
        "'radius_m': Input should be less than or equal to 5000"
    )


def test_misspelt_plugin_key_lists_the_known_ones(tmp_path):
    with pytest.raises(StartupError, match=r"unknown setting 'radius' \(known settings: api_key, radius_m\)"):
        create_app(
            {"instance_path": str(tmp_path), "plugins": {"survey": {"radius": 10}}},
            plugins=[("survey", SurveyPlugin())],
            load_entrypoints=False,
        )


def test_settings_for_a_plugin_that_is_not_installed_are_an_error(tmp_path):
    refusal = r"\[plugins.survey\] is configured but no plugin named 'survey' is installed"
    with pytest.raises(StartupError, match=refusal):
        create_app({"instance_path": str(tmp_path), "plugins": {"survey": {}}}, load_entrypoints=False)


def test_bad_toml_file_is_one_clear_line(tmp_path):
    path = write_toml(tmp_path, "[council\nname = 1")
    with pytest.raises(StartupError, match=r"is not valid TOML"):
        load_config(environ={"CIVICAPPS_CONFIG": str(path)})
    with pytest.raises(StartupError, match=r"does not exist"):
        load_config(environ={"CIVICAPPS_CONFIG": str(tmp_path / "missing.toml")})


def test_secrets_from_env_and_file_are_resolved(tmp_path):
    key_file = tmp_path / "key.txt"
    key_file.write_text("from-a-file\n")
    config = load_config(
        {"secret_key": {"$env": "SESSION_SECRET"}, "plugins": {"survey": {"api_key": {"$file": str(key_file)}}}},
        environ={"SESSION_SECRET": "from-the-env"},
    )
    assert config.raw["secret_key"] == "from-the-env"
    assert config.raw["plugins"]["survey"]["api_key"] == "from-a-file"
    assert ("secret_key",) in config.secret_paths


def test_missing_secret_source_is_a_clear_error(tmp_path):
    with pytest.raises(StartupError, match="reads environment variable NOPE, which is not set"):
        load_config({"secret_key": {"$env": "NOPE"}}, environ={})
    with pytest.raises(StartupError, match="reads file .*missing"):
        load_config({"secret_key": {"$file": str(tmp_path / "missing")}}, environ={})


def test_config_command_redacts_every_secret(civic_app_factory, tmp_path, monkeypatch):
    from civicapps.testing import CivicRunner

    monkeypatch.setenv("SURVEY_KEY", "sk-live-abcdef")
    monkeypatch.setenv("SESSION_SECRET", "session-secret-value")
    app = civic_app_factory(
        plugins=[("survey", SurveyPlugin())],
        config={
            "secret_key": {"$env": "SESSION_SECRET"},
            "base_url": "https://alerts.example.gov.uk",
            "plugins": {"survey": {"api_key": {"$env": "SURVEY_KEY"}, "radius_m": 900}},
        },
    )
    result = CivicRunner(app).invoke(["config"])
    assert result.exit_code == 0, result.output
    assert "sk-live-abcdef" not in result.output and "session-secret-value" not in result.output
    shown = json.loads(result.output)
    assert shown["secret_key"] == "********"
    assert shown["plugins"]["survey"] == {"radius_m": 900, "api_key": "********"}
    assert shown["base_url"] == "https://alerts.example.gov.uk"


def test_council_colour_must_give_readable_header_text():
    with pytest.raises(StartupError, match=r"'council.colour': white header text on #ffdd00 has contrast 1.\d:1"):
        validate_core(load_config({"council": {"colour": "#ffdd00"}}, environ={}))
    with pytest.raises(StartupError, match="expected a #rrggbb hex colour"):
        validate_core(load_config({"council": {"colour": "blue"}}, environ={}))
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0


def test_council_logo_must_be_loadable_under_the_content_security_policy():
    for refused in ("http://example.gov.uk/logo.png", "//cdn.example/logo.png", "logo.png", "javascript:alert(1)"):
        with pytest.raises(StartupError, match=r"'council.logo_url': .*a path on this site such as /-/static/logo.svg"):
            validate_core(load_config({"council": {"logo_url": refused}}, environ={}))
    for accepted in ("/-/static/logo.svg", "https://www.example.gov.uk/logo.svg"):
        assert validate_core(load_config({"council": {"logo_url": accepted}}, environ={})).council.logo_url == accepted


def test_council_phase_is_alpha_beta_or_none():
    assert validate_core(load_config({"council": {"phase": "beta"}}, environ={})).council.phase == "beta"
    with pytest.raises(StartupError, match=r"'council.phase'"):
        validate_core(load_config({"council": {"phase": "live"}}, environ={}))


def test_unknown_top_level_and_nested_keys_list_the_known_ones():
    from civicapps.settings import CoreSettings

    known = ", ".join(sorted(CoreSettings.model_fields))
    assert "secret_key" in known and "council" in known
    with pytest.raises(StartupError, match=re.escape(f"unknown setting 'secret' (known settings: {known})")):
        validate_core(load_config({"secret": "x"}, environ={}))
    refusal = r"unknown setting 'council.color' \(known settings: colour, logo_url, name, phase, website\)"
    with pytest.raises(StartupError, match=refusal):
        validate_core(load_config({"council": {"color": "#000000"}}, environ={}))
