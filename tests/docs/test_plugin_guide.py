"""Following the plugin author's guide (docs/plugins/authoring.rst) verbatim gives a
working plugin that ``minigrad check`` validates.

The test reads the page: every ``code-block`` with a ``:caption:`` is a file of the
plugin project (the caption is its path), written as shown into a scratch folder. The
package is then "installed" the way ``pip install -e .`` installs it, without a network
or a new virtual environment: the project folder goes on ``PYTHONPATH`` next to a
``dist-info`` holding the entry points the page's ``pyproject.toml`` declares, which is
what ``importlib.metadata`` reads. Every console command shown on the page is run (or,
for the publishing commands, checked the closest way possible offline) and its output
compared with the page's; every ``>>>`` example runs with the plugin installed. A wheel
is also built from the page's ``pyproject.toml`` with the local setuptools, and its
contents checked.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "plugins" / "authoring.rst"
PROJECT = "minigrad-smooth"
PLUGIN = "smooth"

_DIRECTIVE = re.compile(r"^(\s*)\.\. code-block:: *(\S+)\s*$")
_OPTION = re.compile(r"^\s+:(\w[\w-]*):\s*(.*)$")


@dataclass(frozen=True)
class Block:
    language: str
    caption: str | None
    code: str
    line: int


def code_blocks(text: str) -> list[Block]:
    """The page's ``.. code-block::`` directives: language, caption and dedented body."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        match = _DIRECTIVE.match(lines[i])
        if not match:
            i += 1
            continue
        start, indent = i + 1, len(match.group(1))
        options, i = {}, i + 1
        while i < len(lines) and _OPTION.match(lines[i]):
            key, value = _OPTION.match(lines[i]).groups()
            options[key] = value.strip()
            i += 1
        body = []
        while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
            body.append(lines[i])
            i += 1
        code = textwrap.dedent("\n".join(body)).strip("\n") + "\n"
        blocks.append(Block(match.group(2), options.get("caption"), code, start))
    return blocks


BLOCKS = code_blocks(PAGE.read_text(encoding="utf-8"))
FILES = {b.caption: b for b in BLOCKS if b.caption}


def console_sessions() -> list[tuple[str, list[str]]]:
    """``(command, shown output lines)`` of every ``$ command`` in the console blocks."""
    sessions: list[tuple[str, list[str]]] = []
    for block in BLOCKS:
        if block.language != "console":
            continue
        for line in block.code.splitlines():
            if line.startswith("$ "):
                sessions.append((line[2:].strip(), []))
            elif sessions and line.strip():
                sessions[-1][1].append(line.rstrip())
    return sessions


def shown_output(command: str) -> list[str]:
    return next(output for cmd, output in console_sessions() if cmd == command)


_NUMBER = re.compile(r"\d+\.\d+(e[+-]\d+)?")


def normalized(lines: list[str]) -> list[str]:
    """Lines with spacing collapsed and numbers (errors, timings) replaced by '#'."""
    return [_NUMBER.sub("#", " ".join(line.split())) for line in lines if line.strip()]


