"""
Train/dev/test sets and the bias/variance diagnosis
===================================================

The course's first practical advice: split the data into a training set, a
development ("dev") set and a test set; train on the first, choose models and
hyperparameters on the second, and report the third. Then read the training error
against a baseline and the dev error against the training error:

* **avoidable bias** = train error − human-level error: high means the model
  *underfits* (make the network bigger, train longer);
* **variance** = dev error − train error: high means it *overfits* (more data,
  regularization).

This tutorial splits a noisy two-moons data set, trains models of very different
capacity and lets :func:`minigrad.diagnose` read their errors.
"""

import itertools

import matplotlib.pyplot as plt

import minigrad as mg

# %%
# Splitting the data
# -------------------
# :func:`minigrad.split` shuffles with a seed and splits 60/20/20 for small data sets
# (the course's rule of thumb up to a million examples; above that it uses 98/1/1).
# ``stratify=True`` keeps each class's share the same in every part. Dev and test come
# from the same distribution, as the course insists.

X, Y = mg.dataset("moons", n=600, noise=0.35, seed=0)
(X_train, Y_train), (X_dev, Y_dev), (X_test, Y_test) = mg.split(X, Y, seed=0, stratify=True)
print(f"train {len(X_train)}, dev {len(X_dev)}, test {len(X_test)} examples")

# %%
# Three models
# ------------
# A logistic regression (a single dense layer) cannot bend its decision boundary; a
# network with one small hidden layer can; a network with two wide hidden layers,
# trained for a long time on only the first 120 training examples, can bend it around
# every noisy point.


def make(hidden):
    """Dense layers with ReLU between them, 2 inputs, 2 classes (logits)."""
    sizes = [2, *hidden, 2]
    layers = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(mg.layer("dense", n_in, n_out, rng=i))
        if i < len(sizes) - 2:
            layers.append(mg.layer("relu"))
    return mg.Sequential(*layers)


def train(model, data, *, epochs, lr):
    """Batch gradient descent with Adam; returns train and dev error."""
    optimizer = mg.optimizer("adam", model.parameters(), lr=lr)
    history = mg.fit(
        model,
        data,
        dev=(X_dev, Y_dev),
        loss="softmax_cross_entropy",
        optimizer=optimizer,
        epochs=epochs,
        batch_size=len(data[0]),
        gradient_limits=None,
    )
    return 1 - history["train_accuracy"][-1], 1 - history["dev_accuracy"][-1]


few = (X_train[:120], Y_train[:120])
models = {
    "logistic regression": make([]),
    "one hidden layer, 16 units": make([16]),
    "2 x 64 units, 120 examples": make([64, 64]),
}
errors = {
    "logistic regression": train(models["logistic regression"], (X_train, Y_train), epochs=300, lr=0.05),
    "one hidden layer, 16 units": train(
        models["one hidden layer, 16 units"], (X_train, Y_train), epochs=300, lr=0.05
    ),
    "2 x 64 units, 120 examples": train(models["2 x 64 units, 120 examples"], few, epochs=600, lr=0.02),
}
shown = {
    "logistic regression": (X_train, Y_train),
    "one hidden layer, 16 units": (X_train, Y_train),
    "2 x 64 units, 120 examples": few,
}

# %%
# Decision boundaries
# -------------------
# :func:`minigrad.plot_decision_boundary` colours the plane by the predicted class.
# Training points are drawn; the titles give the train and dev errors.

fig, axes = plt.subplots(1, 3, figsize=(13, 4), layout="constrained")
for ax, (name, model) in zip(axes, models.items()):
    train_error, dev_error = errors[name]
    mg.plot_decision_boundary(
        lambda P, model=model: mg.predict(model, P),
        *shown[name],
        ax=ax,
        resolution=150,
        title=f"{name}\ntrain {train_error:.1%}, dev {dev_error:.1%}",
    )

# %%
# Reading the errors
# ------------------
# The two moons overlap: nobody could classify every point, so the Bayes error is
# several percent. :func:`minigrad.diagnose` compares the training error with such a
# baseline (``human_error``, the course's proxy for the Bayes error) and the dev error
# with the training error, and suggests the course's next steps. Gaps above 2
# percentage points count as high.

for name, (train_error, dev_error) in errors.items():
    diagnosis = mg.diagnose(train_error, dev_error, human_error=0.08)
    print(f"{name:28s} train {train_error:6.1%}  dev {dev_error:6.1%}  -> {diagnosis.verdict}")

# %%
# The full report of the most flexible model:

train_error, dev_error = errors["2 x 64 units, 120 examples"]
print(mg.diagnose(train_error, dev_error, human_error=0.08))

# %%
# More data
# ---------
# The first remedy for high variance: the same network, trained the same way on all
# 360 training examples instead of 120. Memorizing more noisy points is harder, so the
# training error rises and the gap to the dev error shrinks; it stays high, though,
# which is what regularization (the next tutorials) is for.

more = make([64, 64])
train_error, dev_error = train(more, (X_train, Y_train), epochs=600, lr=0.02)
before = mg.diagnose(*errors["2 x 64 units, 120 examples"], human_error=0.08)
after = mg.diagnose(train_error, dev_error, human_error=0.08)
print(f"variance with 120 examples: {before.variance:.1%}; with 360: {after.variance:.1%}")

# %%
# Only once the model is chosen do we look at the test set, once, for an unbiased
# estimate of its error:

best = models["one hidden layer, 16 units"]
test_error = 1 - mg.evaluate(best, X_test, Y_test, loss="softmax_cross_entropy")["accuracy"]
print(f"test error of the chosen model: {test_error:.1%}")

# %%
# Takeaways
# ---------
# * High bias (the straight line): a bigger network or longer training helps; more data
#   does not.
# * High variance (the wiggly boundary): more data or regularization (next tutorials)
#   helps. Training a bigger network never hurts *if* it is regularized.
# * The dev set chooses; the test set only reports.
