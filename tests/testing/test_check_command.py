"""``minigrad check``: the kit from the command line."""

from __future__ import annotations

import sys

import pytest

import minigrad as mg
from minigrad.cli import main

from .samples import BROKEN_SOURCE, SAMPLE_SOURCE, load


@pytest.fixture
def plugins(fresh_plugins):
    mg.register_plugin(load("sample_plugin", SAMPLE_SOURCE), name="sample")
    mg.register_plugin(load("broken_plugin", BROKEN_SOURCE), name="broken")


def test_failing_plugin_prints_the_table_and_exits_1(plugins, capsys):
    assert main(["check", "broken"]) == 1
    out = capsys.readouterr().out
    header, *rows = out.splitlines()
    assert header.split()[:5] == ["plugin", "family", "component", "check", "result"]
    assert any(row.split()[2:5] == ["doubler", "gradcheck_train", "FAILED"] for row in rows)
    assert "8 checks: 6 passed, 2 failed, 0 skipped" in out
    assert "plugin 'broken', layer 'doubler', check gradcheck_train: gradient of input 0" in out


def test_passing_plugin_exits_0_and_family_filters(plugins, capsys):
    assert main(["check", "sample", "--family", "schedules", "--family", "optimizers"]) == 0
    out = capsys.readouterr().out
    assert {line.split()[1] for line in out.splitlines()[1:-1]} == {"schedules", "optimizers"}
    assert out.splitlines()[-1] == "7 checks: 7 passed, 0 failed, 0 skipped"


def test_component_filter_and_failures_only(plugins, capsys):
    assert main(["check", "sample", "broken", "--component", "doubler", "--failures-only"]) == 1
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("broken ")]
    assert len(rows) == 2 and all("FAILED" in row for row in rows)


def test_every_plugin_by_default(plugins, capsys):
    assert main(["check", "--family", "layers", "--examples", "1"]) == 1
    plugins_seen = {line.split()[0] for line in capsys.readouterr().out.splitlines()[1:] if line.strip()}
    assert {"builtin", "sample", "broken"} <= plugins_seen


def test_unknown_plugin_or_family_is_a_usage_error(plugins, capsys):
    assert main(["check", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no plugin named 'nope'" in err and "sample" in err
    assert main(["check", "--family", "layer"]) == 2
    assert "unknown family 'layer'" in capsys.readouterr().err
    assert main(["check", "sampel"]) == 2
    assert "no plugin named 'sampel' is loaded; did you mean 'sample'?" in capsys.readouterr().err


def test_a_misspelled_component_is_a_usage_error_not_an_empty_pass(plugins, capsys):
    # exit 0 with "nothing to check" would let a typo pass CI
    assert main(["check", "broken", "--component", "doubler", "--component", "dubler"]) == 2
    err = capsys.readouterr().err
    assert "--component dubler: no such component in plugin(s) 'broken'; did you mean 'doubler'" in err
    assert "--component doubler:" not in err
    assert main(["check", "sample", "--component", "dense"]) == 2
    assert "--component dense: no such component in plugin(s) 'sample' (plugin 'builtin' registers one)" in (
        capsys.readouterr().err
    )
    assert main(["check", "builtin", "--component", "adam", "--family", "layers"]) == 2
    assert (
        "--component adam: no such component in plugin(s) 'builtin', families layers"
        in capsys.readouterr().err
    )


def test_a_plugin_module_not_installed_yet_is_checked_by_its_dotted_name(tmp_path, monkeypatch, capsys):
    (tmp_path / "draft_plugin.py").write_text(BROKEN_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert main(["check", "draft_plugin"]) == 1
        assert "plugin 'draft_plugin', layer 'doubler'" in capsys.readouterr().out
        (tmp_path / "crashing_plugin.py").write_text("import numpy\nraise RuntimeError('half-written')\n")
        assert main(["check", "crashing_plugin"]) == 1
        assert "failed to import: RuntimeError: half-written" in capsys.readouterr().err
    finally:
        for name in ("draft_plugin", "crashing_plugin"):
            sys.modules.pop(name, None)
