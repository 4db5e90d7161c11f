"""The reference parts of the docs stay complete as the code grows.

* the configuration reference (docs/guide/config.rst) names every key the configuration
  schema accepts, every ``[tune]`` key and every search-space distribution;
* every built-in component has a docstring with a runnable example (the component pages
  render it), and a formula in its family page's ``minigrad-components`` directive;
* the component-page extension renders a registry entry as expected, and it refuses a
  formula for a component that does not exist;
* every tutorial of the gallery is a well-formed sphinx-gallery script.
"""

from __future__ import annotations

import ast
import doctest
import importlib.util
import re
from pathlib import Path

import pytest

import minigrad as mg
from minigrad import config as config_module
from minigrad.hookspecs import HOOK_FAMILIES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
TUTORIALS = ROOT / "examples" / "tutorials"


def _load_extension():
    spec = importlib.util.spec_from_file_location("components_ext", DOCS / "_ext" / "components.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ configuration
def _keys(table: dict) -> set[str]:
    """Every key of a nested TOML table (the last part of each dotted key)."""
    keys = set()
    for key, value in table.items():
        keys.add(key)
        if isinstance(value, dict):
            keys |= _keys(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    keys |= _keys(item)
    return keys


def test_config_reference_names_every_key():
    page = (DOCS / "guide" / "config.rst").read_text(encoding="utf-8")
    schema = (
        set(config_module._DATA_KEYS)
        | set(config_module._TRAINING_KEYS)
        | {"layers", "type", "units", "name"}
    )
    missing = sorted(key for key in schema if f"   * - ``{key}``" not in page and f"``{key}``" not in page)
    assert not missing, f"docs/guide/config.rst does not document these configuration keys: {missing}"
    for section in config_module._SECTIONS:
        assert f"``[{section}]``" in page or f"``[[{section}]]``" in page, (
            f"section [{section}] has no heading"
        )
    layers = mg.get_plugin_manager().registry("layers")
    for kind in layers.names():
        for key in config_module._layer_sizes(kind):
            if key is not None:
                assert f"``{key}``" in page, f"the set-automatically layer option {key!r} is not mentioned"
    # the options of the default recipe's components appear too (in its printed TOML)
    for key in sorted(_keys(config_module.DEFAULT_CONFIG)):
        assert re.search(rf"\b{re.escape(key)}\b", page), f"default config key {key!r} is not on the page"


def test_config_reference_names_every_tune_key_and_distribution():
    from minigrad.tune.space import DISTRIBUTIONS
    from minigrad.tune.study import TUNE_DEFAULTS, TUNE_KEYS
    from minigrad.tune.trial import METRICS

    page = (DOCS / "guide" / "config.rst").read_text(encoding="utf-8")
    for key in TUNE_KEYS:
        assert f"   * - ``{key}``" in page, f"[tune] key {key!r} has no row in docs/guide/config.rst"
    for name in DISTRIBUTIONS:
        assert f"``{{ {name} = " in page, f"distribution {name!r} is not in docs/guide/config.rst"
    for metric in METRICS:
        assert f"``{metric}``" in page, metric
    for key, default in TUNE_DEFAULTS.items():
        if isinstance(default, int | str) and not isinstance(default, bool):
            shown = f'``"{default}"``' if isinstance(default, str) else f"``{default}``"
            row = page.split(f"   * - ``{key}``", 1)[1].split("   * - ", 1)[0]
            assert shown in row, f"[tune] {key}: the page does not give its default {shown}"


def test_config_reference_gives_the_real_defaults():
    page = (DOCS / "guide" / "config.rst").read_text(encoding="utf-8")
    defaults = config_module.DEFAULT_CONFIG
    for section in ("data", "training"):
        for key, value in defaults[section].items():
            if isinstance(value, dict | list):
                continue
            literal = {True: "true", False: "false"}.get(value, value) if isinstance(value, bool) else value
            shown = (
                f'``"{literal}"``'
                if isinstance(literal, str) and not isinstance(value, bool)
                else f"``{literal}``"
            )
            row = page.split(f"   * - ``{key}``", 1)[1].split("   * - ", 1)[0]
            assert shown in row, f"[{section}] {key}: the page does not give the default {shown}"


# ------------------------------------------------------------------ components
BUILTIN = [c for family in HOOK_FAMILIES for c in mg.components(family) if c.plugin == "builtin"]


@pytest.mark.parametrize("component", BUILTIN, ids=lambda c: f"{c.family}-{c.name}")
def test_every_builtin_component_has_a_runnable_example(component, tmp_path, monkeypatch):
    """The component pages show the factory's docstring; its example must exist and run."""
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    finder = doctest.DocTestFinder(recurse=False)
    tests = [t for t in finder.find(component.factory, component.name) if t.examples]
    assert tests, f"{component.family} '{component.name}': its factory's docstring has no >>> example"
    # the flags pytest's --doctest-modules run uses (pyproject.toml), NUMBER included
    from _pytest.doctest import _get_checker, _get_number_flag

    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | _get_number_flag()
    runner = doctest.DocTestRunner(checker=_get_checker(), optionflags=flags)
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


@pytest.mark.parametrize("family", HOOK_FAMILIES)
def test_every_family_has_a_page_with_its_components(family):
    page = (DOCS / "plugins" / f"{family}.rst").read_text(encoding="utf-8")
    assert f".. minigrad-components:: {family}\n" in page
    index = (DOCS / "plugins" / "index.rst").read_text(encoding="utf-8")
    assert f"\n   {family}\n" in index, f"docs/plugins/index.rst does not list {family}"


#: Families whose components are described well enough by their one-line ``doc``
#: (callbacks, datasets and augmentations have behaviour rather than a formula).
NO_MATH_NEEDED = {"callbacks", "datasets", "augmentations"}


@pytest.mark.parametrize(
    "family", [f for f in HOOK_FAMILIES if f not in NO_MATH_NEEDED]
)  # fmt: skip
def test_every_builtin_component_has_its_formula_on_the_page(family):
    page = (DOCS / "plugins" / f"{family}.rst").read_text(encoding="utf-8")
    directive = page.split(f".. minigrad-components:: {family}\n", 1)[1]
    formulas = {
        line.split(":", 1)[0].strip() for line in directive.splitlines() if re.match(r"^   \w+: ", line)
    }
    names = {c.name for c in BUILTIN if c.family == family}
    assert names <= formulas, f"docs/plugins/{family}.rst lacks a formula for {sorted(names - formulas)}"


def test_the_extension_renders_a_component():
    pytest.importorskip("sphinx")
    ext = _load_extension()
    registry = mg.Registry("schedules")

    def halving(lr0, *, every=10):
        """lr0 / 2^(epoch // every); see :class:`Schedule` and :func:`minigrad.schedule`.

        Args:
            lr0, every: the rate at epoch 0 and the halving period.

        Example:
            >>> halving(1.0, every=2)(4)
            0.25
        """
        return lambda epoch: lr0 / 2 ** (epoch // every)

    registry.add("halving", halving, plugin="demo", example=lambda rng: None, note="x")
    component = registry.get("halving")
    lines = ext.component_rst("schedules", component, r"\alpha_0 / 2^{\lfloor e / k \rfloor}", "~")
    text = "\n".join(lines)
    assert ".. _component-schedules-halving:" in text
    assert ".. py:function:: halving(lr0, *, every=10)" in text
    assert "**Formula:** ``lr0 / 2^(epoch // every); see :class:`Schedule` and" not in text  # doc is one line
    assert "   .. math::" in text
    assert "``Schedule``" in text  # a private name becomes a literal, not a broken reference
    assert ":func:`~minigrad.schedule`" in text or ":func:`minigrad.schedule`" in text
    assert ":param lr0:" in text and ":param every:" in text  # one field per name
    assert '``mg.schedule("halving", ...)``' in text and "plugin ``demo``" in text
    assert ">>> halving(1.0, every=2)(4)" in text
    table = "\n".join(ext.table_rst("schedules", [component]))
    assert ":ref:`halving <component-schedules-halving>`" in table and "``(lr0, *, every=10)``" in table


def test_the_extension_escapes_bars_outside_literals():
    pytest.importorskip("sphinx")
    ext = _load_extension()
    lines = ext._prose(["a step of lr * g / (|g| + eps), or ``|g|``", "", ">>> abs(-1)  # |x|", "1"])
    assert lines[0] == r"a step of lr * g / (\|g\| + eps), or ``|g|``"
    assert lines[2] == ">>> abs(-1)  # |x|"  # doctest blocks are left alone


# ------------------------------------------------------------------ tutorials
TUTORIAL_FILES = sorted(TUTORIALS.glob("plot_*.py"))


def test_the_gallery_covers_the_course():
    topics = [
        "bias_variance",
        "initialization",
        "regularization",
        "input_normalization",
        "vanishing_gradients",
        "gradient_checking",
        "minibatch_sizes",
        "ewma",
        "optimizers",
        "lr_decay",
        "hyperparameter_search",
        "batch_norm",
        "softmax_regression",
        "ensembles",
    ]
    names = [p.stem for p in TUTORIAL_FILES]
    assert names == [f"plot_{i:02d}_{topic}" for i, topic in enumerate(topics, start=1)]
    assert (TUTORIALS / "README.txt").is_file()


@pytest.mark.parametrize("path", TUTORIAL_FILES, ids=lambda p: p.stem)
def test_tutorials_are_gallery_scripts(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree)
    assert docstring, f"{path.name}: a sphinx-gallery script starts with a docstring"
    title, underline = docstring.splitlines()[:2]
    assert underline == "=" * len(title), f"{path.name}: the docstring's first lines are the title"
    assert "# %%" in source, f"{path.name}: split into cells with '# %%'"
    assert "plt.show()" not in source, f"{path.name}: the matplotlib scraper collects figures; no show()"
    # plots are drawn into pyplot figures (mg.plot_* with ax=), or the scraper misses them
    for call in re.findall(r"mg\.plot_\w+\((?:[^()]|\([^()]*\))*\)", source, flags=re.S):
        assert "ax=" in call, f"{path.name}: {call.splitlines()[0]}... needs ax= to appear in the gallery"
