"""Registries: name -> :class:`Component`, one per family of plugin components."""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from minigrad.errors import (
    ConfigError,
    MinigradError,
    PluginError,
    RegistrationError,
    UnknownComponentError,
    did_you_mean,
)

__all__ = ["Component", "Registry"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Component:
    """One registered component: what a plugin added to a :class:`Registry`.

    Attributes:
        family: e.g. ``"layers"``.
        name: the registered name, e.g. ``"dense"``.
        factory: builds an instance from options.
        plugin: the name of the plugin that registered it.
        doc: one-line description (the formula, where there is one).
        example: builds a small instance and sample inputs for the conformance kit.
        metadata: anything else the registration declared.
        overrides: the component this one replaced (with ``override=True``), if any.

    Example:
        >>> import minigrad as mg
        >>> reg = mg.Registry("schedules")
        >>> reg.add("constant", lambda lr0: (lambda epoch: lr0), plugin="demo", doc="lr0")
        >>> reg.get("constant").create(0.1)(5)
        0.1
    """

    family: str
    name: str
    factory: Callable[..., Any]
    plugin: str
    doc: str = ""
    example: Callable[..., Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    overrides: Component | None = None

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """Call the factory; errors name the component and its plugin.

        Arguments that do not fit the factory's signature raise
        :class:`~minigrad.ConfigError` showing the signature (and the closest
        keyword, for a misspelled one); any other exception raised inside the plugin's
        factory becomes :class:`~minigrad.PluginError`. Errors minigrad raises on
        purpose (a :class:`~minigrad.MinigradError`, e.g. an option out of range) pass
        through unchanged.

        Example:
            >>> import minigrad as mg
            >>> reg = mg.Registry("schedules")
            >>> reg.add("step", lambda lr0, *, drop=0.5: (lambda epoch: lr0 * drop**epoch), plugin="demo")
            >>> reg.get("step").create(1.0, drop=0.25)(2)
            0.0625
            >>> try:
            ...     reg.get("step").create(1.0, dorp=0.25)
            ... except mg.ConfigError as err:
            ...     print(str(err).split(";")[1])
             did you mean 'drop'? It takes step(lr0, *, drop=0.5)
        """
        signature = _signature(self.factory)
        if signature is not None:
            try:
                signature.bind(*args, **kwargs)
            except TypeError as err:
                raise ConfigError(self._bad_arguments(err, signature, args, kwargs)) from None
        try:
            return self.factory(*args, **kwargs)
        except MinigradError:
            raise
        except TypeError as err:
            if signature is not None:  # the arguments fit, so the plugin itself failed
                raise self._crashed(err) from err
            raise ConfigError(self._bad_arguments(err, None, args, kwargs)) from err
        except Exception as err:
            raise self._crashed(err) from err

    def _bad_arguments(
        self, err: TypeError, signature: inspect.Signature | None, args: tuple, kwargs: dict
    ) -> str:
        """The message for arguments that do not fit the factory: unexpected keywords first,
        each with the keyword it probably meant (a near miss, or minigrad's name for a Keras
        or PyTorch spelling, see ``_ALIASES``), then whatever else is wrong that those
        suggestions would not fix, then the signature."""
        where = f"{self.family} '{self.name}' (plugin {self.plugin})"
        if signature is None:
            return f"{where}: {err}; it takes {self.name}(...)"
        shown = f"{self.name}{signature}"
        accepted = [p.name for p in signature.parameters.values() if p.kind not in _VARIADIC]
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())
        unexpected = [] if takes_any else [key for key in kwargs if key not in accepted]
        if not unexpected:
            return f"{where}: {err}; it takes {shown}"
        hints = {key: _suggested(key, accepted) for key in unexpected}

        def named(key: str, form: str) -> str:
            meant = ", ".join(map(repr, hints[key]))
            return f"{key!r}{form.format(meant) if meant else ''}"

        if len(unexpected) == 1:
            problem = "unexpected keyword argument " + named(unexpected[0], "; did you mean {}?")
            value, meant = kwargs[unexpected[0]], hints[unexpected[0]]
            if len(meant) > 1 and isinstance(value, tuple | list) and len(value) == len(meant):
                spelled = ", ".join(f"{name}={part!r}" for name, part in zip(meant, value))
                problem += f" (minigrad takes them one by one: {spelled})"
        else:
            problem = "unexpected keyword arguments " + ", ".join(
                named(key, " (did you mean {}?)") for key in unexpected
            )
        # what would still be wrong with the keywords renamed as suggested (or dropped)?
        renamed = {key: value for key, value in kwargs.items() if key not in unexpected}
        for key in unexpected:
            for name in hints[key]:
                renamed.setdefault(name, None)
        try:
            signature.bind(*args, **renamed)
        except TypeError as still:
            problem += f"; also {still}"
        return f"{where}: {problem}{' It takes' if problem.endswith('?') else '; it takes'} {shown}"

    def _crashed(self, err: Exception) -> PluginError:
        return PluginError(
            f"{self.family} '{self.name}' from plugin '{self.plugin}' failed while being created: "
            f"{type(err).__name__}: {err}. This is a bug in plugin '{self.plugin}'; report it to its "
            f"authors (or skip the plugin with MINIGRAD_DISABLE_PLUGINS={self.plugin})"
        )


_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)

