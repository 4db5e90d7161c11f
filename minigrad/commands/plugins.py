"""List every loaded plugin, its version and source, and what it registered.

Example:
    minigrad plugins                  # every plugin and component
    minigrad plugins --family layers  # one family, with each component's formula
"""

from __future__ import annotations

import argparse

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``minigrad plugins``."""
    parser.add_argument("--family", help="show only this family, with each component's description")


def run(args: argparse.Namespace) -> int:
    """Print the plugins table; returns the exit code."""
    from minigrad.manager import get_plugin_manager

    pm = get_plugin_manager()
    if args.family:
        registry = pm.registry(args.family)
        width = max((len(n) for n in registry.names()), default=4)
        print(f"{args.family} ({len(registry)}):")
        for comp in registry.components():
            print(f"  {comp.name:<{width}}  [{comp.plugin}]  {comp.doc}")
        return 0
    plugins = pm.plugins()
    print(f"{len(plugins)} plugin(s) loaded")
    for info in plugins:
        print(f"\n{info.name} {info.version}  ({info.source})")
        if not info.components:
            print("  (registers nothing)")
        for family in pm.families:
            names = info.components.get(family)
            if names:
                print(f"  {family:<14} {', '.join(names)}")
    if pm.disabled:
        print(f"\ndisabled by MINIGRAD_DISABLE_PLUGINS: {', '.join(sorted(pm.disabled))}")
    return 0
