"""Gradient checking speed on a 20-16-16-4 MLP (676 parameters, float64).

Full mode is compared with hand-written NumPy central differences over the same
parameter vector; fast mode with PyTorch's ``gradcheck(fast_mode=True)`` when PyTorch
is installed.
"""

from __future__ import annotations

import itertools

import numpy as np

SIZES = (20, 16, 16, 4)
BATCH = 8
EPS = 1e-7


def _problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    weights = [
        (rng.standard_normal((a, b)) * np.sqrt(2 / a), rng.standard_normal(b) * 0.1)
        for a, b in itertools.pairwise(SIZES)
    ]
    X = rng.standard_normal((BATCH, SIZES[0]))
    y = rng.integers(0, SIZES[-1], size=BATCH)
    return weights, X, y


def numpy_central_differences(weights, X, y) -> np.ndarray:
    """The course's loop: J(θ + ε eᵢ) and J(θ − ε eᵢ) for every element θᵢ."""
    params = [p.copy() for pair in weights for p in pair]
    rows = np.arange(len(y))

    def cost() -> float:
        A = X
        for i in range(0, len(params), 2):
            A = A @ params[i] + params[i + 1]
            if i < len(params) - 2:
                A = np.maximum(A, 0)
        Z = A - A.max(axis=1, keepdims=True)
        return float(np.log(np.exp(Z).sum(axis=1)).mean() - Z[rows, y].mean())

    grads = []
    for p in params:
        flat = p.reshape(-1)
        g = np.empty(flat.size)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + EPS
            plus = cost()
            flat[i] = old - EPS
            minus = cost()
            flat[i] = old
            g[i] = (plus - minus) / (2 * EPS)
        grads.append(g)
    return np.concatenate(grads)


def _torch_fast_check(weights, X, y):
    """PyTorch's ``gradcheck(fast_mode=True)`` on the same network, or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    tw = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in weights]
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def torch_fn(*flat):
        A = Xt
        for i in range(0, len(flat), 2):
            A = A @ flat[i] + flat[i + 1]
            if i < len(flat) - 2:
                A = torch.relu(A)
        return torch.nn.functional.cross_entropy(A, yt)

    flat = [p for pair in tw for p in pair]
    return lambda: torch.autograd.gradcheck(torch_fn, flat, fast_mode=True)


def run(*, quick: bool = False) -> tuple[str, list[str]]:
    """Time full mode against NumPy and fast mode against PyTorch, interleaved."""
    import minigrad as mg
    from benchmarks.harness import interleaved, paired_ratio
    from benchmarks.mlp import build_minigrad_mlp

    weights, X, y = _problem()
    model = build_minigrad_mlp(weights)
    loss = mg.loss("softmax_cross_entropy")
    X_t = mg.Tensor(X)

    def full():
        return mg.gradcheck(lambda: loss(model(X_t), y), params=model)

    def fast():
        return mg.gradcheck(lambda: loss(model(X_t), y), params=model, fast=True)

    report = full()
    lines = [f"gradcheck, MLP {'-'.join(map(str, SIZES))} (676 parameters), batch {BATCH}, float64"]
    lines.append(f"  minigrad full-mode verdict: {report.verdict} ({report.relative_error:.2e})")
    missed = []
    rounds = 5 if quick else 21
    timings = interleaved(
        {"numpy": lambda: numpy_central_differences(weights, X, y), "full": full},
        rounds=rounds,
        per_round=1,
        warmup=1,
    )
    t_numpy, t_full = timings["numpy"].median, timings["full"].median
    ratio, _ = paired_ratio(timings, "full", "numpy")
    ok = ratio <= 1.5
    lines.append(f"  numpy central differences {t_numpy:9.2f} ms (median of {rounds}, interleaved)")
    lines.append(
        f"  minigrad full mode        {t_full:9.2f} ms  {ratio:.2f}x numpy  (target <= 1.50x) "
        f"{'ok' if ok else 'MISSED'}"
    )
    if not ok:
        missed.append(f"gradcheck full mode {ratio:.2f}x numpy > 1.50x")
    torch_fast = _torch_fast_check(weights, X, y)
    contenders = {"fast": fast} if torch_fast is None else {"fast": fast, "torch": torch_fast}
    fast_timings = interleaved(contenders, rounds=rounds, per_round=5, warmup=3)
    t_fast = fast_timings["fast"].median
    lines.append(f"  minigrad fast mode        {t_fast:9.2f} ms")
    if torch_fast is None:
        lines.append("  pytorch not installed: fast-mode comparison skipped")
    else:
        t_torch = fast_timings["torch"].median
        versus, _ = paired_ratio(fast_timings, "fast", "torch")
        ok = versus < 1.0
        lines.append(
            f"  pytorch fast mode         {t_torch:9.2f} ms  (minigrad fast {versus:.2f}x "
            f"pytorch, target < 1.00x) {'ok' if ok else 'MISSED'}"
        )
        if not ok:
            missed.append(f"gradcheck fast mode {versus:.2f}x pytorch >= 1.00x")
    return "\n".join(lines), missed
