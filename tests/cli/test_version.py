"""``minigrad --version``, ``python -m minigrad``, and the one place the version lives."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import minigrad as mg
from minigrad.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_version_option_prints_the_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"minigrad {mg.__version__}\n"


def test_python_dash_m_minigrad_runs_the_command_line():
    env = dict(os.environ, MINIGRAD_DISABLE_PLUGINS="")
    version = subprocess.run(
        [sys.executable, "-m", "minigrad", "--version"], capture_output=True, text=True, env=env, timeout=120
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout == f"minigrad {mg.__version__}\n"
    bare = subprocess.run([sys.executable, "-m", "minigrad"], capture_output=True, text=True, timeout=120)
    assert bare.returncode == 2  # no command: the help, as `minigrad` alone
    assert bare.stdout.startswith("usage: minigrad ")


def test_the_version_is_read_from_the_package_without_importing_it():
    """pyproject.toml takes the version from ``minigrad.__version__``, read statically:
    building the package must not import it (numpy is not in the build environment)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in config["project"] and config["project"]["dynamic"] == ["version"]
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "minigrad.__version__"}
    pytest.importorskip("setuptools")
    code = (
        "import sys; sys.modules['numpy'] = None\n"  # importing numpy would fail
        "from setuptools.config.expand import read_attr\n"
        "print(read_attr('minigrad.__version__', {'minigrad': 'minigrad'}, '.'))\n"
        "assert 'minigrad' not in sys.modules\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == mg.__version__
