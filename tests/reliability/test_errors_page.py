"""The "Errors and guarantees" page stays true: its example runs, it lists every error
class minigrad defines, and every test it cites exists."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import minigrad as mg

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "errors.rst"


def test_the_example_runs():
    result = doctest.testfile(
        str(PAGE), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted >= 3 and result.failed == 0


def error_classes():
    found = {}
    for info in pkgutil.walk_packages(mg.__path__, "minigrad."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, mg.MinigradError)
                and value.__module__ == info.name
            ):
                found[value.__name__] = value
    return found


def test_every_error_class_is_listed():
    text = PAGE.read_text(encoding="utf-8")
    classes = error_classes()
    assert {"MinigradError", "ShapeError", "AnomalyError", "CheckpointError"} <= set(classes)
    missing = sorted(name for name in classes if not name.startswith("_") and f"{name}`" not in text)
    assert not missing, f"docs/errors.rst does not list {missing}"


def test_every_cited_test_exists():
    text = PAGE.read_text(encoding="utf-8")
    cited = re.findall(r"``(tests/[\w/]+\.py)::(\w+)(?:::(\w+))?``", text)
    assert len(cited) >= 40
    for path, name, method in cited:
        source = ROOT / path
        assert source.is_file(), f"docs/errors.rst cites a missing file {path}"
        code = source.read_text(encoding="utf-8")
        if method:  # Class::method: the method inside that class
            body = re.search(rf"^class {name}\b.*?(?=^\S|\Z)", code, re.M | re.S)
            found = body and re.search(rf"^    def {method}\(", body.group(0), re.M)
        else:
            found = re.search(rf"^def {name}\(", code, re.M)
        where = f"{path}::{name}" + (f"::{method}" if method else "")
        assert found, f"docs/errors.rst cites {where}, which does not exist"
