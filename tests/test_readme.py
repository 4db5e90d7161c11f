"""The README's commands and examples are true: CI runs its test command verbatim, its
commands name real extras and CLI commands, and its Python examples run."""

from __future__ import annotations

import re
import shlex
import tomllib
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.S | re.M)


def _command(marker: str) -> str:
    """The one-line bash command of the README that contains ``marker``."""
    found = [line for block in _blocks("bash") for line in block.splitlines() if marker in line]
    assert len(found) >= 1, f"no README bash command contains {marker!r}"
    return found[0].strip()


def test_the_two_commands_come_first():
    # Right after the title and the one-sentence description: install+run, install+test.
    first, second = _blocks("bash")[:2]
    assert "minigrad " in first and "pytest" not in first
    assert "-m pytest" in second
    assert README.index(first) < README.index("## ")


def test_ci_runs_the_readme_test_command_verbatim():
    command = _command("-m pytest")
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert command in ci_lines, f".ci/run must run the README's test command verbatim:\n{command}"


def _extras(command: str) -> set[str]:
    (spec,) = re.findall(r'-e "\.\[([^\]]*)\]"', command)
    return {e.strip() for e in spec.split(",")}


def test_readme_commands_use_real_extras_and_commands():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = set(project["optional-dependencies"])
    run, test = _command(".venv/bin/minigrad"), _command("-m pytest")
    for command in (run, test):
        assert _extras(command) <= declared, f"unknown extras in: {command}"
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e ")
    # The test command installs what the test suite imports.
    assert {"test", "plot", "progress", "datasets"} <= _extras(test)
    # The run command calls the console script with a real subcommand.
    assert "minigrad" in project["scripts"]
    from minigrad.cli import COMMANDS

    words = shlex.split(run.rpartition("&&")[2])
    assert words[0] == ".venv/bin/minigrad" and words[1] in COMMANDS


def test_ci_script_is_strict_and_executable():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in script
    assert "sphinx-build -W -n --keep-going -b html docs docs/_build/html" in script
    assert (ROOT / ".ci" / "run").stat().st_mode & 0o111, ".ci/run must be executable"


def test_training_example_runs(capsys):
    training = next(b for b in _blocks("python") if "optimizer.step()" in b)
    namespace: dict = {}
    exec(compile(training, "README.md", "exec"), namespace)
    cost = float(re.search(r"cost after training: ([\d.]+)", capsys.readouterr().out).group(1))
    assert cost < 0.3, f"the README's example no longer learns (cost {cost})"


def test_plugin_example_passes_the_conformance_kit():
    from minigrad.testing import check_plugin

    source = next(b for b in _blocks("python") if "@mg.hookimpl" in b)
    plugin = types.ModuleType("minigrad_halving_readme")
    exec(compile(source, "README.md", "exec"), plugin.__dict__)
    report = check_plugin(plugin, name="halving")
    assert report.passed, str(report)
    schedule = plugin.halving(0.1, every=2)
    assert [schedule(e) for e in (0, 1, 2, 5)] == pytest.approx([0.1, 0.1, 0.05, 0.025])


def test_plugin_entry_point_snippet_names_the_hook_module():
    (toml,) = [b for b in _blocks("toml") if "entry-points.minigrad" in b]
    entry = tomllib.loads(toml)["project"]["entry-points"]["minigrad"]
    assert entry == {"halving": "minigrad_halving.plugin"}


def test_ci_reruns_every_test_that_needs_sphinx():
    """The README's test command installs no docs extra, so the tests that import Sphinx
    skip there; .ci/run runs them again once the docs extra is installed."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    listed = set(re.search(r"^docs_tests=\(([^)]*)\)$", script, flags=re.M).group(1).split())
    needing = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "tests").rglob("*.py")
        if "importorskip(" + '"sphinx")' in path.read_text(encoding="utf-8")  # split: not this file
    }
    assert needing and needing <= listed, f"add to docs_tests in .ci/run: {sorted(needing - listed)}"
    assert all((ROOT / path).is_file() for path in listed)
    assert '.venv/bin/python -m pytest -q --junitxml="$docs_junit" "${docs_tests[@]}"' in script
