r"""
Hyperparameter search on the right scale
========================================

The course's advice for tuning: try values **at random**, not on a grid; sample each
hyperparameter on the **scale** where equal distances mean equal effects (the learning
rate on a log scale, a momentum :math:`\beta` through :math:`1 - \beta` on a log scale);
then **zoom in** on the region of the best trials. :mod:`minigrad.tune` runs such studies:
each trial trains the same configuration as ``minigrad train`` with sampled values put in
at dotted keys, and every trial is stored in a database so a study can be resumed.
"""

import pathlib
import tempfile

import matplotlib.pyplot as plt
import numpy as np

import minigrad as mg
from minigrad import tune
from minigrad.config import load_config

# %%
# Why a log scale
# ---------------
# Sampling the learning rate uniformly in :math:`[10^{-4}, 1]` puts 90% of the trials
# between 0.1 and 1, and almost none where good learning rates usually are. Sampling
# :math:`r` uniformly in :math:`[-4, 0]` and using :math:`10^r` gives each decade the same
# share. :func:`minigrad.tune.log_uniform` does that; :func:`~minigrad.tune.one_minus_log_uniform`
# does it for :math:`1 - \beta`, so that :math:`\beta \in [0.9, 0.99]` and
# :math:`[0.99, 0.999]` (averages over 10 to 100 and 100 to 1000 steps) get equal shares.

rng = np.random.default_rng(0)
linear = tune.uniform(1e-4, 1.0)
logarithmic = tune.log_uniform(1e-4, 1.0)
draws = {
    "uniform(1e-4, 1)": [linear.sample(rng) for _ in range(1000)],
    "log_uniform(1e-4, 1)": [logarithmic.sample(rng) for _ in range(1000)],
}
fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
bins = np.geomspace(1e-4, 1, 17)
for name, values in draws.items():
    ax.hist(values, bins=bins, alpha=0.6, label=name)
ax.set_xscale("log")
ax.set_xlabel("learning rate")
ax.set_ylabel("trials out of 1000")
ax.legend()

# %%
# Random beats grid
# -----------------
# With nine trials and two hyperparameters, a 3 x 3 grid tries only three values of each.
# If one of them hardly matters (often the case: think :math:`\varepsilon` of Adam next to
# the learning rate), the grid wasted six trials; random search tried nine learning rates.

space = tune.Space(
    {"optimizer.lr": tune.log_uniform(1e-4, 1.0), "optimizer.eps": tune.log_uniform(1e-10, 1e-6)}
)
grid = space.grid(3)
at_random = [space.sample(rng) for _ in range(9)]
fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained", sharex=True, sharey=True)
for ax, (title, points) in zip(
    axes, [("grid: 3 learning rates", grid), ("random: 9 learning rates", at_random)]
):
    ax.scatter([p["optimizer.lr"] for p in points], [p["optimizer.eps"] for p in points])
    for p in points:
        ax.axvline(p["optimizer.lr"], color="grey", linewidth=0.5, zorder=0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("optimizer.lr (matters)")
    ax.set_title(title)
axes[0].set_ylabel("optimizer.eps (hardly matters)")

# %%
# A study
# -------
# The base configuration: the built-in recipe (spirals, a ReLU network, Adam), small and
# short enough to run 24 trials in a few seconds. The space: Adam's learning rate and its
# momentum term :math:`\beta_1`. Trials run one after the other here
# (``executor="sequential"``, the course's "panda" approach); ``"process"`` trains several
# at once on separate cores ("caviar").

config = load_config(
    overrides=[
        "data.options.n=300",
        "training.epochs=30",
        "callbacks=[]",
        "schedule.name='none'",
        "regularizer.name='none'",
    ]
)
space = {
    "optimizer.lr": tune.log_uniform(1e-4, 1.0),
    "optimizer.beta1": tune.one_minus_log_uniform(0.5, 0.999),
}
database = pathlib.Path(tempfile.mkdtemp()) / "adam.db"
study = tune.run_study(
    config, space, trials=24, executor="sequential", seed=0, metric="dev_accuracy", db=database
)
print(tune.format_table(study.trials, metric="dev_accuracy", maximize=True, k=5))

# %%
# Each point is one trial: its learning rate against the dev accuracy it reached. The
# learning rate decides almost everything; a decade too low and 30 epochs are not
# enough, half a decade too high and training is unstable.

done = [trial for trial in study.trials if trial.status == "done"]
fig, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained", sharey=True)
mg.plot_hyperparameter_scatter(
    [t.params["optimizer.lr"] for t in done],
    [t.objective for t in done],
    name="optimizer.lr",
    metric_name="dev accuracy",
    best="max",
    log=True,
    ax=axes[0],
)
mg.plot_hyperparameter_scatter(
    [1 - t.params["optimizer.beta1"] for t in done],
    [t.objective for t in done],
    name="1 - optimizer.beta1",
    metric_name="dev accuracy",
    best="max",
    log=True,
    ax=axes[1],
)

# %%
# Coarse to fine
# --------------
# ``strategy="coarse_to_fine"`` runs the trials in rounds; after each round the region
# around the best trials (``keep``, a quarter by default) becomes the next round's space,
# on the same scales. Later rounds sample densely where the first found good values.

zoom = tune.run_study(
    config,
    {"optimizer.lr": tune.log_uniform(1e-4, 1.0)},
    trials=24,
    strategy="coarse_to_fine",
    strategy_options={"rounds": 3},
    executor="sequential",
    seed=1,
    metric="dev_accuracy",
    db=pathlib.Path(tempfile.mkdtemp()) / "zoom.db",
)
fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
for round_number in sorted({t.round for t in zoom.trials}):
    trials = [t for t in zoom.trials if t.round == round_number and t.status == "done"]
    ax.scatter(
        [t.params["optimizer.lr"] for t in trials],
        [t.objective for t in trials],
        label=f"round {round_number}",
    )
ax.set_xscale("log")
ax.set_xlabel("optimizer.lr")
ax.set_ylabel("dev accuracy")
ax.legend()
best = zoom.best(1)[0]
print(f"best learning rate {best.params['optimizer.lr']:.3g}: dev accuracy {best.objective:.1%}")

# %%
# From the shell, the same study is a TOML file with a ``[tune]`` table:
# ``minigrad tune examples/tune.toml --trials 16 --workers 2`` (see :doc:`/guide/cli` and
# :doc:`/guide/config`). It writes this kind of plot, the table of the best trials and the
# best trial's full configuration, which ``minigrad train`` retrains.