#: Keywords other libraries spell differently (Keras, PyTorch) -> minigrad's names; a hint
#: only where the factory takes all of those names.
_ALIASES = {
    "learning_rate": ("lr",),
    "betas": ("beta1", "beta2"),
    "validation_data": ("dev",),
}


def _suggested(key: str, accepted: list[str]) -> tuple[str, ...]:
    """The keyword(s) an unexpected ``key`` probably meant: minigrad's name for a known
    alias, else the closest accepted name; empty when nothing is close."""
    alias = _ALIASES.get(key)
    if alias and all(name in accepted for name in alias):
        return alias
    return tuple(difflib.get_close_matches(key, accepted, n=1))


def _signature(factory: Callable[..., Any]) -> inspect.Signature | None:
    """The factory's call signature, or None where Python cannot tell (some builtins)."""
    try:
        return inspect.signature(factory)
    except (TypeError, ValueError):
        return None


#: The keywords of :meth:`Registry.add` and the metadata keys minigrad itself reads (the
#: kit, configuration files); another key that is a near miss of one is refused as a typo.
_READ_KEYS = (
    "doc",
    "example",
    "override",
    "plugin",
    "stochastic",
    "output_shape",
    "input_size",
    "output_size",
    "writes",
    "variance",
    "defaults",
    "check_hyper",
)


