"""The plugin manager: one per app, built inside create_app(), never at import time.

Plugins are found on the ``civicapps.plugins`` entry-point group; the entry-point name (snake_case) is
the plugin's identity. The core's own features are plugins too (:data:`DEFAULT_PLUGINS`), registered
the same way, with replaceable behaviour marked ``trylast``.
"""
from __future__ import annotations

import difflib
import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from civicapps import hookspecs
from civicapps.errors import StartupError

ENTRY_POINT_GROUP = "civicapps.plugins"
hookimpl = pluggy.HookimplMarker("civicapps")

#: The core's own plugins: name -> module path. Their names are reserved.
DEFAULT_PLUGINS: dict[str, str] = {
    "core": "civicapps.web.core_plugin",
    "feeds": "civicapps.feeds.plugin",
    "geo": "civicapps.geo.plugin",
    "jobs": "civicapps.jobs.plugin",
    "notify": "civicapps.notify.plugin",
}

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


@dataclass
class PluginInfo:
    """What the host knows about one loaded plugin."""

    name: str
    module: Any
    distribution: str | None
    version: str | None
    is_default: bool = False
    hooks: list[str] = field(default_factory=list)

    @property
    def url_prefix(self) -> str:
        """Where the plugin's blueprint is mounted: the kebab form of its name."""
        return "" if self.is_default else "/" + self.name.replace("_", "-")

    @property
    def kebab_name(self) -> str:
        return self.name.replace("_", "-")


class PluginRegistry:
    """A pluggy manager plus the name, distribution and version of each plugin."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("civicapps")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}

    def add(
        self, name: str, module: Any, distribution: str | None, version: str | None, *, default: bool = False
    ) -> None:
        if not NAME_PATTERN.fullmatch(name):
            raise StartupError(
                f"Plugin name {name!r} ({distribution or module!r}) must be snake_case: lowercase letters, digits "
                "and underscores, starting with a letter."
            )
        if name in self.plugins:
            other = self.plugins[name]
            raise StartupError(
                f"Two plugins are named '{name}': {_describe(other.distribution, other.module)} and "
                f"{_describe(distribution, module)}; uninstall one or disable it with disabled_plugins."
            )
        try:
            self.pm.register(module, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            detail = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
            raise StartupError(
                f"Plugin '{name}' ({_describe(distribution, module)}) cannot be registered: {detail}"
            ) from None
        self.plugins[name] = PluginInfo(name, module, distribution, version, default)

    def check(self) -> None:
        """Fail loudly on hook implementations that match no hook (typically a misspelling)."""
        known = sorted(n for n, caller in vars(self.pm.hook).items() if not n.startswith("_") and caller.has_spec())
        for name, info in self.plugins.items():
            for attr in dir(info.module):
                impl_opts = self.pm.parse_hookimpl_opts(info.module, attr)
                if impl_opts is None or attr in known:
                    continue
                hint = difflib.get_close_matches(attr, known, n=1)
                suggestion = f"; did you mean '{hint[0]}'?" if hint else f"; known hooks: {', '.join(known)}"
                raise StartupError(f"Plugin '{name}' implements unknown hook '{attr}'{suggestion}")
        self.pm.check_pending()
        for name, info in self.plugins.items():
            info.hooks = sorted(
                hook
                for hook in known
                if any(self.pm.get_name(i.plugin) == name for i in getattr(self.pm.hook, hook).get_hookimpls())
            )

    def call_each(self, hook_name: str, **kwargs: Any) -> dict[str, Any]:
        """Call one registration hook on every plugin separately; results keyed by plugin name.

        Results are never matched to plugins by position in pluggy's result list.
        """
        results: dict[str, Any] = {}
        for name, call in self.calls(hook_name, **kwargs):
            try:
                result = call()
            except StartupError:
                raise
            except Exception as exc:
                raise StartupError(f"Plugin '{name}' failed in {hook_name}: {type(exc).__name__}: {exc}") from exc
            if result is not None:
                results[name] = result
        return {name: results[name] for name in self.plugins if name in results}

    def calls(self, hook_name: str, **kwargs: Any) -> Iterator[tuple[str, Callable[[], Any]]]:
        """Each implementation of a hook as (plugin name, call), given only the arguments it asks for.

        The one place hooks are called plugin by plugin, so callers decide what a failure means.
        """
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            args = [kwargs[arg] for arg in impl.argnames]
            yield self.pm.get_name(impl.plugin), partial(impl.function, *args)

    def call_first(self, hook_name: str, **kwargs: Any) -> Any:
        """Call a provider hook: the first non-None answer wins."""
        return getattr(self.pm.hook, hook_name)(**kwargs)


def command_group_help(name: str, distribution: str | None) -> str:
    """The help of the command group ``civicapps <kebab-name>`` that holds plugin ``name``'s commands."""
    return f"Commands of the {name} plugin ({distribution or 'local'})."


def _describe(distribution: str | None, module: Any) -> str:
    label = getattr(module, "__name__", repr(module))
    return f"distribution '{distribution}' ({label})" if distribution else f"module {label}"


def load_plugins(
    registry: PluginRegistry,
    explicit: Iterable[Any] | None,
    load_entrypoints: bool,
    disabled: Iterable[str] = (),
) -> None:
    """Register the core defaults, then entry-point plugins, then plugins passed explicitly.

    An explicit plugin is a module or object (named by the last part of its ``__name__``) or a
    ``(name, plugin)`` pair.
    """
    disabled = set(disabled)
    core_version = metadata_version("civicapps")
    for name, path in DEFAULT_PLUGINS.items():
        registry.add(name, importlib.import_module(path), "civicapps", core_version, default=True)
    if load_entrypoints:
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
            if ep.name in disabled:
                continue
            dist = ep.dist.name if ep.dist else None
            if ep.name in registry.plugins:
                # Name the clash before importing anything, so a broken duplicate still gets a clear message.
                registry.add(ep.name, ep.value, dist, None)
            try:
                module = ep.load()
            except Exception as exc:
                raise StartupError(
                    f"Plugin '{ep.name}' from distribution '{dist}' could not be imported: {type(exc).__name__}: {exc}"
                ) from exc
            registry.add(ep.name, module, dist, ep.dist.version if ep.dist else None)
    for item in explicit or ():
        if isinstance(item, tuple):
            name, module = item
        else:
            module = item
            name = getattr(module, "__name__", type(module).__name__).rsplit(".", 1)[-1]
        if name in disabled:
            continue
        dist = _distribution_of(module)
        registry.add(name, module, dist, metadata_version(dist) if dist else None)


def metadata_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _distribution_of(module: Any) -> str | None:
    if not isinstance(module, ModuleType):
        return None
    top = module.__name__.split(".", 1)[0]
    dists = metadata.packages_distributions().get(top)
    return dists[0] if dists else None
