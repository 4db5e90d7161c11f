"""The plugin manager: loads the built-in and third-party plugins and fills the registries.

Loading order: the built-in plugin (the ``minigrad_plugins`` package, registered
by module name like any plugin object, never imported statically by the core),
then every entry point of the group ``minigrad``, then plugins registered at run
time with :func:`register_plugin`. Plugins named in the environment variable
``MINIGRAD_DISABLE_PLUGINS`` (comma-separated) are skipped. Everything is lazy:
nothing is imported until the first registry is needed, and the result is cached.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import pluggy

from minigrad import hookspecs
from minigrad.errors import MinigradError, PluginError, UnknownComponentError
from minigrad.registry import Component, Registry

__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PluginInfo",
    "PluginManager",
    "component",
    "components",
    "get_plugin_manager",
    "register_plugin",
    "reset_plugin_manager",
    "unregister_plugin",
]

#: Modules registered before any entry point: the built-in plugin.
DEFAULT_PLUGINS = ("minigrad_plugins",)
#: Entry-point group scanned for third-party plugins.
ENTRY_POINT_GROUP = hookspecs.PROJECT
DISABLE_VARIABLE = "MINIGRAD_DISABLE_PLUGINS"
_HOOK_NAMES = tuple(f"minigrad_register_{family}" for family in hookspecs.HOOK_FAMILIES)


@dataclass
class PluginInfo:
    """A loaded plugin: its name, version, where it came from and what it registered."""

    name: str
    version: str
    source: str
    components: dict[str, list[str]] = field(default_factory=dict)


class PluginManager:
    """pluggy's manager plus minigrad's registries and plugin bookkeeping.

    Use :func:`get_plugin_manager` rather than building one.

    Example:
        >>> import minigrad as mg
        >>> pm = mg.get_plugin_manager()
        >>> "layers" in pm.families
        True
    """

    families = hookspecs.HOOK_FAMILIES

    def __init__(self, *, load_entry_points: bool = True) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._infos: dict[str, PluginInfo] = {}
        self._order: list[str] = []
        self._registries: dict[str, Registry] | None = None
        self._lock = threading.RLock()
        disabled = {n.strip() for n in os.environ.get(DISABLE_VARIABLE, "").split(",") if n.strip()}
        self.disabled = disabled
        for module_name in DEFAULT_PLUGINS:
            if module_name in disabled or "builtin" in disabled:
                continue
            module = importlib.import_module(module_name)
            version = importlib.metadata.version("minigrad") if _installed("minigrad") else "dev"
            self._register(module, "builtin", version, f"built-in ({module_name})")
        if load_entry_points:
            self._load_entry_points()

    # -------------------------------------------------------------- loading
    def _load_entry_points(self) -> None:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in self.disabled or ep.name in self._infos:
                continue
            dist = getattr(ep, "dist", None)
            dist_name = dist.metadata["Name"] if dist is not None else "unknown distribution"
            version = dist.version if dist is not None else "unknown"
            try:
                plugin = ep.load()
            except Exception as err:
                raise PluginError(
                    f"plugin '{ep.name}' ({dist_name} {version}, entry point {ep.value!r}) "
                    f"failed to load: {type(err).__name__}: {err}. Fix or uninstall it, or "
                    f"skip it with {DISABLE_VARIABLE}={ep.name}"
                ) from err
            self._register(plugin, ep.name, version, f"entry point of {dist_name}")

    def _register(self, plugin: Any, name: str, version: str, source: str) -> None:
        _validate_hook_names(plugin, name)
        try:
            self._pm.register(plugin, name=name)
            self._pm.check_pending()
        except ValueError as err:
            raise PluginError(f"plugin '{name}' could not be registered: {err}") from err
        except pluggy.PluginValidationError as err:
            self._pm.unregister(name=name)
            raise PluginError(f"plugin '{name}' does not fit the hook contract: {err}") from err
        self._infos[name] = PluginInfo(name, version, source)
        self._order.append(name)
        self._registries = None

    def register(self, plugin: Any, *, name: str | None = None, version: str = "") -> str:
        """Register a plugin object at run time; registries are rebuilt on next use.

        Returns the name it is registered under.
        """
        with self._lock:
            name = name or getattr(plugin, "__name__", None) or f"plugin-{id(plugin)}"
            if name in self._infos:
                raise PluginError(f"a plugin named '{name}' is already registered")
            self._register(plugin, name, version or _version_of(plugin), "registered at run time")
            return name

    def unregister(self, name: str) -> None:
        """Remove a plugin by name; registries are rebuilt on next use."""
        with self._lock:
            if name not in self._infos:
                raise PluginError(f"no plugin named '{name}' is registered")
            self._pm.unregister(name=name)
            del self._infos[name]
            self._order.remove(name)
            self._registries = None

    # ------------------------------------------------------------ registries
    def _build(self) -> dict[str, Registry]:
        registries = {family: Registry(family) for family in self.families}
        for family in self.families:
            registry = registries[family]
            hook = getattr(self._pm.hook, f"minigrad_register_{family}")
            impls = sorted(hook.get_hookimpls(), key=lambda impl: self._order.index(impl.plugin_name))
            for impl in impls:
                with registry.registering(impl.plugin_name):
                    try:
                        impl.function(registry=registry)
                    except MinigradError:
                        raise
                    except Exception as err:
                        raise PluginError(
                            f"plugin '{impl.plugin_name}' failed in minigrad_register_{family}: "
                            f"{type(err).__name__}: {err}"
                        ) from err
        for info in self._infos.values():
            info.components = {}
        for family, registry in registries.items():
            for comp in registry.components():
                self._infos[comp.plugin].components.setdefault(family, []).append(comp.name)
        return registries

    def registry(self, family: str) -> Registry:
        """The registry of ``family`` ("layers", "losses", ...), built on first use.

        Example:
            >>> import minigrad as mg
            >>> mg.get_plugin_manager().registry("layers").family
            'layers'
        """
        with self._lock:
            if self._registries is None:
                self._registries = self._build()
            try:
                return self._registries[family]
            except KeyError:
                close = difflib.get_close_matches(family, self.families, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise UnknownComponentError(
                    f"unknown component family {family!r}{hint} (families: {', '.join(self.families)})"
                ) from None

    def plugins(self) -> list[PluginInfo]:
        """Every loaded plugin in loading order, with what it registered.

        Example:
            >>> import minigrad as mg
            >>> mg.get_plugin_manager().plugins()[0].name
            'builtin'
        """
        self.registry(self.families[0])  # make sure the registrations ran
        return [self._infos[name] for name in self._order]

    def plugin_names(self) -> list[str]:
        """Names of the loaded plugins, in loading order."""
        return list(self._order)

    def get_plugin(self, name: str) -> Any:
        """The plugin object registered as ``name``."""
        plugin = self._pm.get_plugin(name)
        if plugin is None:
            raise PluginError(f"no plugin named '{name}' is registered (loaded: {', '.join(self._order)})")
        return plugin


def _installed(dist: str) -> bool:
    try:
        importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _version_of(plugin: Any) -> str:
    return str(getattr(plugin, "__version__", "") or "")


def _validate_hook_names(plugin: Any, name: str) -> None:
    """A ``minigrad_*`` attribute that is not a hook, or a hook without @hookimpl, is an error."""
    for attr in dir(plugin):
        if not attr.startswith("minigrad_"):
            continue
        value = getattr(plugin, attr, None)
        if not callable(value):
            continue
        if attr not in _HOOK_NAMES:
            close = difflib.get_close_matches(attr, _HOOK_NAMES, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise PluginError(
                f"plugin '{name}' defines {attr}(), which is not a minigrad hook{hint} "
                f"(hooks: {', '.join(_HOOK_NAMES)})"
            )
        if not hasattr(value, hookspecs.PROJECT + "_impl"):
            raise PluginError(
                f"plugin '{name}' defines {attr}() without @minigrad.hookimpl, so it would "
                "never be called; decorate it with @minigrad.hookimpl"
            )


_manager: PluginManager | None = None
_manager_lock = threading.Lock()


def get_plugin_manager() -> PluginManager:
    """The process-wide :class:`PluginManager`, created (and plugins loaded) on first call.

    Example:
        >>> import minigrad as mg
        >>> mg.get_plugin_manager() is mg.get_plugin_manager()
        True
    """
    global _manager
    if _manager is None:
        with _manager_lock:
            if _manager is None:
                _manager = PluginManager()
    return _manager


def reset_plugin_manager() -> None:
    """Forget the cached manager; the next use reloads every plugin (re-reading
    ``MINIGRAD_DISABLE_PLUGINS`` and the installed entry points).

    Example:
        >>> import minigrad as mg
        >>> mg.reset_plugin_manager()
    """
    global _manager
    with _manager_lock:
        _manager = None


def register_plugin(plugin: Any, *, name: str | None = None) -> str:
    """Register a plugin object (module, class instance, ...) in this process.

    Handy in notebooks and tests; installed packages use the ``minigrad`` entry-point
    group instead. Returns the plugin's name.

    Example:
        >>> import types
        >>> import minigrad as mg
        >>> plugin = types.SimpleNamespace()
        >>> @mg.hookimpl
        ... def minigrad_register_schedules(registry):
        ...     registry.add("halving", lambda lr0: (lambda epoch: lr0 / 2**epoch))
        >>> plugin.minigrad_register_schedules = minigrad_register_schedules
        >>> mg.register_plugin(plugin, name="halving_plugin")
        'halving_plugin'
        >>> mg.schedule("halving", 0.8)(2)
        0.2
        >>> mg.unregister_plugin("halving_plugin")
    """
    return get_plugin_manager().register(plugin, name=name)


def unregister_plugin(name: str) -> None:
    """Remove a plugin registered with :func:`register_plugin` (or any plugin) by name.

    Example:
        >>> import minigrad as mg
        >>> try:
        ...     mg.unregister_plugin("no_such_plugin")
        ... except mg.PluginError:
        ...     print("not registered")
        not registered
    """
    get_plugin_manager().unregister(name)


def component(family: str, name: str) -> Component:
    """The registered :class:`~minigrad.registry.Component` ``name`` of ``family``.

    Example:
        >>> import minigrad as mg
        >>> mg.component("schedules", "constant").family
        'schedules'
    """
    return get_plugin_manager().registry(family).get(name)


def components(family: str) -> list[Component]:
    """Every registered component of ``family``, sorted by name.

    Example:
        >>> import minigrad as mg
        >>> isinstance(mg.components("layers"), list)
        True
    """
    return get_plugin_manager().registry(family).components()
