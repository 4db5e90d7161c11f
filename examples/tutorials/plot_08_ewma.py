r"""
Exponentially weighted averages and bias correction
===================================================

Momentum, RMSprop, Adam, batch norm's running statistics and the progress bar's smoothed
cost are all built on one formula, the exponentially weighted (moving) average:

.. math::

   v_0 = 0, \qquad v_t = \beta\, v_{t-1} + (1 - \beta)\, \theta_t .

It averages roughly the last :math:`1/(1-\beta)` values, costs one number of memory and
one line of code. :func:`minigrad.ewma` computes it over a sequence,
:class:`minigrad.EWMA` one value at a time.
"""

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg

# %%
# The course's temperatures
# -------------------------
# A year of daily temperatures (°F): a seasonal curve plus day-to-day noise.

rng = np.random.default_rng(0)
days = np.arange(1, 366)
theta = 55 - 20 * np.cos(2 * np.pi * (days - 15) / 365) + rng.normal(scale=7, size=days.size)

fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
ax.plot(days, theta, ".", color="tab:blue", markersize=3, label="temperature")
for beta, colour in [(0.5, "gold"), (0.9, "tab:red"), (0.98, "tab:green")]:
    ax.plot(
        days, mg.ewma(theta, beta=beta), color=colour, label=f"beta = {beta}: about {1 / (1 - beta):.0f} days"
    )
ax.set_xlabel("day")
ax.set_ylabel("temperature (°F)")
ax.legend()

# %%
# A larger :math:`\beta` averages over more days: smoother, but it lags behind the
# seasons (the green curve is shifted to the right). :math:`\beta = 0.5` averages two days
# and follows the noise.
#
# Why "about :math:`1/(1-\beta)`"
# -------------------------------
# Unrolling the recursion, :math:`v_t = (1-\beta)\sum_k \beta^k \theta_{t-k}`: the weights
# decay exponentially, and :math:`\beta^{1/(1-\beta)} \approx 1/e`, so after
# :math:`1/(1-\beta)` days a value weighs less than a third of today's.

fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
for beta in (0.9, 0.98):
    k = np.arange(150)
    ax.plot(k, (1 - beta) * beta**k, label=f"beta = {beta}")
    ax.axvline(1 / (1 - beta), color="grey", linestyle=":")
ax.set_xlabel("days ago, k")
ax.set_ylabel("weight (1 - beta) beta^k")
ax.legend()

# %%
# Bias correction
# ---------------
# Because :math:`v_0 = 0`, the first averages are far too small: with :math:`\beta = 0.98`,
# :math:`v_1 = 0.02\,\theta_1`. Dividing by :math:`1 - \beta^t` removes that start-up bias;
# as :math:`t` grows the divisor goes to 1 and the correction fades.

fig, ax = plt.subplots(figsize=(9, 4), layout="constrained")
ax.plot(days, theta, ".", color="tab:blue", markersize=3, label="temperature")
ax.plot(
    days,
    mg.ewma(theta, beta=0.98, bias_correction=False),
    color="tab:purple",
    label="beta = 0.98, no correction",
)
ax.plot(days, mg.ewma(theta, beta=0.98), color="tab:green", label="beta = 0.98, bias-corrected")
ax.set_xlim(0, 120)
ax.set_xlabel("day")
ax.legend()

# %%
# The course's numbers, :math:`\theta = 40, 49, 45` and :math:`\beta = 0.9`:

print("raw:      ", mg.ewma([40, 49, 45], beta=0.9, bias_correction=False))
print("corrected:", mg.ewma([40, 49, 45], beta=0.9).round(2))

average = mg.EWMA(beta=0.9)  # the streaming version, e.g. for a smoothed training cost
for value in (40, 49, 45):
    average.update(value)
print(f"streaming: value {average.value:.2f}, raw {average.raw:.2f}")

# %%
# Where it is used
# ----------------
# * **Momentum** averages the gradients, :math:`v \leftarrow \beta v + (1-\beta) g`
#   (:doc:`plot_09_optimizers`); **RMSprop** averages their squares; **Adam** does both, with
#   bias correction.
# * **Batch norm** keeps averages of the batch means and variances for evaluation mode
#   (``momentum=0.9``).
# * The ``progress_bar`` callback shows the bias-corrected average of the mini-batch cost,
#   which is what the noisy mini-batch curves of :doc:`plot_07_minibatch_sizes` hide.
