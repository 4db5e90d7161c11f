r"""
Batch normalization
===================

Normalizing the inputs speeds up learning (:doc:`plot_04_input_normalization`); batch
normalization does the same for every hidden layer. For each mini-batch and each unit,

.. math::

   \mu_B = \frac1m \sum_i z_i, \quad \sigma_B^2 = \frac1m \sum_i (z_i - \mu_B)^2, \quad
   \hat z_i = \frac{z_i - \mu_B}{\sqrt{\sigma_B^2 + \varepsilon}}, \quad
   \tilde z_i = \gamma\, \hat z_i + \beta,

with :math:`\gamma` and :math:`\beta` learned like the weights. The course places it on
:math:`Z`, before the activation; the layer's bias is then redundant (:math:`\beta`
replaces it). Each layer sees inputs of a stable scale however the earlier layers change,
so a deep network trains faster and tolerates larger learning rates.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg

# %%
# A deep network, with and without
# --------------------------------
# Ten ReLU layers of 32 units on the spirals, plain mini-batch gradient descent, at three
# learning rates. With batch norm each block is ``dense(bias=False)``, ``batch_norm``,
# ``relu``.

X, Y = mg.dataset("spirals", n=600, classes=3, noise=0.2, seed=0)
(X_train, Y_train), (X_dev, Y_dev), _ = mg.split(X, Y, seed=0, stratify=True)
normalizer = mg.Normalizer().fit(X_train)
X_train, X_dev = normalizer.transform(X_train), normalizer.transform(X_dev)


def network(batch_norm, depth=10, width=32):
    layers, n_in = [], 2
    for i in range(depth):
        layers.append(mg.layer("dense", n_in, width, bias=not batch_norm, rng=i))
        if batch_norm:
            layers.append(mg.layer("batch_norm", width))
        layers.append(mg.layer("relu"))
        n_in = width
    return mg.Sequential(*layers, mg.layer("dense", width, 3, rng=99))


learning_rates = (0.01, 0.1, 0.5)
histories = {}
for lr in learning_rates:
    for batch_norm in (False, True):
        model = network(batch_norm)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the plain network may diverge
            histories[lr, batch_norm] = mg.fit(
                model,
                (X_train, Y_train),
                dev=(X_dev, Y_dev),
                loss="softmax_cross_entropy",
                optimizer=mg.optimizer("sgd", model.parameters(), lr=lr),
                epochs=30,
                batch_size=32,
                seed=0,
                gradient_limits=None,
                callbacks=["stop_on_nan"],
            )

fig, axes = plt.subplots(1, 3, figsize=(14, 4), layout="constrained", sharey=True)
for ax, lr in zip(axes, learning_rates):
    for batch_norm, style in ((False, "--"), (True, "-")):
        history = histories[lr, batch_norm]
        label = "with batch norm" if batch_norm else "without"
        ax.plot(range(1, len(history) + 1), history["train_cost"], style, label=label)
    ax.set_title(f"SGD, lr = {lr}")
    ax.set_xlabel("epoch")
    ax.set_yscale("log")
axes[0].set_ylabel("training cost")
axes[0].legend()

for lr in learning_rates:
    plain, normed = histories[lr, False], histories[lr, True]
    print(
        f"lr {lr:4}: dev accuracy without {plain['dev_accuracy'][-1]:6.1%}, "
        f"with batch norm {normed['dev_accuracy'][-1]:6.1%}"
    )

# %%
# At lr 0.01 and 0.1 the normalized network is ahead from the first epochs and ends with
# the lower cost; at 0.1 the plain network learns too, but its cost jumps up and down from
# epoch to epoch. At lr 0.5 the normalized network overshoots once (its second epoch has
# the highest cost of the figure) and then trains, ending at a dev accuracy close to the
# other rates'; the plain network never gets going and ends at the cost of guessing,
# :math:`\ln 3 \approx 1.1`, with a third of the dev set right. The lowest training cost
# is batch norm's at lr 0.1, not at the largest rate: what batch norm buys here is a
# network that trains at every one of the three rates, where the plain one needs the
# small ones.
# (Batch norm adds some noise of its own, each batch being normalized with its own
# statistics: a slight regularizing effect, which the course says not to rely on.)
#
# Test time: running averages
# ---------------------------
# A single test example has no batch statistics. During training the layer keeps
# exponentially weighted averages of :math:`\mu_B` and :math:`\sigma_B^2`
# (``running = 0.9 running + 0.1 batch``), and evaluation mode normalizes with those, so a
# prediction does not depend on the other examples in its batch.

bn = mg.layer("batch_norm", 2)
rng = np.random.default_rng(0)
for _ in range(200):  # training mode: batches from a distribution with mean (3, -1), std (2, 0.5)
    bn(rng.normal([3.0, -1.0], [2.0, 0.5], size=(32, 2)))
print("running mean:", bn.running_mean.round(2), " running variance:", bn.running_var.round(2))
bn.eval()
one = np.array([[3.0, -1.0]])
print("one example in evaluation mode:", bn(one).data.round(3))

# %%
# The running variance accumulates the unbiased estimate :math:`\sigma_B^2\, m/(m-1)` (the
# forward pass itself uses the biased :math:`1/m` one, as in the course): it stands for the
# population, which a batch's biased variance underestimates. See
# :doc:`/guide/course` for this and the ``momentum`` convention.
