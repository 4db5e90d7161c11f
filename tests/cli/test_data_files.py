"""`minigrad evaluate --data` and `minigrad predict --input` on the files people have."""

from __future__ import annotations

import pytest

import minigrad as mg
from minigrad.cli import main


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data_files") / "run"
    quick = ["--set", "data.options.n=90", "--epochs", "2", "--quiet", "--no-plots"]
    assert main(["train", "--out", str(folder), *quick]) == 0
    return folder


@pytest.fixture
def headerless(tmp_path):
    X, Y = mg.dataset("spirals", n=30, classes=3, seed=1)
    path = tmp_path / "nohdr.csv"
    path.write_text("".join(f"{a},{b},{y}\n" for (a, b), y in zip(X, Y)))
    return path


@pytest.mark.parametrize("target", [["--target", "2"], ["--target=-1"], ["--target", " 2"]])
def test_evaluate_takes_an_integer_target_as_a_column_index_without_a_header(
    run_folder, headerless, target, capsys
):
    capsys.readouterr()
    assert main(["evaluate", str(run_folder), "--data", str(headerless), *target]) == 0
    expected = capsys.readouterr().out
    assert main(["evaluate", str(run_folder), "--data", str(headerless)]) == 0  # the last column
    assert capsys.readouterr().out == expected


def test_an_integer_text_target_is_a_name_when_the_header_has_it(tmp_path):
    (tmp_path / "h.csv").write_text("a,2,b\n1,0,5\n2,1,6\n")
    assert mg.load_dataset(tmp_path / "h.csv", target="2", header=True)[1].tolist() == [0, 1]  # the name "2"
    assert mg.load_dataset(tmp_path / "h.csv", target="-1", header=True)[1].tolist() == [
        5,
        6,
    ]  # no such name: index
    (tmp_path / "n.csv").write_text("1,0,5\n2,1,6\n")
    assert mg.load_dataset(tmp_path / "n.csv", target="1")[1].tolist() == [0, 1]
    with pytest.raises(mg.ConfigError, match="index 7 is out of range"):
        mg.load_dataset(tmp_path / "n.csv", target="7")
    with pytest.raises(mg.ConfigError, match=r"'x' is a name but .* has no header row"):
        mg.load_dataset(tmp_path / "n.csv", target="x")
