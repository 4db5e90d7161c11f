"""The distribution's metadata and contents: the license, built the way pip builds it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = [ROOT, ROOT / "examples" / "minigrad-extras"]
#: What the wheel of minigrad is built from (a copy, so the build leaves the checkout alone).
SOURCES = ["pyproject.toml", "README.md", "LICENSE", "minigrad_pytest.py", "minigrad", "plugins"]


def _pyproject(project: Path) -> dict:
    return tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))


def _setuptools_too_old() -> str | None:
    """Why the local setuptools cannot build offline what ``[build-system]`` asks for, or None."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    try:
        import setuptools
    except ImportError:
        return "setuptools is not installed"
    (requirement,) = map(Requirement, _pyproject(ROOT)["build-system"]["requires"])
    if not requirement.specifier.contains(Version(setuptools.__version__), prereleases=True):
        return f"pyproject.toml requires {requirement}; setuptools {setuptools.__version__} is here"
    return None


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_the_license_is_an_spdx_expression_with_its_file(project):
    config = _pyproject(project)
    assert config["project"]["license"] == "MIT"
    assert config["project"]["license-files"] == ["LICENSE"]
    text = (project / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "the minigrad developers" in text
    # SPDX strings need setuptools 77; the old table form is deprecated from there on
    assert config["build-system"]["requires"] == ["setuptools>=77"]


def test_the_wheel_holds_the_license_and_its_expression(tmp_path):
    reason = _setuptools_too_old()
    if reason:
        pytest.skip(f"cannot build the wheel offline here: {reason}")
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
    done = subprocess.run(
        [*pip_wheel, "-q", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "deprecat" not in (done.stdout + done.stderr).lower(), done.stdout + done.stderr
    (wheel,) = (tmp_path / "dist").glob("minigrad-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    assert "License-Expression: MIT" in text and "License-File: LICENSE" in text


def test_the_lowest_constraints_pin_every_lower_bound():
    """``tox -e lowest`` installs exactly the lower bounds pyproject.toml declares, so a
    bound the suite no longer passes at shows up there."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    project = _pyproject(ROOT)["project"]
    extras = ("test", "plot", "progress", "datasets", "optuna")
    requirements = [Requirement(r) for r in project["dependencies"]]
    requirements += [Requirement(r) for extra in extras for r in project["optional-dependencies"][extra]]
    lines = (ROOT / ".ci" / "lowest-constraints.txt").read_text(encoding="utf-8").splitlines()
    pinned = {}
    for line in filter(None, (line.split("#")[0].strip() for line in lines)):
        name, version = line.split("==")
        pinned[canonicalize_name(name)] = Version(version)
    bounds = {}
    for requirement in requirements:
        (lower,) = [s.version for s in requirement.specifier if s.operator == ">="]
        name = canonicalize_name(requirement.name)
        assert bounds.setdefault(name, Version(lower)) == Version(lower), f"two lower bounds for {name}"
        if "distributed" in requirement.extras:  # dask[distributed] pins distributed to its own version
            bounds["distributed"] = Version(lower)
    assert pinned == bounds
    tox = (ROOT / "tox.ini").read_text(encoding="utf-8")
    assert "PIP_CONSTRAINT = {tox_root}/.ci/lowest-constraints.txt" in tox


def test_the_sdist_holds_the_repository_and_no_build_outputs(tmp_path):
    """The source distribution holds every file of the repository (tests with their
    conftest.py, docs sources, examples, benchmarks, tox.ini, LICENSE, .ci), so its tests
    and docs run, and none of the build outputs, caches or virtual environments beside them."""
    import tarfile

    reason = _setuptools_too_old()
    if reason:
        pytest.skip(f"cannot build the sdist offline here: {reason}")
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: the repository's file list is unknown")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    files = {name for name in listed if name and (ROOT / name).is_file()}
    source = tmp_path / "source"
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    junk = [
        "docs/_build/html/index.html",
        "docs/api/generated/minigrad.rst",
        "tests/__pycache__/conftest.cpython-311.pyc",
        "tests/.hypothesis/examples/x",
        "examples/minigrad-extras/build/lib/minigrad_extras/__init__.py",
        "examples/minigrad-extras/minigrad_extras.egg-info/PKG-INFO",
        ".venv/bin/python",
        ".tox/py/pyvenv.cfg",
    ]
    for name in junk:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text("")
    code = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "dist")],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with tarfile.open(tmp_path / "dist" / done.stdout.split()[-1]) as archive:
        names = {m.name.split("/", 1)[1] for m in archive.getmembers() if m.isfile()}
    generated = {"PKG-INFO", "setup.cfg"} | {n for n in names if n.startswith("minigrad.egg-info/")}
    assert "tests/conftest.py" in names and "LICENSE" in names and "tox.ini" in names
    assert sorted(names - generated) == sorted(files - {".gitignore"})
