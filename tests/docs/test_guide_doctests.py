"""The code on the user guide and component pages runs, and shows its real output.

Every ``>>>`` example of ``docs/guide/*.rst`` and ``docs/plugins/*.rst`` is executed with
:func:`doctest.testfile`, one test per page, in a scratch working directory (pages that
write files write them there), with matplotlib on the Agg backend.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

#: Pages and the least number of examples each must keep (a page whose examples
#: vanished, e.g. through a broken ``code-block`` marker, would pass trivially).
MINIMUM_EXAMPLES = {
    "guide/tensors.rst": 20,
    "guide/modules.rst": 10,
    "guide/data.rst": 10,
    "guide/training.rst": 10,
    "guide/callbacks.rst": 5,
    "guide/checkpoints.rst": 5,
    "guide/config.rst": 5,
    "guide/faq.rst": 5,
    "plugins/index.rst": 3,
    "plugins/layers.rst": 4,
    "plugins/initializers.rst": 3,
    "plugins/losses.rst": 5,
    "plugins/regularizers.rst": 4,
    "plugins/optimizers.rst": 5,
    "plugins/schedules.rst": 4,
    "plugins/callbacks.rst": 5,
    "plugins/datasets.rst": 3,
    "plugins/augmentations.rst": 3,
}


_EXAMPLE = re.compile(r"^\s*>>> ", re.MULTILINE)

#: Pages whose examples run elsewhere: the plugin author's guide needs its plugin
#: installed, which tests/docs/test_plugin_guide.py does before running them.
ELSEWHERE = {"plugins/authoring.rst"}


def _pages() -> list[str]:
    pages = sorted(
        p.relative_to(DOCS).as_posix() for d in ("guide", "plugins") for p in (DOCS / d).glob("*.rst")
    )
    return [
        p for p in pages if _EXAMPLE.search((DOCS / p).read_text(encoding="utf-8")) and p not in ELSEWHERE
    ]


@pytest.fixture
def scratch(tmp_path, monkeypatch, fresh_plugins):
    """Run a page in an empty working directory with fresh plugins and Agg plots."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MINIGRAD_DISABLE_PLUGINS", raising=False)
    yield tmp_path
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("page", _pages())
def test_page_examples_run(page, scratch):
    result = doctest.testfile(
        str(DOCS / page), module_relative=False, optionflags=FLAGS, verbose=False, report=True
    )
    assert result.failed == 0, f"docs/{page}: {result.failed} of {result.attempted} examples failed"
    assert result.attempted >= MINIMUM_EXAMPLES.get(page, 1), (
        f"docs/{page} has only {result.attempted} examples; were some lost?"
    )


def test_every_listed_page_exists_and_runs():
    """MINIMUM_EXAMPLES names real pages, and they are among the ones collected."""
    missing = [page for page in MINIMUM_EXAMPLES if not (DOCS / page).is_file()]
    assert not missing, f"pages listed in MINIMUM_EXAMPLES do not exist: {missing}"
    assert set(MINIMUM_EXAMPLES) <= set(_pages())
