"""Run the conformance kit on plugins and print a table of the results.

Every component of each plugin is checked against its family's contract (gradient
checks in float64, optimizer state round trips, schedule formulas, ...). The exit
code is 1 when any check fails, so the command fits CI.

Example:
    minigrad check                      # every loaded plugin, built-ins included
    minigrad check extras               # one plugin, by its entry-point name
    minigrad check builtin --family layers --examples 5
"""

from __future__ import annotations

import argparse

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``minigrad check``."""
    parser.add_argument(
        "plugins",
        nargs="*",
        metavar="PLUGIN",
        help="plugins to check: names of loaded plugins (see `minigrad plugins`) or dotted names of "
        "plugin modules not installed yet (default: every loaded plugin)",
    )
    parser.add_argument(
        "--family",
        action="append",
        metavar="FAMILY",
        help="check only this family (layers, losses, ...); repeat for several",
    )
    parser.add_argument(
        "--component", action="append", metavar="NAME", help="check only components of this name"
    )
    parser.add_argument("--examples", type=int, default=3, help="examples drawn per component (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the examples (default 0)")
    parser.add_argument(
        "--max-error",
        type=float,
        default=1e-7,
        help="largest relative error a gradient check passes with (default 1e-7)",
    )
    parser.add_argument(
        "--failures-only", action="store_true", help="list only the failed checks in the table"
    )


def run(args: argparse.Namespace) -> int:
    """Check the plugins, print the table; 1 if anything failed, else 0."""
    from minigrad.errors import ConfigError, did_you_mean
    from minigrad.manager import get_plugin_manager
    from minigrad.testing import ConformanceReport, check_plugin

    pm = get_plugin_manager()
    if args.family:
        unknown = [f for f in args.family if f not in pm.families]
        if unknown:
            raise ConfigError(
                f"unknown family {', '.join(map(repr, unknown))}; the families are {', '.join(pm.families)}"
            )
    names = args.plugins or pm.plugin_names()
    options = {"examples": args.examples, "seed": args.seed, "max_error": args.max_error}
    report = ConformanceReport()
    for name in names:
        report.extend(check_plugin(name, families=args.family, components=args.component, **options))
    checked = {result.component for result in report}
    unknown = [name for name in args.component or () if name not in checked]
    if unknown:  # a typo must not pass CI by checking nothing
        families = args.family or pm.families
        owners: dict[str, str] = {}  # component name -> the plugin registering it (loaded plugins)
        for family in families:
            registry = pm.registry(family)
            owners.update({n: registry.get(n).plugin for n in registry.names()})
        selected = sorted(n for n, plugin in owners.items() if plugin in names)
        where = f"plugin(s) {', '.join(map(repr, names))}" + (
            f", families {', '.join(families)}" if args.family else ""
        )
        problems = []
        for name in unknown:
            elsewhere = f" (plugin '{owners[name]}' registers one)" if name in owners else ""
            problems.append(
                f"--component {name}: no such component in {where}{elsewhere}{did_you_mean(name, selected)}"
            )
        raise ConfigError("; ".join(problems))
    if not len(report):
        print("nothing to check: the selected plugins register no such components")
        return 0
    shown = ConformanceReport(report.failures) if args.failures_only else report
    if len(shown):
        print(shown.table())
    print(report.summary())
    if report.failures:
        print("\nfailures:")
        for result in report.failures:
            print(f"- {result.message}")
        return 1
    return 0
