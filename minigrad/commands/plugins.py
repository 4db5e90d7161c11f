"""List every loaded plugin, its version and source, and what it registered.

Example:
    minigrad plugins                  # every plugin and what it registered, per family
    minigrad plugins --family layers  # one family: each component, its plugin and formula

Plugins named in MINIGRAD_DISABLE_PLUGINS (comma-separated) are skipped and listed
at the end.
"""

from __future__ import annotations

import argparse
import shutil
import textwrap

__all__ = ["configure", "format_family", "format_plugins", "run"]

_INDENT = "  "


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``minigrad plugins``.

    Example:
        >>> import argparse
        >>> parser = argparse.ArgumentParser()
        >>> configure(parser)
        >>> parser.parse_args(["--family", "layers"]).family
        'layers'
    """
    parser.add_argument(
        "--family",
        metavar="FAMILY",
        help="show only this family (layers, losses, ...), with each component's plugin and description",
    )


def run(args: argparse.Namespace) -> int:
    """Print the plugins table (or one family's components); returns the exit code."""
    from minigrad.manager import get_plugin_manager

    pm = get_plugin_manager()
    width = shutil.get_terminal_size((100, 24)).columns
    text = format_family(pm, args.family, width=width) if args.family else format_plugins(pm, width=width)
    print(text)
    return 0


def format_plugins(pm, *, width: int = 100) -> str:
    """Every plugin as a small aligned table: its source, then its components per family.

    Example:
        >>> import types
        >>> import minigrad as mg
        >>> pm = mg.PluginManager(builtin=False, entry_points=False)
        >>> @mg.hookimpl
        ... def minigrad_register_schedules(registry):
        ...     registry.add("halving", lambda lr0: (lambda epoch: lr0 / 2**epoch))
        >>> plugin = types.SimpleNamespace(minigrad_register_schedules=minigrad_register_schedules,
        ...                                __version__="1.0")
        >>> pm.register(plugin, name="halving_plugin")
        'halving_plugin'
        >>> print(format_plugins(pm))
        1 plugin loaded
        <BLANKLINE>
        halving_plugin 1.0  (1 component)
          source         registered at run time
          schedules      halving
    """
    plugins = pm.plugins()
    label_width = max(len(label) for label in (*pm.families, "source", "replaced"))
    lines = [
        f"{len(plugins)} plugin{'s' if len(plugins) != 1 else ''} loaded" if plugins else "no plugins loaded"
    ]
    for info in plugins:
        count = sum(len(names) for names in info.components.values())
        lines.append("")
        lines.append(f"{info.name} {info.version or '(no version)'}  ({count} component{'s' * (count != 1)})")
        rows = [("source", info.source)]
        for family in pm.families:
            names = info.components.get(family)
            if names:
                registry = pm.registry(family)
                rows.append((family, ", ".join(_with_override(registry.get(n)) for n in names)))
        replaced = [
            f"{family} '{name}' (by {by})"
            for family in pm.families
            for name, by in sorted(info.overridden.get(family, {}).items())
        ]
        if replaced:
            rows.append(("replaced", ", ".join(replaced)))
        if count == 0:
            rows.append(("", "(registers nothing)"))
        lines.extend(_table(rows, label_width, width))
    lines.extend(_disabled_lines(pm))
    return "\n".join(lines)


def format_family(pm, family: str, *, width: int = 100) -> str:
    """One family's components: name, plugin and description, aligned.

    Example:
        >>> import types
        >>> import minigrad as mg
        >>> pm = mg.PluginManager(builtin=False, entry_points=False)
        >>> @mg.hookimpl
        ... def minigrad_register_schedules(registry):
        ...     registry.add("constant", lambda lr0: (lambda epoch: lr0), doc="lr0")
        ...     registry.add("halving", lambda lr0: (lambda epoch: lr0 / 2**epoch), doc="lr0 / 2^epoch")
        >>> pm.register(types.SimpleNamespace(minigrad_register_schedules=minigrad_register_schedules),
        ...             name="demo")
        'demo'
        >>> print(format_family(pm, "schedules"))
        schedules: 2 registered
          name      plugin  description
          constant  demo    lr0
          halving   demo    lr0 / 2^epoch
    """
    registry = pm.registry(family)
    comps = registry.components()
    if not comps:
        return f"{family}: none registered" + "".join(f"\n{line}" for line in _disabled_lines(pm))
    rows = [("name", "plugin", "description")]
    rows += [(c.name, _plugin_of(c), c.doc or "") for c in comps]
    name_w = max(len(r[0]) for r in rows)
    plugin_w = max(len(r[1]) for r in rows)
    lines = [f"{family}: {len(comps)} registered"]
    for name, plugin, doc in rows:
        lines.append(f"{_INDENT}{name:<{name_w}}  {plugin:<{plugin_w}}  {doc}".rstrip())
    lines.extend(_disabled_lines(pm))
    return "\n".join(lines)


def _with_override(comp) -> str:
    """The component's name, with the plugin it replaced, if any."""
    return f"{comp.name} (overrides {comp.overrides.plugin})" if comp.overrides is not None else comp.name


def _plugin_of(comp) -> str:
    """The component's plugin, with the plugin it replaced, if any."""
    return f"{comp.plugin} (overrides {comp.overrides.plugin})" if comp.overrides is not None else comp.plugin


def _table(rows: list[tuple[str, str]], label_width: int, width: int) -> list[str]:
    """Two aligned columns; long values wrap under the value column, names unbroken."""
    lines = []
    value_indent = " " * (len(_INDENT) + label_width + 2)
    for label, value in rows:
        wrapped = textwrap.wrap(
            value,
            width=max(width, len(value_indent) + 30),
            initial_indent=f"{_INDENT}{label:<{label_width}}  ",
            subsequent_indent=value_indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
        lines.extend(wrapped)
    return lines


def _disabled_lines(pm) -> list[str]:
    if not pm.disabled:
        return []
    missing = set(pm.disabled_but_missing())
    shown = ", ".join(f"{name} (no such plugin)" if name in missing else name for name in sorted(pm.disabled))
    return ["", f"skipped (MINIGRAD_DISABLE_PLUGINS): {shown}"]
