"""Ensembles: averaging the probabilities of models trained with different seeds, and
snapshot ensembles from a cosine-restarts schedule."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def data():
    X, Y = mg.dataset("moons", n=160, noise=0.3, seed=4)
    train, dev, _ = mg.split(X, Y, ratios=(0.6, 0.4), seed=0)
    norm = mg.Normalizer().fit(train[0])
    return (norm.transform(train[0]), train[1]), (norm.transform(dev[0]), dev[1])


def build(seed):
    rng = np.random.default_rng(seed)
    model = mg.Sequential(
        mg.layer("dense", 2, 16, rng=rng), mg.layer("relu"), mg.layer("dense", 16, 2, rng=rng)
    )
    return model, mg.optimizer("adam", model.parameters(), lr=0.02)


def cross_entropy(proba, Y):
    return float(-np.mean(np.log(proba[np.arange(len(Y)), Y])))


def test_an_ensemble_averages_the_probabilities_of_its_members():
    train, dev = data()
    ensemble, histories = mg.fit_ensemble(
        build, train, seeds=(0, 1, 2), dev=dev, loss="softmax_cross_entropy", epochs=15, batch_size=16
    )
    assert len(ensemble) == 3 and [len(h) for h in histories] == [15, 15, 15]
    members = [mg.predict_proba(model, dev[0]) for model in ensemble]
    assert not np.allclose(members[0], members[1])  # different seeds, different models
    np.testing.assert_allclose(ensemble.predict_proba(dev[0]), np.mean(members, axis=0), rtol=1e-12)
    np.testing.assert_array_equal(ensemble.predict(dev[0]), np.mean(members, axis=0).argmax(axis=1))
    # averaging probabilities never does worse than the members' mean log-loss (-log is convex)
    assert cross_entropy(ensemble.predict_proba(dev[0]), dev[1]) <= np.mean(
        [cross_entropy(p, dev[1]) for p in members]
    )
    assert ensemble.accuracy(*dev) == pytest.approx(np.mean(ensemble.predict(dev[0]) == dev[1]))


def test_weighted_ensembles_and_errors():
    class Logit(mg.Module):
        def __init__(self, value):
            super().__init__()
            self.value = value

        def forward(self, x):
            return mg.Tensor(np.full((x.shape[0], 1), self.value))

    X = np.zeros((2, 3))
    ens = mg.Ensemble([Logit(0.0), Logit(np.log(3.0))], weights=[1, 3])  # p = 0.5 and 0.75
    np.testing.assert_allclose(ens.predict_proba(X), [[0.6875], [0.6875]])
    with pytest.raises(mg.ConfigError, match="at least one"):
        mg.Ensemble([])
    with pytest.raises(mg.ConfigError, match="non-negative"):
        mg.Ensemble([Logit(0.0)], weights=[-1])
    for bad in ([np.nan, 1.0], [np.inf, 1.0], ["a", 1.0], 0.5):
        with pytest.raises(mg.ConfigError, match="must be 2 finite non-negative numbers"):
            mg.Ensemble([Logit(0.0), Logit(1.0)], weights=bad)

    class TwoLogits(Logit):
        def forward(self, x):
            return mg.Tensor(np.zeros((x.shape[0], 2)))

    with pytest.raises(mg.ShapeError, match=r"model 1 predicts shape \(2, 2\) but model 0 predicts \(2, 1\)"):
        mg.Ensemble([Logit(0.0), TwoLogits(0.0)]).predict_proba(X)


@pytest.mark.parametrize("option", [{"seed": 5}, {"optimizer": "adam"}])
def test_fit_ensemble_says_seed_and_optimizer_come_from_seeds_and_build(option):
    train, _ = data()
    with pytest.raises(mg.ConfigError, match=f"fit_ensemble: {next(iter(option))} cannot be given"):
        mg.fit_ensemble(build, train, seeds=(0,), loss="softmax_cross_entropy", epochs=1, **option)


def test_snapshot_ensemble_from_cosine_restarts():
    train, dev = data()
    model, optimizer = build(0)
    period = 5
    history = mg.fit(
        model,
        train,
        dev=dev,
        loss="softmax_cross_entropy",
        optimizer=optimizer,
        schedule=mg.schedule("cosine_restarts", lr0=0.05, period=period),
        epochs=3 * period,
        batch_size=16,
        snapshot_every=period,
    )
    assert len(history.snapshots) == 3
    lr = history["lr"]
    # each snapshot is taken at the end of a cycle, at its lowest learning rate
    for end in (4, 9, 14):
        assert lr[end] == lr[end - period + 1 : end + 1].min() < lr[end - period + 1]
    ensemble = mg.Ensemble.from_snapshots(model, history.snapshots)
    assert len(ensemble) == 3
    for member, snapshot in zip(ensemble, history.snapshots):
        for key, value in member.state_dict().items():
            np.testing.assert_array_equal(value, snapshot[key])
    assert not np.array_equal(history.snapshots[0]["0.W"], history.snapshots[2]["0.W"])
    # the last snapshot is the trained model itself
    np.testing.assert_allclose(
        mg.predict_proba(list(ensemble)[-1], dev[0]), mg.predict_proba(model, dev[0]), rtol=0, atol=0
    )
    members = [mg.predict_proba(m, dev[0]) for m in ensemble]
    np.testing.assert_allclose(ensemble.predict_proba(dev[0]), np.mean(members, axis=0), rtol=1e-12)
