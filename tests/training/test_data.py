"""Tests for minigrad.data: split, Normalizer, mini-batches, DataLoader, ewma, load_dataset."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import data


def _ids(m: int, d: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """X whose first column is the row id, Y = id mod 3."""
    X = np.zeros((m, d))
    X[:, 0] = np.arange(m)
    return X, np.arange(m) % 3


# ----------------------------------------------------------------------------- split


@given(m=st.integers(3, 300), seed=st.integers(0, 2**16), stratify=st.booleans())
def test_split_is_a_partition_of_the_examples(m, seed, stratify):
    X, Y = _ids(m)
    parts = mg.split(X, Y, ratios=(0.5, 0.25, 0.25), seed=seed, stratify=stratify) if m >= 12 else None
    if parts is None:
        parts = mg.split(X, Y, ratios=(0.4, 0.3, 0.3), seed=seed)
    ids = np.concatenate([p[0][:, 0] for p in parts])
    assert sorted(ids.tolist()) == list(range(m))
    for Xp, Yp in parts:  # X and Y stay aligned
        np.testing.assert_array_equal(Xp[:, 0].astype(int) % 3, Yp)


def test_split_automatic_ratios_small_and_large():
    X, Y = _ids(1000)
    train, dev, test = mg.split(X, Y)
    assert (len(train[0]), len(dev[0]), len(test[0])) == (600, 200, 200)
    # the large-data rule applies above the threshold (overridable): 98/1/1
    train, dev, test = mg.split(X, Y, large_data_threshold=999)
    assert (len(train[0]), len(dev[0]), len(test[0])) == (980, 10, 10)
    train, dev, test = mg.split(X, Y, large_data_threshold=1000)  # "above", not "at"
    assert len(train[0]) == 600
    assert data.SMALL_DATA_RATIOS == (0.6, 0.2, 0.2)
    assert data.LARGE_DATA_RATIOS == (0.98, 0.01, 0.01)
    assert data.LARGE_DATA_THRESHOLD == 1_000_000


@given(m=st.integers(3, 500))
def test_split_sizes_add_up_and_round_to_the_nearest(m):
    X, Y = _ids(m)
    sizes = [len(p[0]) for p in mg.split(X, Y, ratios=(0.6, 0.2, 0.2))]
    assert sum(sizes) == m
    if m >= 10:
        assert all(abs(size - m * r) < 1 for size, r in zip(sizes, (0.6, 0.2, 0.2)))
    # largest remainder: 7 * (0.6, 0.2, 0.2) = (4.2, 1.4, 1.4) -> (4, 2, 1)
    assert [len(p[0]) for p in mg.split(*_ids(7), ratios=(0.6, 0.2, 0.2))] == [4, 2, 1]
    # tiny data: every part still gets an example (3 * 0.2 rounds to 0)
    assert [len(p[0]) for p in mg.split(*_ids(3), ratios=(0.6, 0.2, 0.2))] == [1, 1, 1]


def test_split_two_parts_has_no_test_set():
    X, Y = _ids(10)
    parts = mg.split(X, Y, ratios=[0.8, 0.2])
    assert parts.test is None
    assert len(parts.train[0]) == 8 and len(parts.dev[0]) == 2


def test_split_is_seeded():
    X, Y = _ids(50)
    a, b, c = mg.split(X, Y, seed=3), mg.split(X, Y, seed=3), mg.split(X, Y, seed=4)
    np.testing.assert_array_equal(a.train[0], b.train[0])
    assert not np.array_equal(a.train[0], c.train[0])


def test_split_without_shuffle_keeps_order():
    X, Y = _ids(10)
    train, dev, test = mg.split(X, Y, shuffle=False)
    assert train[0][:, 0].tolist() == [0, 1, 2, 3, 4, 5]
    assert dev[0][:, 0].tolist() == [6, 7] and test[0][:, 0].tolist() == [8, 9]


def test_split_stratified_keeps_class_shares():
    rng = np.random.default_rng(0)
    Y = np.array([0] * 90 + [1] * 10)
    X = rng.normal(size=(100, 3))
    for seed in range(5):
        train, dev, test = mg.split(X, Y, stratify=True, seed=seed)
        assert (train[1].sum(), dev[1].sum(), test[1].sum()) == (6, 2, 2)
    # one-hot labels are stratified by class too
    onehot = np.eye(2)[Y]
    train, dev, test = mg.split(X, onehot, stratify=True)
    assert train[1][:, 1].sum() == 6 and dev[1][:, 1].sum() == 2


def test_split_stratified_mixes_classes_in_each_part():
    Y = np.repeat([0, 1], 50)
    train, _, _ = mg.split(np.zeros((100, 1)), Y, stratify=True, seed=0)
    assert train[1][:30].sum() not in (0, 30)  # not all of one class first


@pytest.mark.parametrize(
    "ratios, match",
    [
        ((0.5, 0.3), "sum to 1"),
        ((0.5, 0.6, -0.1), "positive"),
        ((1.0,), "2 parts"),
        ((0.25, 0.25, 0.25, 0.25), "2 parts"),
        ("abc", "2 or 3 numbers"),
        ((0.8, float("nan"), 0.2), "positive"),
    ],
)
def test_split_rejects_bad_ratios(ratios, match):
    X, Y = _ids(20)
    with pytest.raises(mg.ConfigError, match=match):
        mg.split(X, Y, ratios=ratios)


def test_split_reports_empty_parts():
    X, Y = _ids(2)
    with pytest.raises(mg.ConfigError, match=r"test set would be empty.*m=2"):
        mg.split(X, Y)


def test_split_reports_mismatched_lengths():
    with pytest.raises(mg.ShapeError, match=r"X has 5 examples.*Y has 4"):
        mg.split(np.zeros((5, 2)), np.zeros(4))


def test_split_reports_nan_and_inf_with_position():
    X, Y = _ids(10)
    X[7, 1] = np.nan
    with pytest.raises(mg.ConfigError, match=r"NaN or inf.*row 7, column 1"):
        mg.split(X, Y)
    X[7, 1] = np.inf
    with pytest.raises(mg.ConfigError, match="inf at row 7"):
        mg.split(X, Y)


def test_split_rejects_empty_and_non_numeric_data():
    with pytest.raises(mg.ShapeError, match="empty"):
        mg.split(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(mg.DTypeError, match="numeric"):
        mg.split(np.array([["a", "b"]] * 5), np.zeros(5))


# ----------------------------------------------------------------------------- Normalizer


def test_normalizer_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    X_train = rng.normal(3.0, 2.0, size=(500, 4))
    X_dev = rng.normal(10.0, 5.0, size=(50, 4))
    norm = mg.Normalizer().fit(X_train)
    Z = norm.transform(X_train)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.var(axis=0), 1.0, rtol=1e-6)
    # dev data go through the training set's μ and σ, not their own
    expected = (X_dev - X_train.mean(axis=0)) / np.sqrt(X_train.var(axis=0) + norm.eps)
    np.testing.assert_allclose(norm.transform(X_dev), expected)


def test_normalizer_formula_matches_the_course():
    X = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    norm = mg.Normalizer(eps=0.0).fit(X)
    mu = X.sum(axis=0) / 3  # μ = 1/m Σ x
    var = ((X - mu) ** 2).sum(axis=0) / 3  # σ² = 1/m Σ (x - μ)²
    np.testing.assert_allclose(norm.mean, mu)
    np.testing.assert_allclose(norm.variance, var)
    np.testing.assert_allclose(norm.transform(X), (X - mu) / np.sqrt(var))


def test_normalizer_default_eps_is_added_inside_the_square_root():
    rng = np.random.default_rng(0)
    X = np.column_stack([1.0 + 1e-5 * rng.standard_normal(200), rng.standard_normal(200)])
    norm = mg.Normalizer().fit(X)
    assert norm.eps == 1e-8
    var = X.var(axis=0)
    assert 0.5e-10 < var[0] < 2e-10  # far below eps: sqrt(σ² + eps) ≈ 1e-4, sqrt(σ²) + eps ≈ 1e-5
    np.testing.assert_allclose(norm.scale, np.sqrt(var + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(norm.transform(X), (X - X.mean(axis=0)) / np.sqrt(var + 1e-8), rtol=1e-9)


def test_normalizer_zero_variance_feature_is_only_centred():
    X = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]])
    norm = mg.Normalizer().fit(X)
    assert norm.scale[1] == 1.0
    out = norm.transform(np.array([[3.0, 6.0]]))
    assert np.isfinite(out).all() and out[0, 1] == 1.0


@given(seed=st.integers(0, 1000))
def test_normalizer_inverse_round_trip(seed):
    X = np.random.default_rng(seed).normal(size=(20, 3)) * [1.0, 100.0, 0.01]
    norm = mg.Normalizer().fit(X)
    np.testing.assert_allclose(norm.inverse_transform(norm.transform(X)), X, rtol=1e-9, atol=1e-12)


def test_normalizer_keeps_float32_and_converts_ints():
    norm = mg.Normalizer().fit(np.array([[1.0], [3.0]], dtype=np.float32))
    assert norm.transform(np.array([[2.0]], dtype=np.float32)).dtype == np.float32
    assert norm.fit_transform(np.array([[1], [3]])).dtype == np.float64


def test_normalizer_works_per_pixel_on_images():
    X = np.random.default_rng(0).random((10, 8, 8))
    Z = mg.Normalizer().fit_transform(X)
    assert Z.shape == (10, 8, 8)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)


def test_normalizer_state_dict_round_trip_through_npz(tmp_path):
    X = np.random.default_rng(0).normal(size=(30, 3))
    norm = mg.Normalizer(eps=1e-6).fit(X)
    state = norm.state_dict()
    assert all(isinstance(v, np.ndarray) for v in state.values())
    np.savez(tmp_path / "norm.npz", **state)
    with np.load(tmp_path / "norm.npz", allow_pickle=False) as loaded:
        restored = mg.Normalizer()
        restored.load_state_dict(dict(loaded))
    assert restored.eps == 1e-6
    np.testing.assert_array_equal(restored.transform(X), norm.transform(X))


def test_normalizer_errors():
    with pytest.raises(mg.ConfigError, match=r"not fitted.*fit"):
        mg.Normalizer().transform(np.zeros((2, 2)))
    norm = mg.Normalizer().fit(np.zeros((3, 2)))
    with pytest.raises(mg.ShapeError, match=r"\(3,\).*\(2,\)"):
        norm.transform(np.zeros((4, 3)))
    with pytest.raises(mg.StateDictError, match="missing keys \\['scale'\\]"):
        mg.Normalizer().load_state_dict({"mean": np.zeros(2), "variance": np.ones(2), "eps": 1e-8})
    with pytest.raises(mg.ConfigError, match="NaN"):
        mg.Normalizer().fit(np.array([[1.0], [np.nan]]))
    with pytest.raises(mg.ConfigError, match="eps"):
        mg.Normalizer(eps=-1.0)


# ----------------------------------------------------------------------------- minibatches


@given(m=st.integers(1, 200), batch_size=st.integers(1, 70), seed=st.integers(0, 100))
def test_minibatches_shuffle_then_partition(m, batch_size, seed):
    X, Y = _ids(m)
    batches = list(mg.minibatches(X, Y, batch_size=batch_size, rng=seed))
    sizes = [len(xb) for xb, _ in batches]
    # every batch full except the last, which keeps the remainder
    assert sizes[:-1] == [batch_size] * (len(sizes) - 1)
    assert sizes[-1] == (m % batch_size or min(batch_size, m))
    ids = np.concatenate([xb[:, 0] for xb, _ in batches])
    assert sorted(ids.tolist()) == list(range(m))  # each example exactly once
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0].astype(int) % 3, yb)


def test_minibatches_batch_gd_and_sgd():
    X, Y = _ids(10)
    assert len(list(mg.minibatches(X, Y, batch_size=10, rng=0))) == 1  # batch gradient descent
    assert len(list(mg.minibatches(X, Y, batch_size=1000, rng=0))) == 1
    assert [len(x) for x, _ in mg.minibatches(X, Y, batch_size=1, rng=0)] == [1] * 10  # SGD


def test_minibatches_default_size_is_64_and_drop_last():
    X, Y = _ids(130)
    assert [len(x) for x, _ in mg.minibatches(X, Y, rng=0)] == [64, 64, 2]
    assert [len(x) for x, _ in mg.minibatches(X, Y, rng=0, drop_last=True)] == [64, 64]


def test_minibatches_shuffles_reproducibly():
    X, Y = _ids(20)
    first = [x[:, 0].tolist() for x, _ in mg.minibatches(X, Y, batch_size=5, rng=1)]
    again = [x[:, 0].tolist() for x, _ in mg.minibatches(X, Y, batch_size=5, rng=np.random.default_rng(1))]
    assert first == again
    assert np.concatenate(first).tolist() != list(range(20))
    ordered = [x[:, 0].tolist() for x, _ in mg.minibatches(X, Y, batch_size=5, shuffle=False)]
    assert np.concatenate(ordered).tolist() == list(range(20))


def test_minibatches_without_labels():
    batches = list(mg.minibatches(np.zeros((5, 2)), batch_size=2, rng=0))
    assert [yb for _, yb in batches] == [None, None, None]


@pytest.mark.parametrize("batch_size", [0, -4, 2.5, True, "64", None])
def test_minibatches_validate_batch_size_eagerly(batch_size):
    with pytest.raises(mg.ConfigError, match="batch_size must be a positive integer"):
        mg.minibatches(np.zeros((4, 2)), np.zeros(4), batch_size=batch_size)  # no iteration needed


def test_minibatches_errors():
    with pytest.raises(mg.ShapeError, match="empty"):
        mg.minibatches(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(mg.ShapeError, match="Y has 3"):
        mg.minibatches(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(mg.ConfigError, match="leaves no batch"):
        mg.minibatches(np.zeros((4, 2)), np.zeros(4), batch_size=8, drop_last=True)
    with pytest.raises(mg.ConfigError, match="rng must be"):
        mg.minibatches(np.zeros((4, 2)), np.zeros(4), rng="seed")


# ----------------------------------------------------------------------------- DataLoader


def test_dataloader_reshuffles_each_epoch_and_is_reproducible():
    X, Y = _ids(12)
    loader = mg.DataLoader(X, Y, batch_size=5, rng=7)
    assert len(loader) == 3 and loader.num_examples == 12
    epoch1 = [x[:, 0].tolist() for x, _ in loader]
    epoch2 = [x[:, 0].tolist() for x, _ in loader]
    assert epoch1 != epoch2
    assert sorted(np.concatenate(epoch2).tolist()) == list(range(12))
    again = mg.DataLoader(X, Y, batch_size=5, rng=7)
    assert [x[:, 0].tolist() for x, _ in again] == epoch1


def test_dataloader_state_dict_resumes_exactly():
    X, Y = _ids(9)
    loader = mg.DataLoader(X, Y, batch_size=4, rng=0, augment=lambda b, r: b + r.random(), image_shape=(1, 2))
    list(loader)
    saved = loader.state_dict()
    expected = [x.tolist() for x, _ in loader]
    fresh = mg.DataLoader(
        X, Y, batch_size=4, rng=123, augment=lambda b, r: b + r.random(), image_shape=(1, 2)
    )
    fresh.load_state_dict(saved)
    assert [x.tolist() for x, _ in fresh] == expected
    with pytest.raises(mg.StateDictError, match="augment_rng"):
        fresh.load_state_dict({"shuffle_rng": saved["shuffle_rng"]})


def test_dataloader_augments_images_without_changing_the_batch_order():
    X = np.random.default_rng(0).random((10, 8, 8))
    Y = np.arange(10)
    plain = mg.DataLoader(X, Y, batch_size=4, rng=3)
    flipped = mg.DataLoader(X, Y, batch_size=4, rng=3, augment=mg.augmentation("horizontal_flip", p=1.0))
    for (xa, ya), (xb, yb) in zip(plain, flipped):
        np.testing.assert_array_equal(ya, yb)
        np.testing.assert_array_equal(xb, xa[..., ::-1])
    assert np.array_equal(X, np.random.default_rng(0).random((10, 8, 8)))  # input untouched


def test_dataloader_augments_flat_features_through_image_shape():
    X = np.arange(2 * 4, dtype=np.float64).reshape(2, 4)
    loader = mg.DataLoader(
        X, np.zeros(2), batch_size=2, shuffle=False, augment=["horizontal_flip"], image_shape=(2, 2)
    )
    # "horizontal_flip" by name uses p=0.5; compose p=1 by hand instead to be exact
    loader.augment = mg.compose_augmentations(mg.augmentation("horizontal_flip", p=1.0))
    ((xb, _),) = list(loader)
    np.testing.assert_array_equal(xb, [[1, 0, 3, 2], [5, 4, 7, 6]])


def test_dataloader_errors():
    with pytest.raises(mg.ShapeError, match="image_shape"):
        mg.DataLoader(np.zeros((4, 6)), augment="horizontal_flip")
    with pytest.raises(mg.ShapeError, match="holds 9 values"):
        mg.DataLoader(np.zeros((4, 6)), augment="horizontal_flip", image_shape=(3, 3))
    with pytest.raises(mg.UnknownComponentError, match="horizontal_flip"):
        mg.DataLoader(np.zeros((4, 2, 2)), augment="horizontal_flp")
    with pytest.raises(mg.ConfigError, match="augment must be"):
        mg.DataLoader(np.zeros((4, 2, 2)), augment=3)
    with pytest.raises(mg.ConfigError, match="batch_size"):
        mg.DataLoader(np.zeros((4, 2)), batch_size=0)


def test_compose_applies_in_order_and_validates():
    add = lambda b, r: b + 1  # noqa: E731
    double = lambda b, r: b * 2  # noqa: E731
    batch = np.zeros((1, 2, 2))
    assert mg.compose_augmentations(add, double)(batch, np.random.default_rng(0))[0, 0, 0] == 2
    assert mg.compose_augmentations(double, add)(batch, np.random.default_rng(0))[0, 0, 0] == 1
    with pytest.raises(mg.ConfigError, match="item 1"):
        mg.compose_augmentations(add, "flip")


# ----------------------------------------------------------------------------- EWMA


def test_ewma_course_temperature_example():
    # the course: V1 = 0.9 * 0 + 0.1 * 40 = 4, V2 = 8.5, V3 = 12.15
    np.testing.assert_allclose(mg.ewma([40, 49, 45], 0.9, bias_correction=False), [4.0, 8.5, 12.15])
    # bias-corrected: V_t / (1 - 0.9^t); the first value is θ_1 itself
    np.testing.assert_allclose(mg.ewma([40, 49, 45], 0.9), [40.0, 8.5 / (1 - 0.81), 12.15 / (1 - 0.729)])


@given(
    values=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=40),
    beta=st.floats(0.0, 0.99),
    correct=st.booleans(),
)
def test_ewma_matches_closed_form(values, beta, correct):
    theta = np.array(values)
    T = len(theta)
    closed = np.array(
        [(1 - beta) * sum(beta ** (t - i) * theta[i - 1] for i in range(1, t + 1)) for t in range(1, T + 1)]
    )
    if correct:
        closed = closed / (1 - beta ** np.arange(1, T + 1))
    np.testing.assert_allclose(mg.ewma(theta, beta, bias_correction=correct), closed, rtol=1e-9, atol=1e-9)


def test_ewma_of_a_constant_is_that_constant_with_bias_correction():
    out = mg.ewma(np.full(50, 3.0), 0.98)
    np.testing.assert_allclose(out, 3.0)
    assert mg.ewma(np.full(5, 3.0), 0.98, bias_correction=False)[0] == pytest.approx(0.06)


def test_ewma_along_axis_0_and_streaming_class_agree():
    values = np.random.default_rng(0).normal(size=(30, 3))
    batch = mg.ewma(values, 0.9)
    for column in range(3):
        avg = mg.EWMA(0.9)
        streamed = [avg.update(v) for v in values[:, column]]
        np.testing.assert_allclose(streamed, batch[:, column])
    assert np.isnan(mg.EWMA().value)
    assert mg.ewma([], 0.9).shape == (0,)


@pytest.mark.parametrize("beta", [1.0, -0.1, 1.5, "0.9"])
def test_ewma_rejects_bad_beta(beta):
    with pytest.raises(mg.ConfigError, match=r"beta must be a number in \[0, 1\)"):
        mg.ewma([1.0, 2.0], beta)
    with pytest.raises(mg.ConfigError):
        mg.EWMA(beta)


# ----------------------------------------------------------------------------- load_dataset


def test_load_npz_default_and_custom_keys(tmp_path):
    X = np.random.default_rng(0).random((6, 3))
    np.savez(tmp_path / "d.npz", X=X, Y=np.array([0, 1, 2, 0, 1, 2]), feats=X, labels=np.arange(6.0))
    X1, Y1 = mg.load_dataset(tmp_path / "d.npz")
    np.testing.assert_array_equal(X1, X)
    assert Y1.dtype == np.int64 and X1.dtype == np.float64
    X2, Y2 = mg.load_dataset(str(tmp_path / "d.npz"), features="feats", target="labels")
    np.testing.assert_array_equal(X2, X)
    assert Y2.dtype == np.int64  # whole-number floats become labels
    np.savez(tmp_path / "r.npz", X=X, Y=np.linspace(0, 1, 6))
    assert mg.load_dataset(tmp_path / "r.npz")[1].dtype == np.float64  # regression targets
    np.savez(tmp_path / "one.npz", X=np.arange(4.0), Y=np.array([0, 1, 0, 1]))
    assert mg.load_dataset(tmp_path / "one.npz")[0].shape == (4, 1)  # one feature


def test_load_npz_errors(tmp_path):
    np.savez(tmp_path / "d.npz", X=np.zeros((3, 2)), y=np.zeros(3))
    with pytest.raises(mg.ConfigError, match=r"no array 'Y'.*did you mean 'y'.*\['X', 'y'\]"):
        mg.load_dataset(tmp_path / "d.npz")
    np.savez(tmp_path / "o.npz", X=np.array([{"a": 1}] * 3, dtype=object), Y=np.zeros(3))
    with pytest.raises(mg.ConfigError, match=r"never unpickled|without unpickling"):
        mg.load_dataset(tmp_path / "o.npz")
    np.savez(tmp_path / "m.npz", X=np.zeros((3, 2)), Y=np.zeros(4))
    with pytest.raises(mg.ShapeError, match="Y has 4"):
        mg.load_dataset(tmp_path / "m.npz")
    np.savez(tmp_path / "n.npz", X=np.array([[1.0, np.nan]]), Y=np.zeros(1))
    with pytest.raises(mg.ConfigError, match="NaN"):
        mg.load_dataset(tmp_path / "n.npz")


def test_load_csv_with_header_by_name_and_index(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,label,b\n1.0,0,2.0\n3.0,1,4.0\n5.0,1,6.0\n")
    X, Y = mg.load_dataset(path, target="label")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(Y, [0, 1, 1])
    X, Y = mg.load_dataset(path, target=1, features=["b"])
    np.testing.assert_array_equal(X, [[2], [4], [6]])
    X, Y = mg.load_dataset(path)  # default target: the last column
    np.testing.assert_array_equal(Y, [2, 4, 6])


def test_load_csv_without_header_and_other_delimiter(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("1;2;0\n3;4;1\n")
    X, Y = mg.load_dataset(path, delimiter=";")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(Y, [0, 1])
    X, Y = mg.load_dataset(path, delimiter=";", target=0)
    np.testing.assert_array_equal(Y, [1, 3])


def test_load_csv_errors(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x1,x2,label\n1,2,0\n3,oops,1\n")
    with pytest.raises(mg.ConfigError, match=r"line 3, column 'x2'.*'oops'"):
        mg.load_dataset(path)
    path.write_text("x1,x2,label\n1,2,0\n3,,1\n")
    with pytest.raises(mg.ConfigError, match=r"line 3.*missing value"):
        mg.load_dataset(path)
    path.write_text("x1,x2,label\n1,2,0\n3,nan,1\n")
    with pytest.raises(mg.ConfigError, match="line 3, column 'x2' is nan"):
        mg.load_dataset(path)
    path.write_text("x1,x2,label\n1,2,0\n3,4,1\n")
    with pytest.raises(mg.ConfigError, match=r"no column 'lable'.*did you mean 'label'"):
        mg.load_dataset(path, target="lable")
    with pytest.raises(mg.ConfigError, match="index 5 is out of range"):
        mg.load_dataset(path, target=5)
    path.write_text("1,2,0\n3,4\n")
    with pytest.raises(mg.ConfigError, match="line 2 has 2 fields"):
        mg.load_dataset(path)
    path.write_text("1,2,0\n")
    with pytest.raises(mg.ConfigError, match="no header row"):
        mg.load_dataset(path, target="label")
    path.write_text("")
    with pytest.raises(mg.ConfigError, match="empty"):
        mg.load_dataset(path)


@pytest.mark.parametrize("first", ["0.1,0.2x,0", "0.1,,0", "x1,2,label"])
def test_a_first_row_mixing_numbers_and_text_is_an_error_not_a_dropped_example(tmp_path, first):
    path = tmp_path / "d.csv"
    path.write_text(f"{first}\n0.3,0.4,1\n0.5,0.6,0\n")
    with pytest.raises(mg.ConfigError, match=r"first row mixes numbers and text.*header=True"):
        mg.load_dataset(path)
    if first.startswith("x1"):  # a header whose names include a number: say so
        X, _ = mg.load_dataset(path, header=True)
        assert X.shape == (2, 2)


def test_load_dataset_file_errors(tmp_path):
    with pytest.raises(mg.ConfigError, match="no such file"):
        mg.load_dataset(tmp_path / "missing.csv")
    (tmp_path / "d.json").write_text("{}")
    with pytest.raises(mg.ConfigError, match=r"\.npz and \.csv"):
        mg.load_dataset(tmp_path / "d.json")


def test_stratifying_real_valued_targets_and_transforming_one_example_name_the_fix():
    X = np.random.default_rng(0).standard_normal((50, 2))
    with pytest.raises(mg.ConfigError, match=r"Y holds real values.*pass stratify=False"):
        mg.split(X, np.linspace(0.1, 0.9, 50), stratify=True)
    assert len(mg.split(X, np.arange(50) % 2 * 1.0, stratify=True).train[0]) > 0  # float class labels
    normalizer = mg.Normalizer().fit(X)
    with pytest.raises(mg.ShapeError, match=r"for one example pass X\[None\] \(shape \(1, 2\)\)"):
        normalizer.transform(X[0])
