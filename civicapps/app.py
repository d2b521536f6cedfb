"""The application factory. Nothing happens at import time; everything happens in create_app()."""
from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event

from civicapps.app_switches import ConfiguredApp, install_app_switches
from civicapps.db import Database, Model, install_sessions
from civicapps.errors import StartupError
from civicapps.feeds.registry import install_feeds
from civicapps.i18n import install_translations
from civicapps.jobs import Job, collect_jobs
from civicapps.migrations import MigrationSet
from civicapps.notify.topics import Topic, collect_topics
from civicapps.plugins import PluginRegistry, command_group_help, load_plugins
from civicapps.settings import CoreSettings, LoadedConfig, PluginSettings, load_config, validate_core, validate_plugin
from civicapps.web.edge_input import install_input_guard
from civicapps.web.govuk import install_govuk
from civicapps.web.proxies import TrustedProxies
from civicapps.web.shell import install_shell


@dataclass
class CivicState:
    """Everything the host keeps per app, at ``app.extensions["civicapps"]``."""

    config: LoadedConfig
    settings: CoreSettings
    registry: PluginRegistry
    db: Database
    plugin_settings: dict[str, PluginSettings] = field(default_factory=dict)
    migration_sets: dict[str, MigrationSet] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    configured_apps: dict[str, ConfiguredApp] = field(default_factory=dict)


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    config_file: str | Path | None = None,
    plugins: Iterable[Any] | None = None,
    load_entrypoints: bool = True,
) -> Flask:
    """Build a civicapps host.

    ``config`` overrides every other configuration layer (handy in tests). ``config_file`` is the
    civicapps.toml to read (default: ``$CIVICAPPS_CONFIG``, if set). ``plugins`` adds plugins
    directly, as modules or ``(name, module)`` pairs; ``load_entrypoints=False`` skips installed
    plugins so a test sees exactly the plugins it names. Raises :class:`civicapps.StartupError` with a
    one-line explanation when configuration or a plugin is wrong.
    """
    loaded = load_config(config, config_file=config_file)
    core = validate_core(loaded)
    instance_path = Path(core.instance_path or "instance").resolve()

    registry = PluginRegistry()
    load_plugins(registry, plugins, load_entrypoints, core.disabled_plugins)
    registry.check()

    app = CivicFlask("civicapps", instance_path=str(instance_path))
    if core.instance_path:  # a folder the operator named is made (and checked) at once; ./instance on first use
        ensure_instance_folder(instance_path)
    database_url = core.database_url or f"sqlite:///{instance_path / 'civicapps.db'}"
    state = CivicState(loaded, core, registry, Database(database_url))
    if core.database_url is None:  # the default SQLite file lives in the instance folder
        event.listen(state.db.engine, "do_connect", lambda *_: ensure_instance_folder(instance_path) and None)
    app.extensions["civicapps"] = state

    state.plugin_settings = _validate_plugin_settings(registry, core)
    _check_models(registry)
    state.migration_sets = {
        name: MigrationSet(name, Path(directory), Model.metadata)
        for name, directory in registry.call_each("register_migrations").items()
    }
    state.jobs = collect_jobs(app, registry)
    state.topics = collect_topics(app, registry)
    _configure_flask(app, core, instance_path)
    install_translations(app, registry, core)
    _mount_blueprints(app, registry)
    _mount_commands(app, registry)
    install_feeds(app)
    install_shell(app)
    install_sessions(app)
    install_app_switches(app)
    return app


def plugin_settings(name: str, app: Flask | None = None) -> PluginSettings:
    """The validated settings of plugin ``name`` in ``app`` (by default the current app).

    Pass the app in hooks that run while it is being built (``register_feeds(app)`` and the like),
    where there is no current app yet.

    Raises ``KeyError`` if that plugin declares no settings (has no ``register_settings``).
    """
    return (app if app is not None else current_app).extensions["civicapps"].plugin_settings[name]


