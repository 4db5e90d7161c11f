"""Every plugin installed beside minigrad (the ``minigrad`` entry-point group) runs
through the conformance kit in minigrad's own suite, as the built-in one does
(``test_builtin_conformance.py``): install a plugin package, run these tests, and its
gradients are checked with the same finite-difference and property checks. (``minigrad
check`` does the same from the command line.) With no other plugin installed, there is
nothing to collect here.
"""

from __future__ import annotations

import re

import minigrad as mg
from minigrad.testing import conformance_tests

INSTALLED = [name for name in mg.get_plugin_manager().plugin_names() if name != "builtin"]

for _name in INSTALLED:
    globals()["test_installed_" + re.sub(r"\W", "_", _name)] = conformance_tests(_name)
