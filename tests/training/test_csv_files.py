"""CSV files as people write them: pandas' default header, Excel's byte-order mark,
ragged rows and missing values (load_dataset and `minigrad predict`'s reader)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.commands.predict import read_features


def test_a_header_of_pandas_default_column_names_is_not_an_example(tmp_path):
    # pd.DataFrame(np.c_[X, Y]).to_csv(index=False) writes the header 0,1,2
    (tmp_path / "pd.csv").write_text("0,1,2\n0.5,1.5,0.0\n2.0,3.0,1.0\n")
    with pytest.warns(UserWarning, match="read as column names"):  # three columns: said so
        X, Y = mg.load_dataset(tmp_path / "pd.csv")
    np.testing.assert_array_equal(X, [[0.5, 1.5], [2.0, 3.0]])
    np.testing.assert_array_equal(Y, [0, 1])
    with pytest.warns(UserWarning, match="read as column names"):
        assert mg.load_dataset(tmp_path / "pd.csv", target="1")[1].tolist() == [1.5, 3.0]  # a name now
    # header=False keeps such a row as an example
    assert len(mg.load_dataset(tmp_path / "pd.csv", header=False)[0]) == 3
    # other all-number first rows are examples, as before
    (tmp_path / "data.csv").write_text("0,2,1\n0.5,1.5,0\n")
    assert len(mg.load_dataset(tmp_path / "data.csv")[0]) == 2
    (tmp_path / "feat.csv").write_text(" 0, 1\n0.1,0.2\n0.3,0.4\n")
    np.testing.assert_array_equal(read_features(tmp_path / "feat.csv", 2), [[0.1, 0.2], [0.3, 0.4]])


def test_a_short_row_of_default_names_is_read_as_a_header_with_a_warning(tmp_path):
    # "0,1" may as well be an example (feature 0, label 1): say how to keep it
    (tmp_path / "two.csv").write_text("0,1\n0.5,0\n0.7,1\n")
    with pytest.warns(UserWarning, match=r"first row 0,1 is read as column names .* pass header=False"):
        X, _ = mg.load_dataset(tmp_path / "two.csv")
    assert X.shape == (2, 1)
    assert mg.load_dataset(tmp_path / "two.csv", header=False)[0].shape == (3, 1)


def test_predict_reports_how_many_examples_it_read(tmp_path, capsys):
    from minigrad.cli import main

    folder = tmp_path / "run"
    quick = ["--set", "data.options.n=90", "--epochs", "1", "--quiet", "--no-plots"]
    assert main(["train", "--out", str(folder), *quick]) == 0
    (tmp_path / "pd.csv").write_text("0,1\n0.1,0.2\n0.3,0.4\n")
    capsys.readouterr()
    assert main(["predict", str(folder), "--input", str(tmp_path / "pd.csv")]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.strip().splitlines()) == 3  # the output header + 2 predictions
    assert "read 2 example(s)" in captured.err and "first row 0,1 skipped as a header" in captured.err
    (tmp_path / "plain.csv").write_text("0.1,0.2\n")
    assert main(["predict", str(folder), "--input", str(tmp_path / "plain.csv")]) == 0
    err = capsys.readouterr().err
    assert "read 1 example(s)" in err and "header" not in err
    (tmp_path / "only.csv").write_text("0,1\n")
    assert main(["predict", str(folder), "--input", str(tmp_path / "only.csv")]) == 2
    assert "no example to predict" in capsys.readouterr().err


@pytest.mark.parametrize("row", ["0,1,2", "0.0,1,2", "1,2,3"])
def test_only_the_exact_integers_0_to_k_minus_1_are_a_header(tmp_path, row):
    (tmp_path / "d.csv").write_text(f"{row}\n5,6,7\n")
    expected = 1 if row == "0,1,2" else 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert len(mg.load_dataset(tmp_path / "d.csv")[0]) == expected
    assert len(caught) == (row == "0,1,2")  # a header of default names says so


@pytest.mark.parametrize("header", ["x1,x2,label\n", ""])
def test_a_utf8_byte_order_mark_is_not_part_of_the_first_field(tmp_path, header):
    # Excel's "CSV UTF-8" starts the file with U+FEFF
    path = tmp_path / "excel.csv"
    path.write_text(header + "0.5,1.5,0\n2.0,3.0,1\n", encoding="utf-8-sig")
    X, Y = mg.load_dataset(path, target="label" if header else -1, features=["x1", "x2"] if header else None)
    np.testing.assert_array_equal(X, [[0.5, 1.5], [2.0, 3.0]])
    np.testing.assert_array_equal(Y, [0, 1])
    features = tmp_path / "features.csv"
    features.write_text(header.replace(",label", "") + "0.5,1.5\n2.0,3.0\n", encoding="utf-8-sig")
    np.testing.assert_array_equal(read_features(features, 2), [[0.5, 1.5], [2.0, 3.0]])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("x1,x2\n0.1,0.2\n0.3\n", r"line 3 has 1 fields but the file has 2 columns"),
        ("x1,x2\n\n0.1,0.2\n\n0.3\n", r"line 5 has 1 fields"),  # blank lines are counted
        ("x1,x2\n0.1,0.2\n0.3,NA\n", r"line 3, column 'x2' holds the non-numeric value 'NA'"),
        ("x1,x2\n0.1,0.2\n0.3,\n", r"line 3, column 'x2' holds a missing value"),
        ("0.1,0.2\n\n0.3,nan\n", r"line 3, column 1 is nan"),
    ],
)
def test_predict_input_errors_name_the_line(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(mg.ConfigError, match=r"--input .*bad\.csv: " + match):
        read_features(path, 2)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("x1,x2,y\n\n0.1,0.2,0\n\n0.3,1\n", r"line 5 has 2 fields but the file has 3 columns"),
        ("x1,x2,y\n\n0.1,0.2,0\n0.3,NA,1\n", r"line 4, column 'x2' holds the non-numeric value 'NA'"),
        ("0.1,0.2,0\n\n0.3,inf,1\n", r"line 3, column 1 is inf"),
    ],
)
def test_load_dataset_errors_name_the_line_of_the_file(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(mg.ConfigError, match=r"load_dataset: .*bad\.csv' " + match):
        mg.load_dataset(path)


def test_a_wide_row_of_default_names_warns_too_and_odd_signs_are_names(tmp_path):
    (tmp_path / "wide.csv").write_text("0,1,2,3\n0.5,1.5,2.5,0\n0.1,0.2,0.3,1\n")
    with pytest.warns(UserWarning, match="first row 0,1,2,3 is read as column names"):
        assert mg.load_dataset(tmp_path / "wide.csv")[0].shape == (2, 3)
    with pytest.raises(mg.ConfigError, match="target column '--1' is a name"):  # not a ValueError
        mg.load_dataset(tmp_path / "wide.csv", target="--1", header=False)
