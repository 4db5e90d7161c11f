r"""
Gradient checking
=================

Backpropagation is easy to get subtly wrong, and a wrong gradient often still trains,
just worse. Gradient checking compares it with the two-sided finite difference of the
cost,

.. math::

   d\theta_{approx}[i] =
   \frac{J(\theta + \varepsilon e_i) - J(\theta - \varepsilon e_i)}{2\varepsilon},
   \qquad
   \frac{\lVert d\theta_{approx} - d\theta \rVert_2}
        {\lVert d\theta_{approx} \rVert_2 + \lVert d\theta \rVert_2},

with :math:`\varepsilon = 10^{-7}`, and reads the relative error against the course's
bands: below :math:`10^{-7}` great, around :math:`10^{-5}` inspect, from :math:`10^{-3}`
on a bug. :func:`minigrad.gradcheck` does exactly this, in float64, and names the worst
tensor and element.
"""

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg

# %%
# Checking a network and its regularized cost
# -------------------------------------------
# The cost must include the regularization term (the course's reminder): here it does,
# because the checked function returns the full :math:`J`. ``params=model`` checks every
# parameter of the model, by name.

X, Y = mg.dataset("spirals", n=30, classes=3, seed=0)
model = mg.Sequential(mg.layer("dense", 2, 5, rng=0), mg.layer("tanh"), mg.layer("dense", 5, 3, rng=1))
loss = mg.loss("softmax_cross_entropy")
l2 = mg.regularizer("l2", lam=0.5)


def cost():
    return loss(model(X), Y) + l2(model, len(X))


report = mg.gradcheck(cost, params=model)
print(report)

# %%
# A planted bug
# -------------
# A custom :class:`minigrad.Function` for :math:`x^2` whose backward forgets the factor 2,
# used as the activation of the hidden layer:


class Square(mg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * x  # BUG: d(x²)/dx is 2x


class SquareLayer(mg.Module):
    def forward(self, x):
        return Square.apply(x)


buggy = mg.Sequential(mg.layer("dense", 2, 5, rng=0), SquareLayer(), mg.layer("dense", 5, 3, rng=1))
bug_report = mg.gradcheck(lambda: loss(buggy(X), Y), params=buggy)
print(bug_report)

# %%
# The report points at the layer *before* the bug: the output layer's gradients are right
# (the bug sits below them), the first layer's are half of what they should be. The worst
# element shows backprop 0.5 times the finite difference: the missing factor 2.
#
# Dropout, checked
# ----------------
# The course turns dropout off to check gradients, because each evaluation of :math:`J`
# would draw a new mask. minigrad records the random draws made through
# :func:`minigrad.draw_random` during the first evaluation and replays them, so dropout is
# checked in training mode:

dropped = mg.Sequential(
    mg.layer("dense", 2, 5, rng=0),
    mg.layer("tanh"),
    mg.layer("dropout", 0.7, rng=0),
    mg.layer("dense", 5, 3, rng=1),
)
dropout_report = mg.gradcheck(lambda: loss(dropped(X), Y), params=dropped)
print(f"dropout in training mode: {dropout_report.relative_error:.1e} ({dropout_report.verdict})")

# %%
# The bands
# ---------

cases = {
    "network + L2": report.relative_error,
    "with dropout": dropout_report.relative_error,
    "eps = 1e-2 (too coarse)": mg.gradcheck(cost, params=model, eps=1e-2).relative_error,
    "forgotten factor 2": bug_report.relative_error,
}
fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
ax.axhspan(1e-12, 1e-7, color="tab:green", alpha=0.15, label="great (< 1e-7)")
ax.axhspan(1e-7, 1e-3, color="tab:orange", alpha=0.15, label="inspect")
ax.axhspan(1e-3, 10, color="tab:red", alpha=0.15, label="bug (>= 1e-3)")
ax.bar(list(cases), list(cases.values()), color="tab:blue")
for i, value in enumerate(cases.values()):
    ax.text(i, value * 1.6, f"{value:.1e}", ha="center")
ax.set_yscale("log")
ax.set_ylim(1e-10, 10)
ax.set_ylabel("relative error")
ax.set_title("gradcheck verdicts")
ax.legend(loc="upper left")

# %%
# Choosing epsilon
# ----------------
# The finite difference has two errors: truncation, :math:`O(\varepsilon^2)` for the
# two-sided difference, and rounding, about :math:`10^{-16}\,|J| / \varepsilon`. Small
# :math:`\varepsilon` trades the first for the second. (``atol=0`` turns off the
# tolerance ``gradcheck`` normally gives rounding noise where a gradient is zero.)

epsilons = np.geomspace(1e-12, 1e-1, 23)
errors = [mg.gradcheck(cost, params=model, eps=eps, atol=0).relative_error for eps in epsilons]
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.loglog(epsilons, errors, "o-")
ax.axvline(1e-7, color="grey", linestyle=":", label="the course's eps = 1e-7")
ax.set_xlabel("eps")
ax.set_ylabel("relative error")
ax.set_title("Rounding (left) against truncation (right)")
ax.legend()

# %%
# Practical advice from the course, all supported here: check at random initialization
# and again after some training (``gradcheck`` works on any model state); do not check
# during training (it costs two evaluations of :math:`J` per parameter; ``fast=True``
# checks a few random directional derivatives instead); when it fails, look at the worst
# components, which the report lists. Plugin authors get all of this per component from
# ``minigrad check`` (see :doc:`/plugins/authoring`).
