"""Sample plugins for the conformance-kit tests, as source text.

The same source is imported in-process (:func:`load`) and written to disk for real
pytest runs through ``pytester``, so both see identical plugins.
"""

from __future__ import annotations

import sys
import textwrap
import types

#: A correct plugin registering one component (or two) of every family.
SAMPLE_SOURCE = """
import numpy as np

import minigrad as mg


class Cube(mg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return 3.0 * x**2 * grad  # d(x^3)/dx = 3x^2


class CubeLayer(mg.Module):
    def forward(self, x):
        return Cube.apply(x)


class AffineTanh(mg.Module):
    def __init__(self, n_in, n_out, *, rng=None):
        super().__init__()
        rng = rng or np.random.default_rng(0)
        self.W = mg.Parameter(rng.standard_normal((n_in, n_out)) / np.sqrt(n_in))
        self.b = mg.Parameter(np.zeros(n_out), regularize=False)

    def forward(self, x):
        return (x @ self.W + self.b).tanh()


def half_squared_error():
    def loss(prediction, target):
        m = prediction.shape[0]
        return ((prediction - mg.Tensor(target)) ** 2).sum() * (0.5 / m)  # 1/m sum 1/2 |p - t|^2

    return loss


def l2_sample(lam=0.1):
    def penalty(named_parameters, m):
        total = mg.Tensor(np.array(0.0))
        for _, p in named_parameters:
            if p.regularize:
                total = total + (p * p).sum()
        return total * (lam / (2 * m))

    return penalty


class PlainSGD:
    def __init__(self, *, lr=0.1):
        self.defaults = {"lr": lr}

    def init(self, param):
        return {}

    def update(self, grad, state, hyper, step):
        return -hyper["lr"] * grad, state


def halving(lr0, *, base=0.5):
    return lambda epoch: lr0 * base**epoch


def scaled_normal():
    def init(shape, *, fan_in, fan_out, rng, dtype):
        return (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(dtype)

    return init


class Noop:
    def on_epoch_end(self, trainer, epoch, logs):
        pass


def line(*, n=50, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    Y = (X[:, 0] + noise * rng.standard_normal(n) > 0).astype(np.int64)
    return X, Y


def flip():
    return lambda batch, rng: batch[..., ::-1].copy()


@mg.hookimpl
def minigrad_register_layers(registry):
    registry.add("cube", CubeLayer, example=lambda rng: (CubeLayer(), [rng.standard_normal((3, 2))]))
    registry.add(
        "affine_tanh",
        AffineTanh,
        example=lambda rng: (AffineTanh(3, 2, rng=rng), [rng.standard_normal((4, 3))]),
        output_shape=lambda shape: (shape[0], 2),
    )


@mg.hookimpl
def minigrad_register_initializers(registry):
    registry.add("scaled_normal", scaled_normal, variance=lambda fan_in, fan_out: 1.0 / fan_in)


@mg.hookimpl
def minigrad_register_losses(registry):
    registry.add(
        "half_squared_error",
        half_squared_error,
        example=lambda rng: (half_squared_error(), rng.standard_normal((4, 3)), rng.standard_normal((4, 3))),
    )


@mg.hookimpl
def minigrad_register_regularizers(registry):
    def example(rng):
        params = {
            "W": mg.Parameter(rng.standard_normal((3, 2))),
            "b": mg.Parameter(rng.standard_normal(2), regularize=False),
        }
        return l2_sample(lam=0.3), params, 5

    registry.add("l2_sample", l2_sample, example=example)


@mg.hookimpl
def minigrad_register_optimizers(registry):
    registry.add("plain_sgd", PlainSGD)


@mg.hookimpl
def minigrad_register_schedules(registry):
    registry.add(
        "halving",
        halving,
        example=lambda rng: (halving(0.8), [(0, 0.8), (1, 0.4), (3, 0.1)]),
    )


@mg.hookimpl
def minigrad_register_callbacks(registry):
    registry.add("noop", Noop)


@mg.hookimpl
def minigrad_register_datasets(registry):
    registry.add("line", line)


@mg.hookimpl
def minigrad_register_augmentations(registry):
    registry.add("flip", flip)
"""

#: How many checks the sample plugin gets: 2 layers x 8, and the other families' counts.
SAMPLE_CHECK_COUNT = 2 * 8 + 4 + 4 + 3 + 3 + 4 + 1 + 3 + 2

#: A plugin whose layer forgets a factor 2 in its backward (y = 2x, dy/dx returned as 1).
BROKEN_SOURCE = """
import numpy as np

import minigrad as mg


class Double(mg.Function):
    @staticmethod
    def forward(ctx, x):
        return 2.0 * x

    @staticmethod
    def backward(ctx, grad):
        return grad  # wrong on purpose: dy/dx = 2


class Doubler(mg.Module):
    def forward(self, x):
        return Double.apply(x)


@mg.hookimpl
def minigrad_register_layers(registry):
    registry.add("doubler", Doubler, example=lambda rng: (Doubler(), [rng.standard_normal((3, 2))]))
"""


def load(name: str, source: str) -> types.ModuleType:
    """Import ``source`` as a fresh module called ``name`` (kept out of ``sys.modules``)."""
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    exec(compile(textwrap.dedent(source), module.__file__, "exec"), module.__dict__)
    sys.modules.pop(name, None)
    return module


def plugin(**hooks: object) -> types.SimpleNamespace:
    """A plugin object whose attributes are the given hook functions."""
    return types.SimpleNamespace(**hooks)
