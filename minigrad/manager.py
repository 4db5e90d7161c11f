"""The plugin manager: loads the built-in and third-party plugins and fills the registries.

Loading order: the built-in plugin (the ``minigrad_plugins`` package, registered
by module name like any plugin object, never imported statically by the core),
then every entry point of the group ``minigrad``, then plugins registered at run
time with :func:`register_plugin`. A later plugin may replace an earlier plugin's
component only with ``registry.add(..., override=True)``.

Plugins named in the environment variable ``MINIGRAD_DISABLE_PLUGINS``
(comma-separated entry-point or distribution names; ``builtin`` for the built-in
plugin) are skipped, so a broken plugin can stay installed.

Everything is lazy: importing minigrad imports no plugin, and neither does
:func:`get_plugin_manager`; the first registry lookup loads the plugins and runs
their hooks, and the result is cached until a plugin is (un)registered or
:func:`reset_plugin_manager` is called. The manager is thread-safe: loading and
building happen once, under a lock, whichever thread gets there first.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import importlib.metadata
import inspect
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pluggy

from minigrad import hookspecs
from minigrad.errors import PluginError, RegistrationError, UnknownComponentError
from minigrad.registry import Component, Registry

__all__ = [
    "BUILTIN_PLUGIN",
    "DEFAULT_PLUGINS",
    "DISABLE_VARIABLE",
    "ENTRY_POINT_GROUP",
    "PluginInfo",
    "PluginManager",
    "component",
    "components",
    "get_plugin_manager",
    "import_plugin_reference",
    "plugin_reference",
    "register_plugin",
    "reset_plugin_manager",
    "unregister_plugin",
]

#: Modules registered before any entry point: the built-in plugin.
DEFAULT_PLUGINS = ("minigrad_plugins",)
#: The name the built-in plugin is registered (and disabled) under.
BUILTIN_PLUGIN = "builtin"
#: Entry-point group scanned for third-party plugins.
ENTRY_POINT_GROUP = hookspecs.PROJECT
#: Environment variable naming plugins to skip (comma-separated).
DISABLE_VARIABLE = "MINIGRAD_DISABLE_PLUGINS"
#: The source of plugins registered with :func:`register_plugin`.
RUN_TIME = "registered at run time"
_HOOK_NAMES = tuple(f"minigrad_register_{family}" for family in hookspecs.HOOK_FAMILIES)


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin: its name, version, where it came from and what it registered.

    Attributes:
        name: the plugin's name (its entry-point name; ``builtin`` for the built-in one).
        version: its distribution's version ("" when unknown).
        source: where it came from, e.g. ``entry point swish = minigrad_swish.plugin
            (distribution minigrad-swish)``.
        distribution: the installed distribution providing it, if any.
        components: family -> names this plugin provides (sorted).
        overridden: family -> ``{name: plugin}`` for its components that a later
            plugin replaced with ``override=True``.

    Example:
        >>> import minigrad as mg
        >>> info = mg.PluginInfo("demo", "1.0", "registered at run time")
        >>> info.name, info.components
        ('demo', {})
    """

    name: str
    version: str
    source: str
    distribution: str | None = None
    components: dict[str, list[str]] = field(default_factory=dict)
    overridden: dict[str, dict[str, str]] = field(default_factory=dict)


