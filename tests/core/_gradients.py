"""Gradient comparison helpers for the core tests.

``central_differences`` is written independently of :func:`minigrad.gradcheck`, so
the op tests do not rely on the checker alone (the checker has its own tests).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import minigrad as mg


def central_differences(
    objective: Callable[[list[np.ndarray]], float], arrays: Sequence[np.ndarray], eps: float = 1e-6
) -> list[np.ndarray]:
    """d objective / d arrays[k][i] = (J(x + eps e_i) - J(x - eps e_i)) / (2 eps), element by element."""
    points = [np.array(a, dtype=np.float64, copy=True) for a in arrays]
    grads = []
    for point in points:
        flat = point.reshape(-1)
        grad = np.zeros(flat.size)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            plus = objective(points)
            flat[i] = original - eps
            minus = objective(points)
            flat[i] = original
            grad[i] = (plus - minus) / (2 * eps)
        grads.append(grad.reshape(point.shape))
    return grads


def assert_gradients_match(
    fn: Callable[..., mg.Tensor],
    *arrays: np.ndarray,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    max_error: float = 1e-6,
    seed: int = 0,
    label: str = "",
) -> None:
    """Backprop through ``fn(*tensors)`` agrees with finite differences, checked twice:
    by ``mg.gradcheck`` and by :func:`central_differences` on J = <cotangent, fn(x)>."""
    arrays = tuple(np.asarray(a, dtype=np.float64) for a in arrays)
    report = mg.gradcheck(fn, list(arrays))
    assert report.passed and report.relative_error < max_error, f"{label}\n{report}"

    tensors = [mg.Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*tensors)
    assert out.requires_grad, label
    cotangent = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(cotangent)

    def objective(points: list[np.ndarray]) -> float:
        with mg.no_grad():
            value = fn(*(mg.Tensor(p) for p in points))
        return float(np.sum(value.data * cotangent))

    numeric = central_differences(objective, arrays)
    for k, (t, num) in enumerate(zip(tensors, numeric)):
        grad = np.zeros_like(num) if t.grad is None else t.grad
        where = f"{label}: input {k}"
        assert grad.shape == t.shape, f"{where}: grad shape {grad.shape} != {t.shape}"
        assert grad.dtype == t.dtype, f"{where}: grad dtype {grad.dtype} != {t.dtype}"
        np.testing.assert_allclose(grad, num, rtol=rtol, atol=atol, err_msg=where)


def assert_all_match(cases: dict[str, Callable[..., mg.Tensor]], *arrays: np.ndarray) -> None:
    """:func:`assert_gradients_match` for each labelled function on the same inputs."""
    for label, fn in cases.items():
        assert_gradients_match(fn, *arrays, label=label)
