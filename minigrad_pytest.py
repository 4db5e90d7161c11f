"""pytest plugin of the conformance kit (registered through the ``pytest11`` entry point).

A plugin author writes one line in a test module::

    from minigrad.testing import conformance_tests

    test_my_plugin = conformance_tests("my_plugin")

and this plugin turns it into one test per component and check, with ids like
``test_my_plugin[layers-swish-gradcheck_train]``. A failing test's message names
the plugin, the component, the input and the relative error.

Options (they override the arguments given to ``conformance_tests``):

- ``--minigrad-examples N``: examples drawn per component (default 3);
- ``--minigrad-seed S``: the seed of the examples (default 0);
- ``--minigrad-max-error E``: the relative error a gradient check must stay under
  (default 1e-7).

pytest loads this plugin in every session through the entry point (with
``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` set, pass ``-p minigrad_pytest``). So it
imports nothing from numpy or minigrad itself: the kit is imported by the test
modules that use it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["pytest_addoption", "pytest_configure", "pytest_generate_tests"]

#: The fixture name a conformance test function takes.
CASE_FIXTURE = "minigrad_case"


def pytest_addoption(parser: Any) -> None:
    """Declare the ``--minigrad-*`` options of the conformance tests."""
    group = parser.getgroup("minigrad", "minigrad conformance kit")
    group.addoption(
        "--minigrad-examples",
        type=int,
        default=None,
        metavar="N",
        help="examples drawn per component by minigrad conformance tests (default 3)",
    )
    group.addoption(
        "--minigrad-seed",
        type=int,
        default=None,
        metavar="S",
        help="seed of the examples of minigrad conformance tests (default 0)",
    )
    group.addoption(
        "--minigrad-max-error",
        type=float,
        default=None,
        metavar="E",
        help="largest relative error a minigrad gradient check passes with (default 1e-7)",
    )


def pytest_configure(config: Any) -> None:
    """Document the parametrization in ``pytest --markers``."""
    config.addinivalue_line(
        "markers",
        "minigrad_conformance: a test made by minigrad.testing.conformance_tests(plugin), "
        "parametrized with one case per component and check",
    )


def pytest_generate_tests(metafunc: Any) -> None:
    """Parametrize each test made by ``conformance_tests`` with its (component, check) cases."""
    spec = getattr(metafunc.function, "minigrad_conformance", None)
    if spec is None or CASE_FIXTURE not in metafunc.fixturenames:
        return
    option = metafunc.config.getoption
    cases = spec.cases(
        examples=option("--minigrad-examples"),
        seed=option("--minigrad-seed"),
        max_error=option("--minigrad-max-error"),
    )
    metafunc.definition.add_marker("minigrad_conformance")
    metafunc.parametrize(CASE_FIXTURE, cases, ids=[case.id for case in cases])