class Registry:
    """The components of one family (layers, losses, ...), by name.

    Plugins receive a registry in their ``minigrad_register_<family>`` hook and call
    :meth:`add`. Users look components up with :meth:`get` / :meth:`create`, or more
    simply with :func:`minigrad.layer`, :func:`minigrad.loss`, ....

    Example:
        >>> import minigrad as mg
        >>> reg = mg.Registry("schedules")
        >>> reg.add("constant", lambda lr0: (lambda epoch: lr0), plugin="demo")
        >>> "constant" in reg, reg.names()
        (True, ['constant'])
    """

    def __init__(self, family: str) -> None:
        self.family = family
        self._components: dict[str, Component] = {}
        self._plugin: str | None = None
        self._frozen = False

    @contextmanager
    def registering(self, plugin: str) -> Iterator[Registry]:
        """Attribute every :meth:`add` in this scope to ``plugin`` (used by the manager).

        Example:
            >>> import minigrad as mg
            >>> reg = mg.Registry("schedules")
            >>> with reg.registering("my_plugin"):
            ...     reg.add("flat", lambda lr0: (lambda epoch: lr0))
            >>> reg.get("flat").plugin
            'my_plugin'
        """
        previous, self._plugin = self._plugin, plugin
        try:
            yield self
        finally:
            self._plugin = previous

    def add(
        self,
        name: str,
        factory: Callable[..., Any],
        *,
        doc: str | None = None,
        example: Callable[..., Any] | None = None,
        override: bool = False,
        plugin: str | None = None,
        **metadata: Any,
    ) -> None:
        """Register ``factory`` under ``name``.

        Args:
            name: lower-case letters, digits and underscores, starting with a letter.
            factory: callable building the component from its options.
            doc: one line (the formula); defaults to the factory docstring's first line.
            example: builds a small instance and inputs for the conformance kit.
            override: replace a component another plugin registered under ``name``.
                Without it, a second registration of a name is a
                :class:`~minigrad.RegistrationError` naming both plugins.
            plugin: who registers it (set by the plugin manager; give it when adding by
                hand).
            **metadata: anything else the family's checks or docs use.

        Example:
            >>> import minigrad as mg
            >>> reg = mg.Registry("schedules")
            >>> reg.add("constant", lambda lr0: (lambda epoch: lr0), plugin="a")
            >>> reg.add("constant", lambda lr0: (lambda epoch: 2 * lr0), plugin="b", override=True)
            >>> reg.get("constant").plugin, reg.get("constant").overrides.plugin
            ('b', 'a')
        """
        if self._plugin is not None and plugin is not None and plugin != self._plugin:
            raise RegistrationError(
                f"plugin '{self._plugin}' registered {self.family} {name!r} with plugin={plugin!r}; "
                "inside a hook, components always belong to the plugin whose hook adds them: "
                "drop the plugin= argument"
            )
        owner = self._plugin or plugin or "<unknown plugin>"
        if self._frozen:
            raise RegistrationError(
                f"{self.family} {name!r} (plugin '{owner}') was added after the plugin manager "
                "finished building the registry; add components inside a minigrad_register_"
                f"{self.family} hook and register the plugin with mg.register_plugin(...)"
            )
        if not isinstance(name, str) or not _NAME.match(name):
            raise RegistrationError(
                f"plugin '{owner}' registered {self.family} name {name!r}: names are lower-case "
                "letters, digits and underscores starting with a letter, e.g. 'leaky_relu'"
            )
        if not callable(factory):
            raise RegistrationError(
                f"plugin '{owner}' registered {self.family} '{name}' with a "
                f"{type(factory).__name__}, which is not callable; pass a factory function or class"
            )
        previous = self._components.get(name)
        if previous is not None and not override and previous.plugin == owner:
            raise RegistrationError(
                f"plugin '{owner}' registered {self.family} '{name}' twice; "
                "each name can be added once per registry"
            )
        if previous is not None and not override:
            raise RegistrationError(
                f"{self.family} '{name}' is registered twice: by plugin '{previous.plugin}' and "
                f"by plugin '{owner}'; rename one of them, or pass override=True to replace "
                "it deliberately"
            )
        for key in metadata:  # free-form, but a near miss of a key minigrad reads is a typo
            # 0.85: one or two letters off ("exmaple", "stochastik"), not another word ("input_shape")
            close = [] if key in _READ_KEYS else difflib.get_close_matches(key, _READ_KEYS, n=1, cutoff=0.85)
            if close:
                raise RegistrationError(
                    f"plugin '{owner}' registered {self.family} '{name}' with {key}=...; did you mean "
                    f"{close[0]}=? (metadata keys minigrad reads: {', '.join(_READ_KEYS)})"
                )
        if doc is None:
            doc = (inspect.getdoc(factory) or "").strip().split("\n")[0]
        self._components[name] = Component(
            family=self.family,
            name=name,
            factory=factory,
            plugin=owner,
            doc=doc,
            example=example,
            metadata=dict(metadata),
            overrides=previous,
        )

    def get(self, name: str) -> Component:
        """The component registered as ``name``; unknown names list close matches.

        Example:
            >>> import minigrad as mg
            >>> reg = mg.Registry("schedules")
            >>> reg.add("constant", lambda lr0: (lambda epoch: lr0), plugin="demo")
            >>> reg.get("constant").name
            'constant'
        """
        try:
            return self._components[name]
        except (KeyError, TypeError):
            raise UnknownComponentError(self._unknown_message(name)) from None

    def freeze(self) -> None:
        """Refuse further :meth:`add` calls (the plugin manager freezes the registries it
        builds, so components only ever come from plugin hooks).

        Example:
            >>> import minigrad as mg
            >>> reg = mg.Registry("schedules")
            >>> reg.freeze()
            >>> try:
            ...     reg.add("late", lambda lr0: (lambda epoch: lr0), plugin="demo")
            ... except mg.RegistrationError:
            ...     print("refused")
            refused
        """
        self._frozen = True

    def _unknown_message(self, name: Any) -> str:
        known = sorted(self._components)
        hint = did_you_mean(name, known)  # 'L2' suggests 'l2'
        listing = ", ".join(known) if known else "none are registered"
        return f"unknown {self.family} {name!r}{hint} (known {self.family}: {listing})"

    def create(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """``get(name).create(*args, **kwargs)``.

        Example:
            >>> import minigrad as mg
            >>> reg = mg.Registry("schedules")
            >>> reg.add("constant", lambda lr0: (lambda epoch: lr0), plugin="demo")
            >>> reg.create("constant", 0.5)(3)
            0.5
        """
        return self.get(name).create(*args, **kwargs)

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._components)

    def components(self) -> list[Component]:
        """Registered components, sorted by name."""
        return [self._components[n] for n in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._components

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._components)

    def __repr__(self) -> str:
        return f"Registry({self.family!r}, {self.names()})"