# ----------------------------------------------------------------------- the project
@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The plugin project, its files written exactly as the page shows them."""
    root = tmp_path_factory.mktemp("guide")
    for caption, block in FILES.items():
        path = root / caption
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(block.code, encoding="utf-8")
    return root / PROJECT


@pytest.fixture(scope="module")
def site(project, tmp_path_factory) -> Path:
    """What ``pip install -e .`` leaves behind: a dist-info with the page's entry points."""
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    root = tmp_path_factory.mktemp("site")
    info = root / f"{meta['name'].replace('-', '_')}-{meta['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n", encoding="utf-8"
    )
    groups = meta.get("entry-points", {})
    text = "".join(
        f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in points.items())
        for group, points in groups.items()
    )
    (info / "entry_points.txt").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def env(project, site) -> dict[str, str]:
    """A shell in the project folder, the plugin installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), str(project), env.get("PYTHONPATH")]))
    for name in ("MINIGRAD_DISABLE_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    env["COLUMNS"] = "200"
    return env


def run(args: list[str], project: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, timeout=300)


def minigrad(*args: str) -> list[str]:
    return [sys.executable, "-m", "minigrad.cli", *args]


# ----------------------------------------------------------------------------- tests
def test_the_page_shows_every_file_of_the_layout():
    expected = {
        f"{PROJECT}/pyproject.toml",
        f"{PROJECT}/minigrad_smooth/__init__.py",
        f"{PROJECT}/minigrad_smooth/softplus.py",
        f"{PROJECT}/minigrad_smooth/adagrad.py",
        f"{PROJECT}/minigrad_smooth/warmup.py",
        f"{PROJECT}/tests/test_conformance.py",
        f"{PROJECT}/tests/test_softplus.py",
    }
    assert set(FILES) == expected
    # Python code is either a file of the project or a >>> session; nothing else to rot.
    loose = [b.line for b in BLOCKS if b.language == "python" and not b.caption]
    assert not loose, f"python code blocks without a :caption: path at lines {loose}"
    for caption, block in FILES.items():
        if caption.endswith(".py"):
            compile(block.code, caption, "exec")


def test_every_console_command_is_followed(project, env):
    """Every command on the page is one this test runs (or checks); a new command on the
    page must be added here, so it cannot go untested."""
    known = {
        "mkdir minigrad-smooth && cd minigrad-smooth": "the scratch folder",
        "python3 -m venv .venv && source .venv/bin/activate": "this interpreter",
        "pip install path/to/minigrad pytest": "the running minigrad",
        'pip install -e ".[test]"': "the site fixture",
        "minigrad plugins --family optimizers": "test_minigrad_plugins_lists_the_plugin",
        "pytest -q": "test_the_plugins_own_test_suite_passes",
        "minigrad check smooth": "test_minigrad_check_validates_the_plugin",
        "python -m build": "test_the_package_builds",
        "twine upload dist/*": "test_the_package_builds (metadata a package index needs)",
    }
    commands = [command for command, _ in console_sessions()]
    unknown = [c for c in commands if c not in known]
    assert not unknown, f"the guide runs commands this test does not follow: {unknown}"
    assert set(known) <= set(commands), f"commands no longer on the page: {set(known) - set(commands)}"


def test_minigrad_check_validates_the_plugin(project, env):
    done = run(minigrad("check", PLUGIN), project, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert normalized(done.stdout.splitlines()) == normalized(shown_output("minigrad check smooth"))


def test_minigrad_plugins_lists_the_plugin(project, env):
    done = run(minigrad("plugins", "--family", "optimizers"), project, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert normalized(done.stdout.splitlines()) == normalized(
        shown_output("minigrad plugins --family optimizers")
    )


def test_the_plugins_own_test_suite_passes(project, env):
    """``pytest -q`` in the project: the one-line conformance suite and the formula tests."""
    done = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, env)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    shown = shown_output("pytest -q")[-1]
    # 13 conformance tests (one per component and check) and the 3 formula tests
    assert re.sub(r" in [\d.]+s", "", summary) == shown, (summary, shown)


def test_the_pages_examples_run_with_the_plugin_installed(project, env, tmp_path):
    """Every ``pycon`` (>>>) block of the page, in order, in a process where the plugin is
    installed. (The examples inside the docstrings of the files run as the package's own
    doctests, below.)"""
    sessions = tmp_path / "sessions.txt"
    sessions.write_text("\n".join(b.code for b in BLOCKS if b.language == "pycon"), encoding="utf-8")
    script = (
        "import doctest, sys\n"
        f"result = doctest.testfile({str(sessions)!r}, module_relative=False, "
        "optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)\n"
        "print(result.attempted, result.failed)\n"
        "sys.exit(1 if result.failed else 0)\n"
    )
    done = run([sys.executable, "-c", script], project, env)
    assert done.returncode == 0, done.stdout + done.stderr
    attempted, failed = map(int, done.stdout.split()[-2:])
    assert failed == 0 and attempted >= 25, done.stdout


def test_the_modules_docstring_examples_run(project, env):
    """The docstrings shown on the page carry examples too; they run (``--doctest-modules``)."""
    done = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--doctest-modules",
            "minigrad_smooth",
        ],
        project,
        env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


def _build_tools_missing() -> str | None:
    """Why this interpreter cannot build the page's project without a network, or None:
    the local setuptools must meet the ``[build-system] requires`` of its pyproject.toml."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    try:
        import setuptools
    except ImportError:
        return "setuptools is not installed"
    build_system = tomllib.loads(FILES[f"{PROJECT}/pyproject.toml"].code)["build-system"]
    for requirement in map(Requirement, build_system["requires"]):
        if requirement.name != "setuptools":
            return f"the page's pyproject.toml also requires {requirement}"
        if not requirement.specifier.contains(Version(setuptools.__version__), prereleases=True):
            here = setuptools.__version__
            return f"the page's pyproject.toml requires {requirement}; setuptools {here} is here"
    return None


def test_the_package_builds(project, tmp_path):
    """``python -m build``, offline: setuptools builds a wheel from the page's pyproject.toml
    holding the package and the ``minigrad`` entry point, with the metadata an index needs."""
    missing = _build_tools_missing()
    if missing:
        pytest.skip(f"cannot build wheels offline here: {missing}")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(tmp_path),
            str(project),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = tmp_path.glob("minigrad_smooth-0.1.0-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("minigrad_smooth-0.1.0.dist-info/entry_points.txt").decode()
        metadata = archive.read("minigrad_smooth-0.1.0.dist-info/METADATA").decode()
    for module in ("__init__", "softplus", "adagrad", "warmup"):
        assert f"minigrad_smooth/{module}.py" in names
    assert "[minigrad]\nsmooth = minigrad_smooth" in entry_points
    for field in (
        "Name: minigrad-smooth",
        "Version: 0.1.0",
        "Summary: ",
        "License-Expression: MIT",
        "Requires-Dist: minigrad>=0.1",
    ):
        assert field in metadata, field


def test_a_broken_copy_of_the_guide_fails_the_kit(project, env, tmp_path):
    """The check above can fail: the same project with the derivative's β dropped does."""
    broken = tmp_path / PROJECT
    shutil.copytree(project, broken)
    source = broken / "minigrad_smooth" / "softplus.py"
    text = source.read_text(encoding="utf-8")
    assert "np.tanh(0.5 * ctx.beta * x)" in text
    source.write_text(text.replace("np.tanh(0.5 * ctx.beta * x)", "np.tanh(0.5 * x)"), encoding="utf-8")
    broken_env = dict(env)
    broken_env["PYTHONPATH"] = broken_env["PYTHONPATH"].replace(str(project), str(broken))
    done = run(minigrad("check", PLUGIN, "--failures-only"), broken, broken_env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "plugin 'smooth', layer 'softplus', check gradcheck_train" in done.stdout


def test_code_blocks_are_parsed():
    blocks = code_blocks(
        "Text\n\n.. code-block:: python\n   :caption: pkg/mod.py\n\n   x = 1\n\n   y = 2\n\nAfter\n"
    )
    assert blocks == [Block("python", "pkg/mod.py", "x = 1\n\ny = 2\n", 3)]
    assert normalized(["a   1.5e-09  x", "", "b"]) == ["a # x", "b"]
