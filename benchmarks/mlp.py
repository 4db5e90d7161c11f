"""One training step (forward, backward, plain SGD update) of the same ReLU MLP with a
softmax cross-entropy loss, in hand-written NumPy, minigrad, PyTorch and MyGrad.

All implementations start from the same weights and see the same batch; their loss
trajectories are compared before anything is timed, so a fast wrong implementation
cannot win.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LR = 0.1


@dataclass(frozen=True)
class Case:
    """A network, batch size and dtype to time, with minigrad's target ratio to NumPy."""

    sizes: tuple[int, ...]
    batch: int
    dtype: str
    target: float

    @property
    def title(self) -> str:
        return f"{'-'.join(map(str, self.sizes))}, batch {self.batch}, {self.dtype}"


CASES = (
    Case((2, 16, 16, 2), 64, "float32", 1.5),
    Case((784, 256, 128, 10), 128, "float32", 1.05),
    Case((784, 256, 128, 10), 128, "float64", 1.05),
    Case((784, 256, 128, 10), 1024, "float32", 1.05),
)


def make_problem(case: Case, seed: int = 0):
    """He-initialized weights, a batch and integer labels, all in the case's dtype."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(case.dtype)
    weights = []
    for n_in, n_out in zip(case.sizes[:-1], case.sizes[1:]):
        W = (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(dtype)
        b = np.zeros(n_out, dtype=dtype)
        weights.append((W, b))
    X = rng.standard_normal((case.batch, case.sizes[0])).astype(dtype)
    y = rng.integers(0, case.sizes[-1], size=case.batch)
    return weights, X, y


# ------------------------------------------------------------------ NumPy baseline
def numpy_step_fn(weights, X, y) -> tuple[Callable[[], float], Callable[[], list]]:
    """A hand-written forward/backward/update, the way one writes it for speed."""
    params = [(W.copy(), b.copy()) for W, b in weights]
    m = X.shape[0]
    rows = np.arange(m)
    lr = X.dtype.type(LR)

    def step() -> float:
        activations, pre = [X], []
        A = X
        for i, (W, b) in enumerate(params):
            Z = A @ W
            Z += b
            if i < len(params) - 1:
                pre.append(Z)
                A = np.maximum(Z, 0)
                activations.append(A)
            else:
                A = Z
        Z = A - A.max(axis=1, keepdims=True)
        E = np.exp(Z)
        S = E.sum(axis=1, keepdims=True)
        loss = float(np.log(S).mean() - Z[rows, y].mean())
        dZ = E / S  # softmax
        dZ[rows, y] -= 1  # dZ = (P - Y) / m
        dZ /= m
        for i in range(len(params) - 1, -1, -1):
            W, b = params[i]
            A_prev = activations[i]
            dW = A_prev.T @ dZ
            db = dZ.sum(axis=0)
            if i > 0:
                dA = dZ @ W.T
                dZ = dA * (pre[i - 1] > 0)
            W -= lr * dW
            b -= lr * db
        return loss

    return step, lambda: [W for W, _ in params]


# ------------------------------------------------------------------------ minigrad
def build_minigrad_mlp(weights):
    """A Sequential of registered dense and relu layers holding copies of ``weights``."""
    import minigrad as mg

    layers = []
    for i, (W, b) in enumerate(weights):
        dense = mg.layer("dense", W.shape[0], W.shape[1], dtype=W.dtype)
        dense.W.data[...] = W
        dense.b.data[...] = b
        layers.append(dense)
        if i < len(weights) - 1:
            layers.append(mg.layer("relu"))
    return mg.Sequential(*layers)


def minigrad_step_fn(weights, X, y):
    """The way a user writes it: Sequential of registered layers, a registered loss and
    optimizer, loss.backward(), opt.step(), opt.zero_grad()."""
    import minigrad as mg

    model = build_minigrad_mlp(weights)
    layers = list(model)
    loss_fn = mg.loss("softmax_cross_entropy")
    opt = mg.optimizer("sgd", model.parameters(), lr=LR)
    X_t = mg.Tensor(X)

    def step() -> float:
        loss = loss_fn(model(X_t), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return float(loss.data)

    return step, lambda: [layer.W.data for layer in layers[::2]]


# ------------------------------------------------------------------------- PyTorch
def torch_step_fn(weights, X, y):
    import torch

    from benchmarks.harness import blas_threads

    # the same thread count as NumPy's BLAS in this process, so the comparison is fair
    torch.set_num_threads(blas_threads() or os.cpu_count() or 1)
    dtype = torch.float32 if X.dtype == np.float32 else torch.float64
    mods = []
    for i, (W, b) in enumerate(weights):
        lin = torch.nn.Linear(W.shape[0], W.shape[1], dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        mods.append(lin)
        if i < len(weights) - 1:
            mods.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*mods)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    X_t = torch.from_numpy(X)
    y_t = torch.from_numpy(y)
    loss_fn = torch.nn.functional.cross_entropy

    def step() -> float:
        loss = loss_fn(model(X_t), y_t)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return float(loss.detach())

    return step, lambda: [m.weight.detach().numpy().T for m in mods[::2]]


# -------------------------------------------------------------------------- MyGrad
def mygrad_step_fn(weights, X, y):
    import mygrad
    from mygrad.nnet.activations import relu
    from mygrad.nnet.losses import softmax_crossentropy

    params = [(mygrad.tensor(W.copy()), mygrad.tensor(b.copy())) for W, b in weights]

    def step() -> float:
        A = X
        for i, (W, b) in enumerate(params):
            A = mygrad.matmul(A, W) + b
            if i < len(params) - 1:
                A = relu(A)
        loss = softmax_crossentropy(A, y)
        loss.backward()
        for W, b in params:
            W.data -= LR * W.grad
            b.data -= LR * b.grad
        loss.null_grad()
        return float(loss.item())

    return step, lambda: [W.data for W, _ in params]


def available_peers() -> dict[str, Callable]:
    """The optional peers that are importable here."""
    peers = {}
    try:
        import torch  # noqa: F401

        peers["pytorch"] = torch_step_fn
    except ImportError:
        pass
    try:
        import mygrad  # noqa: F401

        peers["mygrad"] = mygrad_step_fn
    except ImportError:
        pass
    return peers


def check_agreement(case: Case, builders: dict[str, Callable], steps: int = 5) -> list[str]:
    """Run every implementation ``steps`` steps from the same start; report disagreements."""
    tol = 1e-4 if case.dtype == "float32" else 1e-9
    trajectories = {}
    for name, build in builders.items():
        weights, X, y = make_problem(case)
        step, _ = build(weights, X, y)
        trajectories[name] = np.array([step() for _ in range(steps)])
    reference = trajectories["numpy"]
    problems = []
    for name, losses in trajectories.items():
        if not np.allclose(losses, reference, rtol=tol, atol=tol):
            problems.append(f"{case.title}: {name} losses {losses} differ from numpy {reference}")
    return problems


def run(*, quick: bool = False) -> tuple[str, list[str]]:
    """Time every case; returns the report and the list of missed targets."""
    from benchmarks.harness import SETTLE_SECONDS, interleaved, multithreaded, paired_ratio, table

    settle = SETTLE_SECONDS if multithreaded() else 0.0  # asked once, not per case
    builders = {"numpy": numpy_step_fn, "minigrad": minigrad_step_fn, **available_peers()}
    out, missed = [], []
    for case in CASES:
        problems = check_agreement(case, builders)
        if problems:
            missed.extend(problems)
            out.append("\n".join(problems))
            continue
        steps = {}
        for name, build in builders.items():
            weights, X, y = make_problem(case)
            steps[name], _ = build(weights, X, y)
        small = case.sizes[1] < 100
        # with several threads every block follows 0.25 s of settling: time more steps in it
        large = 20 if settle else 5
        per_round = (200 if small else large) if not quick else (50 if small else 2)
        rounds = 21 if not quick else 5
        timings = interleaved(steps, rounds=rounds, per_round=per_round, settle=settle)
        text, miss = table(f"MLP {case.title}", timings, "numpy", {"minigrad": case.target})
        if "pytorch" in timings and not small:
            ratio, _ = paired_ratio(timings, "minigrad", "pytorch")
            if ratio > 1.0:
                miss.append(f"MLP {case.title}: minigrad is {ratio:.2f}x PyTorch (target <= 1.00x)")
                text += f"\n  minigrad vs pytorch: {ratio:.2f}x MISSED (target <= 1.00x)"
            else:
                text += f"\n  minigrad vs pytorch: {ratio:.2f}x ok"
        out.append(text)
        missed.extend(miss)
    return "\n\n".join(out), missed
