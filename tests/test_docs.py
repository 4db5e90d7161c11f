"""The documentation's sources: runnable pages, offline inventories, complete API pages.

The full build (``sphinx-build -W -n``) runs in ``.ci/run`` and ``tox -e docs``; these
tests check what can go stale without breaking that build.
"""

from __future__ import annotations

import doctest
import importlib.util
import pkgutil
import runpy
import zlib
from pathlib import Path

import pytest

import minigrad
from minigrad import hookspecs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS

#: Modules documented elsewhere than on a module page of their own.
NOT_MODULE_PAGES = {
    "minigrad.hookspecs": "the hooks reference (docs/hooks.rst)",
    "minigrad.commands": "the command-line commands, documented by ``minigrad --help``",
}


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("page", ["getting-started.rst", "index.rst"])
def test_pages_run(page):
    result = doctest.testfile(str(DOCS / page), module_relative=False, optionflags=FLAGS, verbose=False)
    assert result.failed == 0


def test_getting_started_has_examples():
    # A page whose examples vanished would pass test_pages_run trivially.
    result = doctest.testfile(str(DOCS / "getting-started.rst"), module_relative=False, optionflags=FLAGS)
    assert result.attempted >= 15


def _inventory_lines(path: Path) -> list[str]:
    *header, body = path.read_bytes().split(b"\n", 4)
    assert header[0] == b"# Sphinx inventory version 2"
    return zlib.decompress(body).decode().splitlines()


def test_inventories_match_their_generator():
    script = _load(DOCS / "_inventories" / "make_inventories.py", "make_inventories")
    for filename, (_, _, table) in script.INVENTORIES.items():
        shipped = _inventory_lines(DOCS / "_inventories" / filename)
        assert shipped == script.inventory_lines(table), (
            f"docs/_inventories/{filename} is stale: run python docs/_inventories/make_inventories.py"
        )


def test_inventory_lines_follow_the_format():
    script = _load(DOCS / "_inventories" / "make_inventories.py", "make_inventories")
    lines = script.inventory_lines("library/x.html py:class a.B c=anchor\nref/{name}.html py:function n.f")
    assert lines == [
        "a.B py:class 1 library/x.html#$ -",
        "c py:class 1 library/x.html#anchor -",
        "n.f py:function 1 ref/n.f.html#$ -",
    ]
    shipped = _inventory_lines(DOCS / "_inventories" / "python.inv")
    assert all(" py:" in line and line.endswith(" -") for line in shipped)


def test_intersphinx_points_at_the_shipped_files():
    conf = runpy.run_path(str(DOCS / "conf.py"))
    for name, (url, inventory) in conf["intersphinx_mapping"].items():
        assert url.startswith("https://"), name
        assert (DOCS / inventory).is_file(), f"{name}: {inventory} is not shipped"


def test_every_hook_is_in_the_hooks_reference():
    page = (DOCS / "hooks.rst").read_text(encoding="utf-8")
    for family in hookspecs.HOOK_FAMILIES:
        assert f".. autofunction:: minigrad.hookspecs.minigrad_register_{family}\n" in page


def test_every_public_module_has_an_api_page():
    conf = runpy.run_path(str(DOCS / "conf.py"))
    listed = set(conf["api_modules"])
    public = {
        info.name
        for info in pkgutil.iter_modules(minigrad.__path__, "minigrad.")
        if not info.name.rpartition(".")[2].startswith("_")
    }
    missing = sorted(public - listed - set(NOT_MODULE_PAGES))
    assert not missing, f"add these modules to api_modules in docs/conf.py (one line each): {missing}"
    assert not sorted(listed - public), "api_modules lists modules that do not exist"


def test_namespace_page_lists_every_public_name():
    pytest.importorskip("sphinx")
    pages = _load(DOCS / "_ext" / "apipages.py", "apipages")
    conf = runpy.run_path(str(DOCS / "conf.py"))
    modules = pages._submodules(minigrad)
    text = pages.namespace_page(minigrad, conf["api_sections"], modules)
    for name in minigrad.__all__:
        if name.startswith("_") or pages._kind(getattr(minigrad, name)) == "module":
            continue
        assert f"\n   {name}\n" in text, name
        assert f"   minigrad.{name}\n" in text, name  # in the hidden toctree


def test_prose_before_a_colon_is_not_taken_for_a_type():
    pytest.importorskip("sphinx")
    pages = _load(DOCS / "_ext" / "apipages.py", "apipages")
    assert pages._looks_like_type("int | None")
    assert pages._looks_like_type("dict[str, float]")
    assert not pages._looks_like_type("Marks a plugin's hook implementation")
    lines = ["Whether weight penalties apply: yes."]
    pages.keep_prose_first_line(None, "attribute", "x", None, {}, lines)
    assert lines == ["..", "", "Whether weight penalties apply: yes."]