def _validate_plugin_settings(registry: PluginRegistry, core: CoreSettings) -> dict[str, PluginSettings]:
    models = registry.call_each("register_settings")
    for name in core.plugins:
        if name not in registry.plugins and name not in core.disabled_plugins:
            raise StartupError(
                f"[plugins.{name}] is configured but no plugin named '{name}' is installed "
                f"(installed: {', '.join(sorted(registry.plugins))})."
            )
        if name in registry.plugins and name not in models:
            raise StartupError(f"[plugins.{name}] is configured but plugin '{name}' takes no settings.")
    result: dict[str, PluginSettings] = {}
    for name, model in models.items():
        if not (isinstance(model, type) and issubclass(model, PluginSettings)):
            raise StartupError(
                f"Plugin '{name}': register_settings must return a subclass of civicapps.PluginSettings."
            )
        result[name] = validate_plugin(name, model, core.plugins.get(name, {}))
    return result


def _check_models(registry: PluginRegistry) -> None:
    for name, models in registry.call_each("register_models").items():
        for model in models:
            table = getattr(model, "__tablename__", None)
            if not isinstance(table, str) or not table.startswith(f"{name}_"):
                raise StartupError(
                    f"Plugin '{name}': table {table!r} of model {model.__name__} must be named '{name}_...'."
                )


def _configure_flask(app: Flask, core: CoreSettings, instance_path: Path) -> None:
    secure = bool(core.base_url and core.base_url.startswith("https://"))
    app.config.update(
        SECRET_KEY=core.secret_key.get_secret_value() if core.secret_key else None,  # see CivicFlask.secret_key
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # tokens live as long as the session; forms left open still submit
    )
    if core.base_url:
        app.config["PREFERRED_URL_SCHEME"] = "https" if secure else "http"
    if core.trusted_proxies:
        app.wsgi_app = TrustedProxies(app.wsgi_app, core.trusted_proxies)  # type: ignore[method-assign]  # Flask's way to add middleware
    CSRFProtect(app)
    install_input_guard(app)
    # The council's own templates (instance/templates) override the core's and the plugins'.
    app.jinja_loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(str(instance_path / "templates")), jinja2.PackageLoader("civicapps", "web/templates")]
    )
    install_govuk(app)


class CivicFlask(Flask):
    """Flask whose random secret key (and the default ``./instance`` folder) are made when first needed.

    Commands that need no instance (``planning-alerts presets``, ``notify test``, a plugin group's
    ``--help``...) load the app too; they must not leave ``./instance/secret_key`` behind in
    whatever folder they were run from. A configured ``instance_path`` is still made at startup.
    """

    _secret_lock = threading.Lock()

    @property
    def secret_key(self) -> str | bytes | None:
        if self.config.get("SECRET_KEY") is None:
            with self._secret_lock:
                if self.config.get("SECRET_KEY") is None:
                    self.config["SECRET_KEY"] = _instance_secret(Path(self.instance_path))
        return self.config["SECRET_KEY"]

    @secret_key.setter
    def secret_key(self, value: str | bytes | None) -> None:
        self.config["SECRET_KEY"] = value


def ensure_instance_folder(path: Path) -> Path:
    """Make the instance folder (database, queue, keys) the first time something is kept there."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupError(f"Cannot create the instance folder {path}: {exc.strerror}.") from None
    return path


def _instance_secret(instance_path: Path) -> str:
    """A random key kept in the instance folder so sessions survive restarts without configuration."""
    path = ensure_instance_folder(instance_path) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # kept by an earlier run (or another process just now)
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _mount_blueprints(app: Flask, registry: PluginRegistry) -> None:
    for name, blueprint in registry.call_each("register_blueprint", app=app).items():
        info = registry.plugins[name]
        prefix = blueprint.url_prefix if info.is_default else info.url_prefix
        app.register_blueprint(blueprint, url_prefix=prefix, name=name)


def _mount_commands(app: Flask, registry: PluginRegistry) -> None:
    for name, commands in registry.call_each("register_commands", app=app).items():
        info = registry.plugins[name]
        group = AppGroup(info.kebab_name, help=command_group_help(name, info.distribution))
        for command in commands:
            group.add_command(command)
        app.cli.add_command(group)
