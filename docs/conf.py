"""Sphinx configuration of the minigrad documentation.

Build: ``sphinx-build -W -n --keep-going -b html docs docs/_build/html`` (or ``tox -e docs``).
The build needs no network: the intersphinx inventories (Python, NumPy, ...) are
shipped in ``docs/_inventories`` (regenerate them with ``make_inventories.py`` there).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The tutorials gallery trains tiny networks; BLAS threads only contend for the cores
# there (several times slower on 2 busy cores), so the build runs NumPy single-threaded.
# It must be set before NumPy is first imported (by minigrad, next line).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import minigrad

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

# -- Project -------------------------------------------------------------------------------
project = "minigrad"
author = "The minigrad developers"
copyright = "the minigrad developers"
release = minigrad.__version__
version = ".".join(release.split(".")[:2])

# -- General -------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "sphinx.ext.mathjax",
    "apipages",
    "components",  # the component pages, from the live plugin registry
    "sphinx_gallery.gen_gallery",
]
exclude_patterns = ["_build", "_inventories", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "py:obj"  # `name` in reST is a cross-reference, checked by nitpicky mode
nitpicky = True

# References that cannot resolve, each with its reason. Keep this list short.
nitpick_ignore_regex = [
    # Private helpers (``minigrad.testing._Options``) show up in the type hints of public
    # constants and functions; they are private by design, so they have no page.
    ("py:class", r"minigrad(\.\w+)*\._\w+"),
]

# -- autodoc / autosummary / napoleon ------------------------------------------------------
autosummary_generate = False  # the pages are written by _ext/apipages.py
autodoc_default_options = {
    "member-order": "bysource",
}
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = False
autodoc_inherit_docstrings = False
autoclass_content = "class"
python_use_unqualified_type_names = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = False  # "Attributes:" become documented, linkable attributes
napoleon_preprocess_types = False  # it splits dict[str, float] at the comma

# -- intersphinx: local inventories, real link targets ---------------------------------------
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", "_inventories/python.inv"),
    "numpy": ("https://numpy.org/doc/stable", "_inventories/numpy.inv"),
    "pluggy": ("https://pluggy.readthedocs.io/en/stable", "_inventories/pluggy.inv"),
    "matplotlib": ("https://matplotlib.org/stable", "_inventories/matplotlib.inv"),
    "distributed": ("https://distributed.dask.org/en/stable", "_inventories/distributed.inv"),
}

# -- HTML ----------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"minigrad {release}"
html_theme_options = {
    "source_directory": "docs/",
}


# -- API reference (written by _ext/apipages.py) ---------------------------------------------
# Every name in ``minigrad.__all__`` is documented automatically on the namespace page,
# grouped by the module defining it. Modules with a page of their own: one line each.
# (``minigrad.hookspecs`` has the hooks reference instead.)
api_modules = [
    "minigrad.tensor",
    "minigrad.function",
    "minigrad.ops",
    "minigrad.anomaly",
    "minigrad.nn_functions",
    "minigrad.module",
    "minigrad.errors",
    "minigrad.registry",
    "minigrad.manager",
    "minigrad.factories",
    "minigrad.optim",
    "minigrad.randomness",
    "minigrad.gradcheck",
    "minigrad.testing",
    "minigrad.data",
    "minigrad.train",
    "minigrad.checkpoint",
    "minigrad.diagnose",
    "minigrad.tune",
    "minigrad.plots",
    "minigrad.config",
    "minigrad.cli",
]
# Section titles of the namespace page, in this order; other modules follow by name.
api_sections = {
    "minigrad.tensor": "Tensors and autograd",
    "minigrad.ops": "Operations",
    "minigrad.function": "Custom differentiable functions",
    "minigrad.anomaly": "Anomaly detection",
    "minigrad.module": "Models and parameters",
    "minigrad.factories": "Components by name",
    "minigrad.optim": "Optimizers",
    "minigrad.data": "Data",
    "minigrad.train": "Training",
    "minigrad.checkpoint": "Checkpoints",
    "minigrad.diagnose": "Bias and variance",
    "minigrad.tune": "Hyperparameter search",
    "minigrad.plots": "Plots",
    "minigrad.config": "Configuration files",
    "minigrad.gradcheck": "Gradient checking",
    "minigrad.randomness": "Randomness",
    "minigrad.registry": "Registries",
    "minigrad.manager": "Plugins",
    "minigrad.hookspecs": "Plugin hooks",
    "minigrad.errors": "Errors",
}


# -- Tutorials gallery (sphinx-gallery) ---------------------------------------------------
# examples/tutorials/plot_*.py run at build time; their figures go into the pages.
# The generated pages (docs/tutorials/) are not committed.
import matplotlib

matplotlib.use("Agg")

sphinx_gallery_conf = {
    "examples_dirs": "../examples/tutorials",
    "gallery_dirs": "tutorials",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "reference_url": {"minigrad": None},  # code in the tutorials links to the API reference
    # a block ending in ax.legend() or ax.set_title(...) would print the returned artist
    "ignore_repr_types": r"^<class 'matplotlib\.",
    "min_reported_time": 1,
    "show_signature": False,
}
