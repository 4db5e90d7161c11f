"""``minigrad plugins`` and the command line's error handling.

In-process tests call :func:`minigrad.cli.main`; the subprocess tests run the real
command with a fake installed plugin on ``PYTHONPATH``. The built-in plugin is
disabled where the output is checked, so these tests do not depend on which
built-ins exist.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest
from plugin_api.helpers import INSTALLED, write_distribution  # tests/ holds conftest.py: on sys.path

import minigrad as mg
from minigrad.cli import main

#: Plugins really installed here are skipped like the built-in one, so each test sees
#: only its own plugins.
SKIPPED = sorted({"builtin", *INSTALLED})
SKIP = ",".join(SKIPPED)

PLUGIN_SOURCE = """
    import minigrad as mg


    class Scale(mg.Module):
        def __init__(self, factor=2.0):
            super().__init__()
            self.factor = factor

        def forward(self, x):
            return x * self.factor


    @mg.hookimpl
    def minigrad_register_layers(registry):
        registry.add("acme_scale", Scale, doc="y = factor * x")
        registry.add("acme_shift", lambda shift=1.0: None, doc="y = x + shift")


    @mg.hookimpl
    def minigrad_register_schedules(registry):
        registry.add("acme_halving", lambda lr0: (lambda epoch: lr0 / 2**epoch), doc="lr0 / 2^epoch")
