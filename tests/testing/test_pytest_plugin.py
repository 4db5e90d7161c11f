"""Real pytest runs (through ``pytester``) of the one-line conformance test suite."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from .samples import BROKEN_SOURCE, SAMPLE_CHECK_COUNT, SAMPLE_SOURCE

pytest_plugins = ["pytester"]

ONE_LINERS = """
    from minigrad.testing import conformance_tests

    test_sample = conformance_tests("sample_plugin")
    test_broken = conformance_tests("broken_plugin")
"""


@pytest.fixture
def suite(pytester):
    """A plugin author's project: two plugin modules and the one-line test module."""
    pytester.makepyfile(
        sample_plugin=textwrap.dedent(SAMPLE_SOURCE),
        broken_plugin=textwrap.dedent(BROKEN_SOURCE),
        test_conformance=textwrap.dedent(ONE_LINERS),
    )
    return pytester


def test_one_line_gives_one_test_per_component_and_check(suite):
    result = suite.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=SAMPLE_CHECK_COUNT + 6, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_sample[[]layers-cube-gradcheck_train[]] PASSED*",
            "*test_sample[[]optimizers-plain_sgd-state_round_trip[]] PASSED*",
            "*test_broken[[]layers-doubler-gradcheck_train[]] FAILED*",
            "*test_broken[[]layers-doubler-gradcheck_eval[]] FAILED*",
        ]
    )
    # the failure names the plugin, the component, the input and the relative error
    result.stdout.fnmatch_lines(
        [
            "*plugin 'broken_plugin', layer 'doubler', check gradcheck_train: gradient of input 0 has "
            "relative error 3.333e-01*"
        ]
    )


def test_options_override_the_kit_settings(suite):
    # with a pass mark of 0.5 the factor-two bug (relative error 1/3) passes
    result = suite.runpytest("-p", "no:cacheprovider", "--minigrad-max-error=0.5", "--minigrad-examples=1")
    result.assert_outcomes(passed=SAMPLE_CHECK_COUNT + 8)


def test_selecting_one_component_with_k(suite):
    result = suite.runpytest("-p", "no:cacheprovider", "-k", "halving")
    result.assert_outcomes(passed=4)


def test_a_plugin_that_cannot_load_is_one_failing_test(pytester):
    pytester.makepyfile(
        clash="""
            import minigrad as mg

            @mg.hookimpl
            def minigrad_register_schedules(registry):
                registry.add("constant", lambda lr0: (lambda epoch: lr0))
        """,
        test_conformance="""
            from minigrad.testing import conformance_tests

            test_clash = conformance_tests("clash")
            test_missing = conformance_tests("not_a_plugin_anywhere")
        """,
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_clash[[]plugin-clash-load[]] FAILED*",
            "*RegistrationError*'builtin'*'clash'*",
            "*no plugin named 'not_a_plugin_anywhere'*",
        ]
    )


def test_missing_example_is_reported_as_a_failed_test_and_skips(pytester):
    pytester.makepyfile(
        bare="""
            import minigrad as mg

            class Same(mg.Module):
                def forward(self, x):
                    return x * 1.0

            @mg.hookimpl
            def minigrad_register_layers(registry):
                registry.add("same", Same)
        """,
        test_conformance="""
            from minigrad.testing import conformance_tests

            test_bare = conformance_tests("bare")
        """,
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(failed=1, skipped=7)
    result.stdout.fnmatch_lines(["*missing example: register it with example=lambda rng: (module, [[]input*"])


def test_the_pytest11_module_imports_nothing_heavy():
    """Imported the way pytest loads the ``pytest11`` entry point, it pulls in neither
    numpy nor minigrad: every pytest session in an environment with minigrad installed
    loads it."""
    code = textwrap.dedent(
        """
        import importlib.metadata, sys
        (entry,) = [e for e in importlib.metadata.entry_points(group="pytest11") if e.name == "minigrad"]
        entry.load()
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "minigrad"))
        print(entry.value, heavy)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "minigrad_pytest []"
