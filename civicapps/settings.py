"""Configuration: defaults < civicapps.toml < CIVICAPPS_* environment < explicit mapping.

The file path comes from ``--config`` or ``CIVICAPPS_CONFIG``. Environment variables use ``__`` for
nesting (``CIVICAPPS_COUNCIL__NAME``, ``CIVICAPPS_PLUGINS__PLANNING_ALERTS__MAX_RADIUS``) and their
values are read as JSON when they parse as JSON, as Flask's ``from_prefixed_env`` does, so lists and
numbers can be given. Any value may be ``{"$env": "NAME"}`` or ``{"$file": "path"}`` so secrets stay
out of the file; such values, and every ``SecretStr`` field, are redacted wherever settings are shown.
"""
from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from civicapps.errors import StartupError
from civicapps.i18n import core_languages
from civicapps.web.proxies import parse_trusted

ENV_PREFIX = "CIVICAPPS_"
CONFIG_ENV = "CIVICAPPS_CONFIG"
#: CIVICAPPS_* variables that are not settings: the config path, command inputs, the test kit's.
NON_SETTING_ENV = {CONFIG_ENV, "CIVICAPPS_NEW_USER_PASSWORD", "CIVICAPPS_TEST_DATABASE_URL", "CIVICAPPS_TEST_REDIS_URL"}
REDACTED = "********"