"""


def run_cli(*args: str, pythonpath: Path | None = None, disable: str = SKIP):
    env = dict(os.environ)
    env["MINIGRAD_DISABLE_PLUGINS"] = disable
    env["COLUMNS"] = "100"
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "minigrad.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def acme(tmp_path):
    return write_distribution(
        tmp_path / "site",
        dist="acme-layers",
        version="2.5.0",
        modules={"acme_cli_plugin": PLUGIN_SOURCE},
        entry_points={"acme": "acme_cli_plugin"},
    )


@pytest.fixture
def broken(tmp_path):
    return write_distribution(
        tmp_path / "broken_site",
        dist="acme-broken",
        version="0.0.1",
        modules={"acme_broken_plugin": "raise ImportError(\"No module named 'libacme'\")"},
        entry_points={"broken": "acme_broken_plugin"},
    )


# ------------------------------------------------------------------ real subprocesses
def test_installed_plugin_is_listed_with_version_source_and_families(acme):
    done = run_cli("plugins", pythonpath=acme)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("1 plugin loaded\n")
    assert "acme 2.5.0  (3 components)" in out
    assert re.search(
        r"^  source +entry point acme = acme_cli_plugin \(distribution acme-layers\)$", out, re.M
    )
    assert re.search(r"^  layers +acme_scale, acme_shift$", out, re.M)
    assert re.search(r"^  schedules +acme_halving$", out, re.M)
    assert f"skipped (MINIGRAD_DISABLE_PLUGINS): {', '.join(SKIPPED)}" in out


def test_family_view_lists_components_with_plugin_and_description(acme):
    done = run_cli("plugins", "--family", "layers", pythonpath=acme)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "layers: 2 registered"
    assert lines[1:4] == [
        "  name        plugin  description",
        "  acme_scale  acme    y = factor * x",
        "  acme_shift  acme    y = x + shift",
    ]


def test_broken_plugin_exits_non_zero_with_one_paragraph(acme, broken):
    done = run_cli("plugins", pythonpath=Path(f"{acme}{os.pathsep}{broken}"))
    assert done.returncode == 1
    assert done.stdout == ""
    err = done.stderr.strip()
    assert "Traceback" not in err
    assert "\n" not in err  # one paragraph
    assert err.startswith("minigrad: error: plugin 'broken' (distribution acme-broken 0.0.1")
    assert "ImportError: No module named 'libacme'" in err
    assert "MINIGRAD_DISABLE_PLUGINS=broken" in err


def test_disabling_the_broken_plugin_lets_the_command_run(acme, broken):
    done = run_cli("plugins", pythonpath=Path(f"{acme}{os.pathsep}{broken}"), disable=f"{SKIP},broken")
    assert done.returncode == 0, done.stderr
    assert "acme 2.5.0" in done.stdout
    assert f"skipped (MINIGRAD_DISABLE_PLUGINS): {', '.join(sorted([*SKIPPED, 'broken']))}" in done.stdout


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(broken, where):
    args = ["--debug", "plugins"] if where == "before" else ["plugins", "--debug"]
    done = run_cli(*args, pythonpath=broken)
    assert done.returncode != 0
    assert "Traceback (most recent call last)" in done.stderr
    assert "ImportError: No module named 'libacme'" in done.stderr
    assert "minigrad.errors.PluginError: plugin 'broken'" in done.stderr


def test_unknown_family_exits_2():
    done = run_cli("plugins", "--family", "layer")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "minigrad: error: unknown component family 'layer'; did you mean 'layers'? (families: initializers, "
        "layers, losses, regularizers, optimizers, schedules, callbacks, datasets, augmentations)"
    )


def test_no_command_prints_help():
    done = run_cli()
    assert done.returncode == 2
    assert done.stdout.startswith("usage: minigrad")
    assert "plugins" in done.stdout and "--debug" in done.stdout


# ------------------------------------------------------------------ in process
@pytest.fixture
def only(monkeypatch, fresh_plugins):
    """A plugin manager holding only the plugins the test registers."""
    monkeypatch.setenv("MINIGRAD_DISABLE_PLUGINS", SKIP)
    monkeypatch.setenv("COLUMNS", "80")
    mg.reset_plugin_manager()
    yield mg.register_plugin
    mg.reset_plugin_manager()


def plugin(**families: list[str]):
    """A plugin registering identity factories under the given names, per family."""
    hooks = {}
    for family, names in families.items():
        override = family.endswith("_override")
        family = family.removesuffix("_override")

        def hook(registry, names=names, override=override):
            for name in names:
                registry.add(name, lambda: None, doc=f"the {name}", override=override)

        hook.__name__ = f"minigrad_register_{family}"
        hooks[hook.__name__] = mg.hookimpl(hook, specname=hook.__name__)
    return types.SimpleNamespace(**hooks)


def test_table_is_aligned_and_wrapped(only, capsys):
    many = [f"component_number_{i}" for i in range(8)]
    only(plugin(layers=many, augmentations=["flip"], losses=["hinge"]), name="alpha")
    only(plugin(schedules=["flat"]), name="beta")
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 plugins loaded\n")
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    # Every value starts in one column: on labelled rows, continuation lines, in both plugins.
    value_columns = set()
    for line in lines:
        if line.startswith("  "):
            labelled = re.match(r"  \S+ +", line)
            value_columns.add(labelled.end() if labelled else len(line) - len(line.lstrip()))
    assert value_columns == {len("  augmentations  ")}, out
    assert sum(line.startswith("  " * 5) for line in lines) >= 1  # the long row wrapped
    # Families appear in the documented order; continuation lines keep names whole.
    assert out.index("  layers") < out.index("  losses") < out.index("  augmentations")
    assert "component_number_7" in out
    assert "alpha (no version)  (10 components)" in out
    assert "beta (no version)  (1 component)" in out


def test_overrides_are_shown_on_both_sides(only, capsys):
    only(plugin(schedules=["flat", "steep"]), name="base")
    only(plugin(schedules_override=["flat"]), name="patch")
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^  schedules +flat \(overrides base\)$", out, re.M)
    assert re.search(r"^  replaced +schedules 'flat' \(by patch\)$", out, re.M)
    assert main(["plugins", "--family", "schedules"]) == 0
    family = capsys.readouterr().out.splitlines()
    assert family[1:] == [
        "  name   plugin                  description",
        "  flat   patch (overrides base)  the flat",
        "  steep  base                    the steep",
        "",
        f"skipped (MINIGRAD_DISABLE_PLUGINS): {', '.join(SKIPPED)}",
    ]


def test_plugin_registering_nothing_and_empty_family(only, capsys):
    only(types.SimpleNamespace(), name="hollow")
    assert main(["plugins"]) == 0
    assert re.search(r"^ +\(registers nothing\)$", capsys.readouterr().out, re.M)
    assert main(["plugins", "--family", "datasets"]) == 0
    assert capsys.readouterr().out.startswith("datasets: none registered\n")


def test_no_plugins_at_all(only, capsys):
    assert main(["plugins"]) == 0
    skipped = ", ".join(SKIPPED)
    assert capsys.readouterr().out == f"no plugins loaded\n\nskipped (MINIGRAD_DISABLE_PLUGINS): {skipped}\n"


def test_misspelled_disable_name_is_pointed_out(only, monkeypatch, capsys):
    monkeypatch.setenv("MINIGRAD_DISABLE_PLUGINS", f"{SKIP},acme_tpyo")
    mg.reset_plugin_manager()
    assert main(["plugins"]) == 0
    assert (
        "skipped (MINIGRAD_DISABLE_PLUGINS): acme_tpyo (no such plugin), builtin" in capsys.readouterr().out
    )


def test_plugin_errors_exit_1_and_config_errors_exit_2(only, tmp_path, monkeypatch, capsys):
    source = """
        import minigrad as mg

        @mg.hookimpl
        def minigrad_register_layers(registry):
            raise RuntimeError("boom")
    """
    root = write_distribution(
        tmp_path,
        dist="acme-crash",
        version="1.0",
        modules={"acme_cli_crash": source},
        entry_points={"crashy": "acme_cli_crash"},
    )
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.delitem(sys.modules, "acme_cli_crash", raising=False)
    mg.reset_plugin_manager()
    assert main(["plugins"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "minigrad: error: plugin 'crashy' in minigrad_register_layers raised RuntimeError: boom"
    )
    assert main(["plugins", "--family", "nope"]) == 2
    sys.modules.pop("acme_cli_crash", None)


def test_debug_reraises_in_process(only):
    with pytest.raises(mg.UnknownComponentError):
        main(["--debug", "plugins", "--family", "nope"])
    with pytest.raises(mg.UnknownComponentError):
        main(["plugins", "--family", "nope", "--debug"])


def test_help_of_the_plugins_command(capsys):
    with pytest.raises(SystemExit) as info:
        main(["plugins", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--family FAMILY" in out
    assert "MINIGRAD_DISABLE_PLUGINS" in out


def test_a_reader_that_goes_away_ends_the_command_quietly():
    # `minigrad plugins | head -0`: the pipe is closed before the first line is written.
    # Buffered, as stdout to a pipe is by default: the table, shorter than the buffer,
    # reaches the pipe only at the end (PYTHONUNBUFFERED would hide that case).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "minigrad.cli", "plugins"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**env, "MINIGRAD_DISABLE_PLUGINS": ""},
    )
    proc.stdout.close()
    stderr = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 1
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
