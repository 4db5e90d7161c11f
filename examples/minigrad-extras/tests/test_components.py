"""Behaviour of the extras beyond the conformance kit: formulas checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from minigrad_extras.optimizers import Lookahead
from minigrad_extras.schedules import warmup_cosine

import minigrad as mg


def test_plugin_is_found_through_its_entry_point():
    info = {p.name: p for p in mg.get_plugin_manager().plugins()}["extras"]
    assert info.components == {
        "layers": ["swish"],
        "optimizers": ["lookahead"],
        "schedules": ["warmup_cosine"],
    }


def test_swish_matches_its_formula():
    z = np.linspace(-30.0, 30.0, 13)
    out = mg.layer("swish", beta=1.5)(mg.Tensor(z)).data
    np.testing.assert_allclose(out, z / (1.0 + np.exp(-1.5 * z)), rtol=1e-12, atol=1e-300)


def test_swish_learns_beta():
    layer = mg.layer("swish", beta=1.0, trainable=True)
    z = np.array([[0.5, -1.0, 2.0]])
    layer(mg.Tensor(z)).sum().backward()
    s = 1.0 / (1.0 + np.exp(-z))
    assert layer.beta.grad == pytest.approx(np.sum(z * z * s * (1.0 - s)))  # dy/dbeta = z^2 s (1 - s)


def test_lookahead_with_sgd_follows_the_two_loops_by_hand():
    w = mg.Parameter(np.array([2.0]))
    opt = mg.optimizer("lookahead", [w], lr=0.25, k=2, alpha=0.5)
    fast, slow, history = 2.0, 2.0, []
    for step in range(1, 7):
        opt.zero_grad()
        (w * w).sum().backward()  # g = 2w
        opt.step()
        fast -= 0.25 * 2 * fast
        if step % 2 == 0:
            slow += 0.5 * (fast - slow)
            fast = slow
        history.append((w.data[0], fast))
    for got, expected in history:
        assert got == pytest.approx(expected, rel=1e-12)


def test_lookahead_wraps_any_registered_rule():
    rule = Lookahead(inner="adam", lr=0.01)
    assert {"beta1", "beta2", "k", "alpha"} <= set(rule.defaults)
    # adamw's decoupled weight decay reads the parameter: lookahead passes it through
    w = mg.Parameter(np.array([1.0, -2.0]))
    plain = mg.Parameter(w.data.copy())
    opt = mg.optimizer("lookahead", [w], inner="adamw", lr=0.1, weight_decay=0.5, k=3)
    ref = mg.optimizer("adamw", [plain], lr=0.1, weight_decay=0.5)
    for o, p in ((opt, w), (ref, plain)):
        for _ in range(2):  # before the first sync lookahead moves exactly like its inner rule
            o.zero_grad()
            (p * p).sum().backward()
            o.step()
    np.testing.assert_array_equal(w.data, plain.data)
    with pytest.raises(mg.ConfigError, match="alpha"):
        mg.optimizer("lookahead", [mg.Parameter(np.ones(2))], alpha=0.0)


@pytest.mark.parametrize(
    ("epoch", "expected"),
    [(0, 0.025), (3, 0.1), (4, 0.1), (14, 0.001 + 0.5 * 0.099), (24, 0.001), (100, 0.001)],
)
def test_warmup_cosine_formula(epoch, expected):
    fn = warmup_cosine(0.1, warmup_epochs=4, total_epochs=24)
    assert fn(epoch) == pytest.approx(expected, rel=1e-12)


def test_warmup_cosine_rejects_bad_options():
    with pytest.raises(mg.ConfigError, match="total_epochs"):
        warmup_cosine(0.1, warmup_epochs=10, total_epochs=5)
    assert math.isfinite(warmup_cosine(0.1, warmup_epochs=0, total_epochs=1)(0))