class PluginManager:
    """pluggy's manager plus minigrad's registries and plugin bookkeeping.

    Use :func:`get_plugin_manager` for the process-wide manager. Build one yourself
    only for an isolated set of plugins (``builtin=False, entry_points=False`` gives
    an empty manager that only holds what you :meth:`register`).

    Args:
        builtin: load the built-in plugin (unless disabled).
        entry_points: load the third-party plugins of the ``minigrad`` entry-point group.
        disabled: names to skip; ``None`` reads ``MINIGRAD_DISABLE_PLUGINS``.

    Example:
        >>> import types
        >>> import minigrad as mg
        >>> pm = mg.PluginManager(builtin=False, entry_points=False)
        >>> @mg.hookimpl
        ... def minigrad_register_schedules(registry):
        ...     registry.add("constant", lambda lr0: (lambda epoch: lr0), doc="lr0")
        >>> pm.register(types.SimpleNamespace(minigrad_register_schedules=minigrad_register_schedules),
        ...             name="demo")
        'demo'
        >>> pm.registry("schedules").names(), [p.name for p in pm.plugins()]
        (['constant'], ['demo'])
    """

    families = hookspecs.HOOK_FAMILIES

    def __init__(
        self, *, builtin: bool = True, entry_points: bool = True, disabled: set[str] | None = None
    ) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._load_builtin = builtin
        self._load_entry_points = entry_points
        if disabled is None:
            disabled = {n.strip() for n in os.environ.get(DISABLE_VARIABLE, "").split(",") if n.strip()}
        #: Names of plugins to skip (from ``MINIGRAD_DISABLE_PLUGINS`` unless given).
        self.disabled = frozenset(disabled)
        self._disabled_found: set[str] = set()
        self._infos: dict[str, PluginInfo] = {}
        self._order: list[str] = []
        self._registries: dict[str, Registry] | None = None
        self._loaded = False
        # What the manager is doing right now (set while loading plugins or running
        # hooks); a plugin calling back into the manager from there is a clear error,
        # not a deadlock or an endless recursion.
        self._busy: str | None = None
        self._lock = threading.RLock()

    # -------------------------------------------------------------- loading
    def _check_reentry(self, action: str) -> None:
        """Refuse a call made from inside a plugin import or hook (the caller holds the
        lock, so a busy manager means this very thread is loading or building)."""
        if self._busy is not None:
            raise PluginError(
                f"{self._busy} tried to {action} while the plugin manager was loading plugins or "
                "running their hooks; plugins must not look up, register or list components at "
                "import time or inside a registration hook. Look components up inside your "
                "factories (when the component is created) instead"
            )

    @contextmanager
    def _doing(self, activity: str) -> Iterator[None]:
        self._busy = activity
        try:
            yield
        finally:
            self._busy = None

    def _ensure_loaded(self) -> None:
        """Load the built-in plugin and the entry points, once (caller holds the lock)."""
        if self._loaded:
            return
        with self._doing("a plugin"):
            try:
                if self._load_builtin:
                    self._load_builtin_plugin()
                if self._load_entry_points:
                    self._load_entry_point_plugins()
            except BaseException:
                # Leave nothing half-loaded: the next use retries and fails the same way.
                for name in reversed(self._order):
                    self._pm.unregister(name=name)
                self._infos.clear()
                self._order.clear()
                self._disabled_found.clear()
                raise
        self._loaded = True

    def _load_builtin_plugin(self) -> None:
        for module_name in DEFAULT_PLUGINS:
            if BUILTIN_PLUGIN in self.disabled or module_name in self.disabled:
                self._disabled_found.update({BUILTIN_PLUGIN, module_name} & self.disabled)
                continue
            self._busy = f"the built-in plugin ({module_name})"
            try:
                module = importlib.import_module(module_name)
            except Exception as err:
                raise PluginError(
                    f"the built-in plugin ({module_name}) failed to import: {type(err).__name__}: "
                    f"{err}. This is a bug in minigrad's built-in components; run with "
                    f"{DISABLE_VARIABLE}={BUILTIN_PLUGIN} to skip them"
                ) from err
            self._register(module, BUILTIN_PLUGIN, _dist_version("minigrad"), f"built-in ({module_name})")

    def _load_entry_point_plugins(self) -> None:
        seen: dict[str, str] = {}
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = getattr(ep, "dist", None)
            dist_name = (dist.metadata["Name"] if dist is not None else None) or "an unknown distribution"
            version = (dist.version if dist is not None else None) or ""
            label = f"plugin '{ep.name}' (distribution {dist_name} {version}, entry point {ep.value!r})"
            if ep.name == BUILTIN_PLUGIN:
                raise PluginError(
                    f"{label} uses the reserved name '{BUILTIN_PLUGIN}'; rename its entry point"
                )
            skip = [n for n in self.disabled if _normalize(n) in {_normalize(ep.name), _normalize(dist_name)}]
            if skip:
                self._disabled_found.update(skip)
                continue
            if ep.name in seen:
                raise PluginError(
                    f"two installed distributions declare a minigrad plugin named '{ep.name}': "
                    f"{seen[ep.name]} and {dist_name}; uninstall one of them, or skip one with "
                    f"{DISABLE_VARIABLE}=<distribution name>"
                )
            seen[ep.name] = dist_name
            self._busy = label
            try:
                plugin = ep.load()
            except (Exception, SystemExit) as err:
                raise PluginError(
                    f"{label} failed to load: {type(err).__name__}: {err}. Fix or uninstall it, "
                    f"or skip it with {DISABLE_VARIABLE}={ep.name}"
                ) from err
            source = f"entry point {ep.name} = {ep.value} (distribution {dist_name})"
            self._register(plugin, ep.name, version, source, label=label, distribution=dist_name)

    def _register(
        self,
        plugin: Any,
        name: str,
        version: str,
        source: str,
        *,
        label: str | None = None,
        distribution: str | None = None,
    ) -> None:
        label = label or f"plugin '{name}'"
        existing = self._pm.get_name(plugin)
        if existing is not None:
            raise PluginError(
                f"{label} could not be registered: the same object is already registered as plugin "
                f"'{existing}'; register each plugin object once, under one name"
            )
        _validate_hooks(self._pm, plugin, label)
        try:
            self._pm.register(plugin, name=name)
        except ValueError as err:  # pluggy's own duplicate checks (the ones above come first)
            raise PluginError(f"{label} could not be registered: {_one_line(err)}") from err
        except pluggy.PluginValidationError as err:
            self._pm.unregister(name=name)
            raise PluginError(
                f"{label} does not fit the hook contract: {_one_line(err)}. Every hook takes one "
                "argument named 'registry'"
            ) from err
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as err:
            self._pm.unregister(name=name)
            raise PluginError(f"{label} does not fit the hook contract: {_one_line(err)}") from err
        self._infos[name] = PluginInfo(name, version, source, distribution)
        self._order.append(name)
        self._registries = None

    def register(self, plugin: Any, *, name: str | None = None, version: str = "") -> str:
        """Register a plugin object at run time and rebuild the registries.

        The plugin's hooks run right away, so a duplicate name or a crash inside a
        hook raises here and leaves the manager as it was. Returns the name the
        plugin is registered under.
        """
        with self._lock:
            self._check_reentry("register a plugin")
            self._ensure_loaded()
            name = name or getattr(plugin, "__name__", None) or f"plugin-{id(plugin):x}"
            if not isinstance(name, str) or not name.strip():
                raise PluginError(f"plugin name must be a non-empty string, got {name!r}")
            if name in self._infos:
                raise PluginError(
                    f"a plugin named '{name}' is already registered ({self._infos[name].source}); "
                    "pass another name=, or unregister_plugin() the old one first"
                )
            previous = (self._registries, dict(self._infos))
            self._register(plugin, name, version or _version_of(plugin), RUN_TIME)
            try:
                self._registries = self._build()
            except BaseException:
                self._pm.unregister(name=name)
                self._order.remove(name)
                self._registries, self._infos = previous
                raise
            return name

    def registered_at_run_time(self) -> list[tuple[str, Any]]:
        """``(name, plugin object)`` of each plugin registered with :meth:`register`, in
        loading order (a process started afresh has none of them).

        Example:
            >>> import types
            >>> import minigrad as mg
            >>> pm = mg.PluginManager(builtin=False, entry_points=False)
            >>> plugin = types.SimpleNamespace()
            >>> pm.register(plugin, name="demo")
            'demo'
            >>> pm.registered_at_run_time() == [("demo", plugin)]
            True
        """
        with self._lock:
            self._check_reentry("list the plugins")
            self._ensure_loaded()
            return [(n, self._pm.get_plugin(n)) for n in self._order if self._infos[n].source == RUN_TIME]

    def unregister(self, name: str) -> None:
        """Remove a plugin by name; the registries are rebuilt on next use."""
        with self._lock:
            self._check_reentry("unregister a plugin")
            self._ensure_loaded()
            if name not in self._infos:
                raise PluginError(
                    f"no plugin named {name!r} is registered (registered: {', '.join(self._order) or 'none'})"
                )
            self._pm.unregister(name=name)
            del self._infos[name]
            self._order.remove(name)
            self._registries = None

    # ------------------------------------------------------------ registries
    def _build(self) -> dict[str, Registry]:
        """Run every plugin's registration hooks, in loading order, into fresh registries."""
        registries = {family: Registry(family) for family in self.families}
        for family in self.families:
            registry = registries[family]
            hook_name = f"minigrad_register_{family}"
            impls = sorted(
                getattr(self._pm.hook, hook_name).get_hookimpls(),
                key=lambda impl: self._order.index(impl.plugin_name),
            )
            for impl in impls:
                where = f"plugin '{impl.plugin_name}' in {hook_name}"
                with registry.registering(impl.plugin_name), self._doing(where):
                    try:
                        result = impl.function(**{arg: registry for arg in impl.argnames})
                    except (RegistrationError, PluginError):
                        raise  # these already name the plugin
                    except Exception as err:
                        raise PluginError(
                            f"{where} raised {type(err).__name__}: {err}. This is a bug in plugin "
                            f"'{impl.plugin_name}'; report it to its authors, or skip the plugin "
                            f"with {DISABLE_VARIABLE}={impl.plugin_name}"
                        ) from err
                if result is not None:
                    raise PluginError(
                        f"{where} returned a {type(result).__name__}; registration hooks add "
                        "components with registry.add(name, factory, ...) and return None"
                    )
        for registry in registries.values():
            registry.freeze()
        self._infos = {name: self._describe(info, registries) for name, info in self._infos.items()}
        return registries

    @staticmethod
    def _describe(info: PluginInfo, registries: dict[str, Registry]) -> PluginInfo:
        provided: dict[str, list[str]] = {}
        overridden: dict[str, dict[str, str]] = {}
        for family, registry in registries.items():
            for comp in registry.components():
                if comp.plugin == info.name:
                    provided.setdefault(family, []).append(comp.name)
                newer, older = comp, comp.overrides
                while older is not None:
                    if older.plugin == info.name:
                        overridden.setdefault(family, {})[comp.name] = newer.plugin
                    newer, older = older, older.overrides
        return dataclasses.replace(info, components=provided, overridden=overridden)

    def registry(self, family: str) -> Registry:
        """The registry of ``family`` ("layers", "losses", ...), built on first use.

        Example:
            >>> import minigrad as mg
            >>> mg.PluginManager(builtin=False, entry_points=False).registry("layers").family
            'layers'
        """
        if family not in self.families:  # checked before anything loads
            close = difflib.get_close_matches(str(family), self.families, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise UnknownComponentError(
                f"unknown component family {family!r}{hint} (families: {', '.join(self.families)})"
            )
        with self._lock:
            self._check_reentry(f"look up the {family} registry")
            self._ensure_loaded()
            if self._registries is None:
                self._registries = self._build()
            return self._registries[family]

    def plugins(self) -> list[PluginInfo]:
        """Every loaded plugin in loading order, with what it registered.

        Example:
            >>> import minigrad as mg
            >>> pm = mg.PluginManager(builtin=False, entry_points=False)
            >>> pm.plugins()
            []
        """
        with self._lock:
            self._check_reentry("list the plugins")
            self.registry(self.families[0])  # make sure the registrations ran
            return [self._infos[name] for name in self._order]

    def plugin_names(self) -> list[str]:
        """Names of the loaded plugins, in loading order.

        Example:
            >>> import minigrad as mg
            >>> mg.PluginManager(builtin=False, entry_points=False).plugin_names()
            []
        """
        with self._lock:
            self._check_reentry("list the plugins")
            self._ensure_loaded()
            return list(self._order)

    def get_plugin(self, name: str) -> Any:
        """The plugin object registered as ``name``.

        Example:
            >>> import minigrad as mg
            >>> try:
            ...     mg.PluginManager(builtin=False, entry_points=False).get_plugin("nope")
            ... except mg.PluginError as err:
            ...     print(err)
            no plugin named 'nope' is registered (registered: none)
        """
        with self._lock:
            self._check_reentry(f"get plugin {name!r}")
            self._ensure_loaded()
            plugin = self._pm.get_plugin(name)
            if plugin is None:
                raise PluginError(
                    f"no plugin named {name!r} is registered (registered: {', '.join(self._order) or 'none'})"
                )
            return plugin

    def disabled_but_missing(self) -> list[str]:
        """Names in :attr:`disabled` that matched no plugin (probably misspelled).

        Example:
            >>> import minigrad as mg
            >>> mg.PluginManager(builtin=False, entry_points=False, disabled={"nope"}).disabled_but_missing()
            ['nope']
        """
        with self._lock:
            self._check_reentry("list the disabled plugins")
            self._ensure_loaded()
            return sorted(self.disabled - self._disabled_found)


def _dist_version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "dev"


def _version_of(plugin: Any) -> str:
    return str(getattr(plugin, "__version__", "") or "")


def plugin_reference(plugin: Any) -> str | None:
    """The name a fresh process can import ``plugin`` by: ``"module"`` for a module,
    ``"module:attribute"`` for a class, function or object at the top level of a module
    (an object is looked up in the module of its class); None when there is none (the
    plugin lives in ``__main__`` of a script or an interactive session, inside a
    function, or in no module at all).

    Example:
        >>> import types
        >>> import minigrad.hookspecs
        >>> from minigrad.manager import plugin_reference
        >>> plugin_reference(minigrad.hookspecs), plugin_reference(types.SimpleNamespace())
        ('minigrad.hookspecs', None)
    """
    if inspect.ismodule(plugin):
        name = plugin.__name__
        importable = getattr(plugin, "__spec__", None) is not None and sys.modules.get(name) is plugin
        return name if importable and name != "__main__" else None
    qualname = getattr(plugin, "__qualname__", None)  # classes and functions
    module_name = getattr(plugin, "__module__", None)
    if not isinstance(qualname, str):  # an object: a top-level name of its class's module
        module_name = getattr(type(plugin), "__module__", None)
        module = sys.modules.get(module_name) if isinstance(module_name, str) else None
        names = [k for k, v in vars(module).items() if v is plugin] if module is not None else []
        qualname = min(names) if names else None
    if not isinstance(module_name, str) or not qualname or module_name in ("__main__", "__mp_main__"):
        return None
    reference = f"{module_name}:{qualname}"
    module = sys.modules.get(module_name)
    if module is None or plugin_reference(module) is None:
        return None
    try:
        found = import_plugin_reference(reference)
    except Exception:
        return None
    return reference if found is plugin else None


def import_plugin_reference(reference: str) -> Any:
    """The object a :func:`plugin_reference` names, importing its module if needed.

    Example:
        >>> import minigrad.hookspecs
        >>> from minigrad.manager import import_plugin_reference
        >>> import_plugin_reference("minigrad.hookspecs:PROJECT")
        'minigrad'
    """
    module_name, _, qualname = reference.partition(":")
    found = importlib.import_module(module_name)
    for part in qualname.split(".") if qualname else ():
        found = getattr(found, part)
    return found


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


def _validate_hooks(pm: pluggy.PluginManager, plugin: Any, label: str) -> None:
    """Refuse what pluggy would silently ignore: a ``minigrad_*`` function that is not a
    hook (misspelled), a hook without ``@hookimpl``, and wrapper hookimpls."""
    for attr in dir(plugin):
        try:
            opts = pm.parse_hookimpl_opts(plugin, attr)
            value = getattr(plugin, attr)
        except Exception:
            continue  # attributes that fail to read cannot be hooks
        hook_name = (opts or {}).get("specname") or attr
        if opts is None and not (attr.startswith("minigrad_") and callable(value)):
            continue
        if hook_name not in _HOOK_NAMES:
            close = difflib.get_close_matches(hook_name, _HOOK_NAMES, n=1, cutoff=0.75)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise PluginError(
                f"{label} defines {hook_name}(), which is not a minigrad hook{hint} "
                f"(the hooks are {', '.join(_HOOK_NAMES)})"
            )
        if opts is None:
            raise PluginError(
                f"{label} defines {attr}() without @minigrad.hookimpl, so it would never be "
                "called; decorate it with @minigrad.hookimpl"
            )
        if opts.get("wrapper") or opts.get("hookwrapper"):
            raise PluginError(
                f"{label} declares {attr}() as a wrapper; registration hooks are plain functions "
                "that add to the registry (drop wrapper=/hookwrapper=)"
            )
        unknown = _required_arguments(value) - {"registry"}
        if unknown:
            raise PluginError(
                f"{label} defines {attr}({', '.join(sorted(unknown))}), but {hook_name} passes a single "
                f"argument named 'registry'; write def {attr}(registry)"
            )


def _required_arguments(function: Any) -> set[str]:
    """Names of the arguments a hook implementation requires (pluggy matches them by name)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return set()  # pluggy's own validation still applies
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return {p.name for p in parameters if p.kind in kinds and p.default is inspect.Parameter.empty}


_manager: PluginManager | None = None
_manager_lock = threading.Lock()


def get_plugin_manager() -> PluginManager:
    """The process-wide :class:`PluginManager`.

    Creating it is cheap and loads nothing; plugins load on the first registry
    lookup.

    Example:
        >>> import minigrad as mg
        >>> mg.get_plugin_manager() is mg.get_plugin_manager()
        True
    """
    global _manager
    manager = _manager
    if manager is None:
        with _manager_lock:
            if _manager is None:
                _manager = PluginManager()
            manager = _manager
    return manager


def reset_plugin_manager() -> None:
    """Forget the cached manager; the next use reloads every plugin (re-reading
    ``MINIGRAD_DISABLE_PLUGINS`` and the installed entry points) and drops plugins
    registered at run time.

    Example:
        >>> import minigrad as mg
        >>> before = mg.get_plugin_manager()
        >>> mg.reset_plugin_manager()
        >>> mg.get_plugin_manager() is before
        False
    """
    global _manager
    with _manager_lock:
        _manager = None


def register_plugin(plugin: Any, *, name: str | None = None) -> str:
    """Register a plugin object (module, class instance, ...) in this process.

    Handy in notebooks and tests; installed packages use the ``minigrad`` entry-point
    group instead. Its hooks run at once, so mistakes raise here. Returns the
    plugin's name.

    The registration holds in this process only. A hyperparameter study run on worker
    processes (:func:`minigrad.tune.run_study` with ``executor="process"`` or
    ``"dask"``) registers the plugin again in each worker by importing it by name
    (:func:`plugin_reference`), so register a module, or a top-level object of a
    module, that the workers can import; one defined in ``__main__`` (a script or an
    interactive session) or inside a function is refused there before any trial runs.

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
        >>> import types
        >>> import minigrad as mg
        >>> @mg.hookimpl
        ... def minigrad_register_schedules(registry):
        ...     registry.add("tenth", lambda lr0: (lambda epoch: lr0 / 10), doc="lr0 / 10")
        >>> mg.register_plugin(types.SimpleNamespace(minigrad_register_schedules=minigrad_register_schedules),
        ...                    name="tenth_plugin")
        'tenth_plugin'
        >>> comp = mg.component("schedules", "tenth")
        >>> comp.plugin, comp.doc
        ('tenth_plugin', 'lr0 / 10')
        >>> mg.unregister_plugin("tenth_plugin")
    """
    return get_plugin_manager().registry(family).get(name)


def components(family: str) -> list[Component]:
    """Every registered component of ``family``, sorted by name.

    Example:
        >>> import minigrad as mg
        >>> all(c.family == "layers" for c in mg.components("layers"))
        True
    """
    return get_plugin_manager().registry(family).components()