class PluginSettings(BaseModel):
    """Base class for a plugin's typed settings (the ``[plugins.<name>]`` table).

    Unknown keys are refused so a misspelt setting fails at startup instead of being ignored.
    Declare secrets as ``pydantic.SecretStr`` so they are redacted when settings are shown.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


class CouncilSettings(PluginSettings):
    """Who runs this deployment; shown in the page header and footer."""

    name: str = "Example Council"
    website: str | None = None
    logo_url: str | None = Field(
        default=None, description="logo image beside the name: a path on this site (/-/static/...) or an https:// URL"
    )
    colour: str = Field(default="#1d70b8", description="header colour, a #rrggbb hex code")
    phase: Literal["alpha", "beta"] | None = Field(
        default=None, description="shows the GOV.UK phase banner (alpha or beta) on every page"
    )

    @field_validator("logo_url")
    @classmethod
    def _loadable_logo(cls, value: str | None) -> str | None:
        # The content security policy loads images from this site or over https, nothing else.
        on_this_site = value is not None and value.startswith("/") and not value.startswith("//")
        if value is not None and not (value.startswith("https://") or on_this_site):
            raise ValueError("expected a path on this site such as /-/static/logo.svg, or an https:// URL")
        return value

    @field_validator("colour")
    @classmethod
    def _readable_colour(cls, value: str) -> str:
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            raise ValueError("expected a #rrggbb hex colour such as #1d70b8")
        ratio = contrast_ratio(value, "#ffffff")
        if ratio < 4.5:
            raise ValueError(
                f"white header text on {value} has contrast {ratio:.1f}:1; "
                "WCAG AA needs 4.5:1, choose a darker colour"
            )
        return value.lower()


class CoreSettings(PluginSettings):
    """The host's own settings (top level of civicapps.toml)."""

    council: CouncilSettings = CouncilSettings()
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default a SQLite file in the instance folder"
    )
    secret_key: SecretStr | None = Field(
        default=None, description="signs sessions and links; default a random key kept in the instance folder"
    )
    queue_url: str | None = Field(
        default=None,
        description="job queue: sqlite:///path (default: queue.db in the instance folder), redis://host:port/db, "
        "or immediate: (run jobs at once in the caller; for tests)",
    )
    instance_path: str | None = Field(default=None, description="folder for the database, keys and uploads")
    base_url: str | None = Field(default=None, description="public URL, e.g. https://alerts.example.gov.uk")
    trusted_proxies: int | list[str] = Field(
        default=0,
        description="reverse proxies in front of the app whose X-Forwarded-For is believed: how many "
        "(e.g. 1 for nginx on the same machine), or their addresses/networks; 0 believes none",
    )
    disabled_plugins: list[str] = Field(default_factory=list, description="installed plugins not to load")
    plugins: dict[str, dict[str, Any]] = Field(default_factory=dict, description="per-plugin settings tables")
    feeds: dict[str, dict[str, Any]] = Field(default_factory=dict, description="[feeds.<name>] tables (docs/feeds.md)")
    languages: list[str] = Field(
        default_factory=lambda: ["en", "cy"],
        description="languages the pages are offered in (the language switcher lists them); each must have "
        "the core's catalogue",
    )
    default_language: str = Field(
        default="en",
        description="language for a visitor who has not chosen one and whose browser asks for none of them",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _known_proxies(cls, value: Any) -> int | list[str]:
        return parse_trusted(value)

    @field_validator("languages")
    @classmethod
    def _translated_languages(cls, value: list[str]) -> list[str]:
        known = core_languages()
        unknown = [code for code in value if code not in known]
        if unknown:
            raise ValueError(f"no catalogue for {', '.join(unknown)}; the core is translated into {', '.join(known)}")
        if not value or len(set(value)) != len(value):
            raise ValueError("expected a list of different language codes, such as [\"en\", \"cy\"]")
        return value

    @model_validator(mode="after")
    def _default_is_offered(self) -> CoreSettings:
        if self.default_language not in self.languages:
            raise ValueError(f"default_language {self.default_language!r} must be one of languages {self.languages}")
        return self

    @field_validator("queue_url")
    @classmethod
    def _known_queue(cls, value: str | None) -> str | None:
        if value is not None and value.partition(":")[0] not in ("sqlite", "redis", "rediss", "immediate"):
            raise ValueError("expected sqlite:///path, redis://host:port/db or immediate:")
        return value


def contrast_ratio(colour_a: str, colour_b: str) -> float:
    """WCAG 2 contrast ratio between two #rrggbb colours."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(colour_a), luminance(colour_b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


class LoadedConfig:
    """Merged raw configuration plus where secrets were resolved, so they can be redacted."""

    def __init__(self, raw: dict[str, Any], secret_paths: set[tuple[str, ...]], source: str | None):
        self.raw = raw
        self.secret_paths = secret_paths
        self.source = source


def load_config(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: str | Path | None = None,
) -> LoadedConfig:
    """Merge the configuration layers and resolve ``$env``/``$file`` references.

    ``config_file`` (the CLI's ``--config``) is read instead of ``$CIVICAPPS_CONFIG``, so a command
    line never has to change the process environment to choose its file.
    """
    environ = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    source = str(config_file) if config_file else environ.get(CONFIG_ENV) or None
    if source:
        _deep_merge(raw, _read_toml(Path(source)))
    _deep_merge(raw, settings_from_environment(environ))
    if overrides:
        _deep_merge(raw, _plain(overrides))
    secret_paths: set[tuple[str, ...]] = set()
    resolved = _resolve_secrets(raw, (), environ, secret_paths)
    return LoadedConfig(resolved, secret_paths, source)


def validate_core(config: LoadedConfig) -> CoreSettings:
    """Validate the top-level settings, or stop startup with one line per problem."""
    core_raw = dict(config.raw)
    try:
        return CoreSettings.model_validate(core_raw)
    except ValidationError as exc:
        raise StartupError(describe_errors(exc, "civicapps.toml", CoreSettings)) from None


def validate_plugin(name: str, model: type[PluginSettings], raw: Mapping[str, Any]) -> PluginSettings:
    """Validate one plugin's table against its settings model."""
    try:
        return model.model_validate(dict(raw))
    except ValidationError as exc:
        raise StartupError(describe_errors(exc, f"plugin '{name}' ([plugins.{name}])", model)) from None


def describe_errors(exc: ValidationError, where: str, model: type[BaseModel] | None = None) -> str:
    """Turn pydantic's errors into one readable line naming the key and what was expected."""
    parts = []
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"]) or "(table)"
        owner = _model_at(model, error["loc"][:-1]) if model is not None else None
        if error["type"] == "extra_forbidden" and owner is not None:
            known = ", ".join(sorted(owner.model_fields)) or "none"
            parts.append(f"unknown setting '{key}' (known settings: {known})")
        else:
            message = error["msg"].removeprefix("Value error, ")
            parts.append(f"'{key}': {message}")
    return f"Invalid configuration for {where}: " + "; ".join(parts)


def _model_at(model: type[BaseModel], path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The nested settings model at ``path`` (e.g. ("council",)), or None if it is not a model."""
    for part in path:
        field = model.model_fields.get(str(part))
        if field is None or not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
            return None
        model = field.annotation
    return model


def redact(value: Any, secret_paths: set[tuple[str, ...]], path: tuple[str, ...] = ()) -> Any:
    """Return a JSON-ready copy of ``value`` with secrets replaced by a fixed mask."""
    if path in secret_paths:
        return REDACTED
    if isinstance(value, SecretStr):
        return REDACTED
    if isinstance(value, BaseModel):
        value = {name: getattr(value, name) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        return {k: redact(v, secret_paths, (*path, str(k))) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v, secret_paths, (*path, str(i))) for i, v in enumerate(value)]
    return value


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise StartupError(f"Config file {path} does not exist (set by --config or {CONFIG_ENV}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise StartupError(f"Config file {path} is not valid TOML: {exc}.") from None


def settings_from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings ``CIVICAPPS_*`` variables give, nested at ``__`` (values parsed as JSON where they are)."""
    result: dict[str, Any] = {}
    for key in sorted(environ):
        if not key.startswith(ENV_PREFIX) or key in NON_SETTING_ENV:
            continue
        parts = [p.lower() for p in key[len(ENV_PREFIX) :].split("__") if p]
        if not parts:
            continue
        value: Any = environ[key]
        try:
            value = json.loads(value)
        except ValueError:
            pass
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise StartupError(f"Environment variable {key} conflicts with another CIVICAPPS_ variable.")
        node[parts[-1]] = value
    return result


def _resolve_secrets(
    value: Any, path: tuple[str, ...], environ: Mapping[str, str], secret_paths: set[tuple[str, ...]]
) -> Any:
    if isinstance(value, Mapping):
        if set(value) == {"$env"}:
            name = value["$env"]
            secret_paths.add(path)
            if name not in environ:
                raise StartupError(f"Setting '{'.'.join(path)}' reads environment variable {name}, which is not set.")
            return environ[name]
        if set(value) == {"$file"}:
            secret_paths.add(path)
            try:
                return Path(value["$file"]).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise StartupError(
                    f"Setting '{'.'.join(path)}' reads file {value['$file']}: {exc.strerror or exc}."
                ) from None
        return {k: _resolve_secrets(v, (*path, str(k)), environ, secret_paths) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_secrets(v, (*path, str(i)), environ, secret_paths) for i, v in enumerate(value)]
    return value


def _deep_merge(target: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = _plain(value) if isinstance(value, Mapping) else value


def _plain(value: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) if isinstance(v, Mapping) else v for k, v in value.items()}
