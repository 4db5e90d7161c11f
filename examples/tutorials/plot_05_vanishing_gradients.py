"""
Vanishing and exploding gradients
=================================

In a deep network the activations (and, on the way back, the gradients) are multiplied
by one weight matrix per layer. Slightly too large, and they grow exponentially with the
depth; slightly too small, and they shrink exponentially. The deep layers then take
enormous or microscopic steps. The course's partial cure is to initialize each layer with
the variance that keeps the scale constant: :math:`2/n_{in}` for ReLU (He),
:math:`1/n_{in}` for tanh (Xavier).
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg

# %%
# The course's example: a deep linear network
# -------------------------------------------
# With linear activations, no biases and :math:`W^{[l]} = 1.5\,I`, the output is
# :math:`1.5^{L} x`; with :math:`0.5\,I` it is :math:`0.5^{L} x`.

depth = 30


def linear_network(scale):
    identity = lambda shape, **kw: scale * np.eye(*shape)  # noqa: E731 - an initializer W = scale * I
    return [mg.layer("dense", 2, 2, init=identity, bias=False) for _ in range(depth)]


fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
for scale in (1.5, 1.0, 0.5):
    a = mg.Tensor(np.ones((1, 2)))
    norms = []
    for layer in linear_network(scale):
        a = layer(a)
        norms.append(float(np.linalg.norm(a.data)))
    ax.plot(range(1, depth + 1), norms, "o-", markersize=3, label=f"W = {scale} I")
ax.set_yscale("log")
ax.set_xlabel("layer l")
ax.set_ylabel("||a[l]||")
ax.set_title("Activations through 30 linear layers")
ax.legend()

# %%
# A deep ReLU network
# -------------------
# Twenty ReLU layers of 64 units. One forward and backward pass on a batch, then the
# gradient norm of each layer's weights, from the input (layer 1) to the output.

X, Y = mg.dataset("spirals", n=300, classes=3, seed=0)
X = mg.Normalizer().fit(X).transform(X)
width, hidden_layers = 64, 20

inits = {
    "N(0, 0.01²): too small": mg.initializer("random_normal", scale=0.01),
    "N(0, 0.3²): too large": mg.initializer("random_normal", scale=0.3),
    "He, N(0, 2/n_in)": "he",
}


def deep_relu(init, seed=0):
    layers, n_in = [], 2
    for i in range(hidden_layers):
        layers += [mg.layer("dense", n_in, width, init=init, rng=seed + i), mg.layer("relu")]
        n_in = width
    return mg.Sequential(*layers, mg.layer("dense", width, 3, init=init, rng=seed + 99))


loss = mg.loss("softmax_cross_entropy")
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
for name, init in inits.items():
    model = deep_relu(init)
    loss(model(X), Y).backward()
    norms = [float(np.linalg.norm(layer.W.grad)) for layer in model if hasattr(layer, "W")]
    ax.plot(range(1, len(norms) + 1), norms, "o-", markersize=3, label=name)
    print(f"{name:24s} dW of the first layer {norms[0]:9.2e}, of the last {norms[-1]:9.2e}")
ax.set_yscale("log")
ax.set_xlabel("layer (1 = input side)")
ax.set_ylabel("||dW||")
ax.set_title("Gradient norms at initialization, 20 ReLU layers")
ax.legend()

# %%
# With tiny weights the gradient reaching the first layers is smaller than rounding
# noise: they will not learn. With too large weights it is many orders of magnitude too
# big. He keeps every layer's gradient within a small factor of the others.
#
# During training
# ---------------
# :func:`minigrad.fit` records each layer's mean gradient norm per epoch
# (``history["grad_norm/<layer>"]``) and warns with a :class:`minigrad.GradientWarning`
# when one leaves ``gradient_limits`` (by default :math:`10^{-7}` to :math:`10^{3}`).
# :func:`minigrad.plot_gradient_norms` draws them.

histories = {}
for name in ("N(0, 0.01²): too small", "He, N(0, 2/n_in)"):
    model = deep_relu(inits[name])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", mg.GradientWarning)
        histories[name] = mg.fit(
            model,
            (X, Y),
            loss="softmax_cross_entropy",
            optimizer=mg.optimizer("adam", model.parameters(), lr=0.003),
            epochs=15,
            batch_size=64,
        )
    print(
        f"{name}: {len(caught)} gradient warnings; final accuracy {histories[name]['train_accuracy'][-1]:.0%}"
    )
    if caught:
        print("  first:", caught[0].message)

fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained", sharey=True)
for ax, (name, history) in zip(axes, histories.items()):
    mg.plot_gradient_norms(history, ax=ax, title=name)
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()  # 21 layers: the colours go from the input side to the output

# %%
# With tiny weights every layer but the last gets gradients between :math:`10^{-2}` and
# :math:`10^{-28}`, and after a few epochs they underflow to exactly zero (the lines that
# drop off the plot): only the output layer learns, and the accuracy stays at chance.
# With He initialization all layers learn at comparable rates.
#
# Initialization only sets the starting point; batch normalization
# (:doc:`plot_12_batch_norm`) keeps the scale under control during training too.
