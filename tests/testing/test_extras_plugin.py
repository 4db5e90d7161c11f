"""The example third-party distribution ``examples/minigrad-extras``, found through its
entry point and validated by the kit, by ``minigrad check`` and by its own test suite.

Instead of pip-installing it, the tests put its source directory on the path together
with a ``dist-info`` declaring the same entry point its ``pyproject.toml`` declares;
``importlib.metadata`` finds that exactly as it finds an installed distribution.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import minigrad as mg
from minigrad.testing import check_plugin

EXTRAS = Path(__file__).resolve().parents[2] / "examples" / "minigrad-extras"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A directory holding the dist-info of minigrad-extras, from its pyproject.toml."""
    project = tomllib.loads((EXTRAS / "pyproject.toml").read_text())["project"]
    root = tmp_path_factory.mktemp("site")
    info = root / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    lines = "".join(f"{k} = {v}\n" for k, v in project["entry-points"]["minigrad"].items())
    (info / "entry_points.txt").write_text(f"[minigrad]\n{lines}")
    return root


@pytest.fixture
def installed(site, monkeypatch, fresh_plugins):
    monkeypatch.syspath_prepend(str(EXTRAS))
    monkeypatch.syspath_prepend(str(site))
    mg.reset_plugin_manager()
    yield
    for name in [m for m in sys.modules if m.split(".")[0] == "minigrad_extras"]:
        del sys.modules[name]


def environment(site: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), str(EXTRAS), env.get("PYTHONPATH")]))
    env.pop("MINIGRAD_DISABLE_PLUGINS", None)
    return env


def test_the_kit_passes_the_extras_plugin(installed):
    info = {p.name: p for p in mg.get_plugin_manager().plugins()}["extras"]
    assert info.version == "0.1.0"
    assert info.components == {
        "layers": ["swish"],
        "optimizers": ["lookahead"],
        "schedules": ["warmup_cosine"],
    }
    report = check_plugin("extras")
    assert report.passed, str(report)
    assert report.counts()["skipped"] == 0
    assert {r.component for r in report} == {"swish", "lookahead", "warmup_cosine"}
    swish = [r for r in report if r.component == "swish" and r.check.startswith("gradcheck")]
    assert len(swish) == 2 and all(r.relative_error < 1e-7 for r in swish)


def test_minigrad_check_passes_the_extras_plugin_in_a_subprocess(site):
    done = subprocess.run(
        [sys.executable, "-m", "minigrad.cli", "check", "extras"],
        capture_output=True,
        text=True,
        env=environment(site),
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split() for line in done.stdout.splitlines()[1:-1]]
    assert {row[2] for row in rows} == {"swish", "lookahead", "warmup_cosine"}
    assert all(row[4] == "passed" for row in rows)
    assert done.stdout.splitlines()[-1] == "15 checks: 15 passed, 0 failed, 0 skipped"


def test_the_extras_own_test_suite_passes(site):
    """Its tests include the one-line conformance suite; run as its author would."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--doctest-modules", "."],
        capture_output=True,
        text=True,
        cwd=EXTRAS,
        env=environment(site),
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    # the 13 conformance tests, the hand-checked formulas and the doctests
    assert passed and int(passed.group(1)) > 13 and "failed" not in summary, summary


def test_minigrads_own_suite_checks_an_installed_plugin(site):
    """tests/testing/test_installed_plugins.py turns every installed plugin into
    conformance tests: with minigrad-extras installed, its components are checked."""
    here = Path(__file__).resolve()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rA",
            str(here.with_name("test_installed_plugins.py")),
        ],
        capture_output=True,
        text=True,
        cwd=here.parents[2],
        env=environment(site),
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ids = re.findall(r"PASSED \S+::(test_installed_extras\[[^\]]+\])", done.stdout)
    assert len(ids) == 15 and any("swish-gradcheck" in i for i in ids), done.stdout  # as minigrad check
