"""The plugin contract: every hook a minigrad plugin can implement.

A plugin is any module or object with functions marked ``@minigrad.hookimpl``
whose names are hooks below. Each registration hook receives the
:class:`~minigrad.registry.Registry` of one family of components, adds to it with
:meth:`Registry.add <minigrad.registry.Registry.add>`, and returns ``None``.
Built-in components are registered through exactly these hooks.

A plugin is found through the entry-point group ``minigrad`` of its distribution::

    [project.entry-points.minigrad]
    swish = "minigrad_swish.plugin"

The contract is enforced when a plugin loads, so mistakes are errors, never silent
no-ops: a misspelled hook (any ``minigrad_*`` function that is not a hook below),
a hook function without ``@hookimpl``, a hook taking an argument other than
``registry``, and a hook returning something (hooks add to the registry and return
``None``) all raise :class:`~minigrad.PluginError` naming the plugin. Registering
a name another plugin already owns is a :class:`~minigrad.RegistrationError`
unless the plugin passes ``override=True``.

Example:
    >>> import minigrad as mg
    >>> @mg.hookimpl
    ... def minigrad_register_schedules(registry):
    ...     registry.add("halving", lambda lr0: (lambda epoch: lr0 / 2**epoch),
    ...                  doc="lr0 / 2^epoch")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from minigrad.registry import Registry

__all__ = ["HOOK_FAMILIES", "PROJECT", "hookimpl", "hookspec"]

#: The pluggy project name; entry-point group of third-party plugins.
PROJECT = "minigrad"

hookspec = pluggy.HookspecMarker(PROJECT)
"""Marks the hook specifications below (for minigrad itself)."""

hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marks a plugin's hook implementation: ``@minigrad.hookimpl``."""

#: The component families, one registration hook each, in loading order.
HOOK_FAMILIES = (
    "initializers",
    "layers",
    "losses",
    "regularizers",
    "optimizers",
    "schedules",
    "callbacks",
    "datasets",
    "augmentations",
)


@hookspec
def minigrad_register_layers(registry: Registry) -> None:
    """Register layers: factories returning a :class:`~minigrad.Module`.

    The factory takes the layer's sizes and options (``dense(n_in, n_out, *,
    init="he", bias=True)``) and returns a Module whose ``forward`` maps a Tensor
    (rows are examples) to a Tensor. Activations are layers too.

    Give an ``example``: ``example(rng) -> (module, [input arrays])`` building a small
    instance and float64 inputs, so the conformance kit can gradient-check the layer.
    Declare ``stochastic=True`` as metadata for layers whose training-mode output is
    random (dropout; draw the randomness with :func:`minigrad.draw_random`). Give
    parameters that weight penalties should skip ``Parameter(..., regularize=False)``
    (biases, batch-norm gamma and beta). For configuration files, name the option that
    takes the input width, ``input_size="n_features"``, and the one a config's ``units``
    fills, ``output_size="n_out"`` (dense declares ``n_in`` and ``n_out``).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> class Scale(mg.Module):
        ...     def __init__(self, factor=2.0):
        ...         super().__init__()
        ...         self.factor = factor
        ...     def forward(self, x):
        ...         return x * self.factor
        >>> @mg.hookimpl
        ... def minigrad_register_layers(registry):
        ...     registry.add("scale", Scale, doc="y = factor * x",
        ...                  example=lambda rng: (Scale(3.0), [rng.normal(size=(4, 2))]))
        >>> registry = mg.Registry("layers")
        >>> minigrad_register_layers(registry)
        >>> registry.create("scale", factor=3.0)(mg.Tensor([[1.0, 2.0]])).numpy()
        array([[3., 6.]])
    """


@hookspec
def minigrad_register_initializers(registry: Registry) -> None:
    """Register weight initializers.

    The factory takes options (``scale=0.01``) and returns
    ``init(shape, *, fan_in, fan_out, rng, dtype) -> ndarray``. Declare the variance it
    targets as metadata ``variance=lambda fan_in, fan_out: float`` (``None`` for
    constant initializers such as zeros) so the kit can test it statistically.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> def lecun():
        ...     def init(shape, *, fan_in, fan_out, rng, dtype):
        ...         return (rng.standard_normal(shape) * np.sqrt(1 / fan_in)).astype(dtype)
        ...     return init
        >>> @mg.hookimpl
        ... def minigrad_register_initializers(registry):
        ...     registry.add("lecun", lecun, doc="N(0, 1/fan_in)",
        ...                  variance=lambda fan_in, fan_out: 1 / fan_in)
        >>> registry = mg.Registry("initializers")
        >>> minigrad_register_initializers(registry)
        >>> init = registry.create("lecun")
        >>> init((3, 2), fan_in=3, fan_out=2, rng=np.random.default_rng(0), dtype=np.float32).dtype
        dtype('float32')
    """


@hookspec
def minigrad_register_losses(registry: Registry) -> None:
    """Register losses: factories taking options and returning
    ``loss(prediction: Tensor, target) -> scalar Tensor``.

    Costs are averaged over the batch (J = 1/m Σ L). Give an
    ``example(rng) -> (loss, prediction_array, target_array)`` for gradient checks.
    A loss may say how the model's outputs become predictions with a ``link``
    attribute: ``"sigmoid"``, ``"softmax"`` (logits), ``"probabilities"`` or
    ``"identity"`` (regression); :func:`minigrad.fit` and :func:`minigrad.evaluate`
    use it for accuracy.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> def mean_absolute_error():
        ...     return lambda prediction, target: (prediction - target).abs().sum() / prediction.shape[0]
        >>> @mg.hookimpl
        ... def minigrad_register_losses(registry):
        ...     registry.add("mean_absolute_error", mean_absolute_error, doc="J = 1/m Σ |ŷ - y|")
        >>> registry = mg.Registry("losses")
        >>> minigrad_register_losses(registry)
        >>> mae = registry.create("mean_absolute_error")
        >>> float(mae(mg.Tensor([[1.0], [4.0]]), np.array([[0.0], [0.0]])).data)
        2.5
    """


@hookspec
def minigrad_register_regularizers(registry: Registry) -> None:
    """Register regularizers: factories taking strengths (``lam=0.01``) and returning
    ``penalty(named_parameters, m) -> scalar Tensor``.

    The penalty is the term added to the cost J for a batch of ``m`` examples, so
    gradient checks and learning curves include it. By default it applies to the
    parameters whose ``.regularize`` is True. Give an
    ``example(rng) -> (penalty, {name: Parameter}, m)``.

    Example:
        >>> import minigrad as mg
        >>> def l2(*, lam=0.01):
        ...     def penalty(named_parameters, m):
        ...         terms = [(p * p).sum() for _, p in named_parameters if p.regularize]
        ...         return sum(terms, mg.Tensor(0.0)) * (lam / (2 * m))
        ...     return penalty
        >>> @mg.hookimpl
        ... def minigrad_register_regularizers(registry):
        ...     registry.add("my_l2", l2, doc="lam / (2m) Σ ||W||²")
        >>> registry = mg.Registry("regularizers")
        >>> minigrad_register_regularizers(registry)
        >>> penalty = registry.create("my_l2", lam=1.0)
        >>> float(penalty([("w", mg.Parameter([[2.0]]))], m=2).data)
        1.0
    """


@hookspec
def minigrad_register_optimizers(registry: Registry) -> None:
    """Register optimizers: factories taking hyperparameters and returning an update rule.

    The rule has ``defaults`` (a dict of hyperparameters, including ``lr``),
    ``init(param_array) -> state`` (a dict of arrays and numbers) and
    ``update(grad, state, hyper, step) -> (delta, state)``, per parameter; ``update``
    must not change ``grad`` (the parameter's ``.grad``) and returns a ``delta`` of its
    own, while the state's arrays it may update in place. The core
    :class:`~minigrad.Optimizer` drives them over parameter groups and adds ``delta`` to
    each parameter in place. A rule may also offer
    ``update_in_place(param, grad, state, hyper, step) -> state``, the same change made
    directly on the parameter's array, which the driver then prefers (see
    :mod:`minigrad.optim`; the conformance kit checks that the two agree).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> class SignSGD:
        ...     def __init__(self, lr=0.01):
        ...         self.defaults = {"lr": lr}
        ...     def init(self, param):
        ...         return {}
        ...     def update(self, grad, state, hyper, step):
        ...         return -hyper["lr"] * np.sign(grad), state
        >>> @mg.hookimpl
        ... def minigrad_register_optimizers(registry):
        ...     registry.add("sign_sgd", SignSGD, doc="θ ← θ - lr · sign(g)")
        >>> registry = mg.Registry("optimizers")
        >>> minigrad_register_optimizers(registry)
        >>> rule = registry.create("sign_sgd", lr=0.5)
        >>> rule.update(np.array([3.0, -0.1]), rule.init(np.zeros(2)), rule.defaults, 1)[0]
        array([-0.5,  0.5])
    """


@hookspec
def minigrad_register_schedules(registry: Registry) -> None:
    """Register learning-rate schedules: factories taking ``lr0`` and options and
    returning a pure function ``epoch -> learning rate``.

    Declare the formula as ``doc``, and give an
    ``example(rng) -> (fn, [(epoch, expected_lr), ...])`` with expected values computed
    from that formula.

    Example:
        >>> import minigrad as mg
        >>> def halving(lr0):
        ...     return lambda epoch: lr0 / 2**epoch
        >>> @mg.hookimpl
        ... def minigrad_register_schedules(registry):
        ...     registry.add("halving", halving, doc="lr0 / 2^epoch",
        ...                  example=lambda rng: (halving(1.0), [(0, 1.0), (3, 0.125)]))
        >>> registry = mg.Registry("schedules")
        >>> minigrad_register_schedules(registry)
        >>> registry.create("halving", 0.8)(2)
        0.2
    """


@hookspec
def minigrad_register_callbacks(registry: Registry) -> None:
    """Register training callbacks: factories taking options and returning an object
    with any of ``on_train_begin(trainer)``, ``on_epoch_begin(trainer, epoch)``,
    ``on_batch_end(trainer, step, logs)``, ``on_epoch_end(trainer, epoch, logs)`` and
    ``on_train_end(trainer)``. Setting ``trainer.stop_training = True`` stops training.
    A callback that writes files names the options holding their paths,
    ``registry.add(..., writes=("path",))``: in ``minigrad train`` a relative one is then
    placed in the run folder (other options, input files among them, are left as given).

    Example:
        >>> import minigrad as mg
        >>> class StopAt:
        ...     def __init__(self, *, epoch=10):
        ...         self.epoch = epoch
        ...     def on_epoch_end(self, trainer, epoch, logs):
        ...         if epoch + 1 >= self.epoch:
        ...             trainer.stop_training = True
        >>> @mg.hookimpl
        ... def minigrad_register_callbacks(registry):
        ...     registry.add("stop_at", StopAt, doc="stop after a fixed number of epochs")
        >>> registry = mg.Registry("callbacks")
        >>> minigrad_register_callbacks(registry)
        >>> hasattr(registry.create("stop_at", epoch=3), "on_epoch_end")
        True
    """


@hookspec
def minigrad_register_datasets(registry: Registry) -> None:
    """Register datasets: factories taking keyword options (``n=``, ``noise=``,
    ``seed=``) and returning ``(X, Y)``: X float64 of shape (m, d), Y integer labels
    of shape (m,). Generated locally, never downloaded.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> def blobs(*, n=100, noise=0.1, seed=0):
        ...     rng = np.random.default_rng(seed)
        ...     Y = rng.integers(0, 2, size=n)
        ...     X = Y[:, None] * 2.0 + noise * rng.standard_normal((n, 2))
        ...     return X, Y
        >>> @mg.hookimpl
        ... def minigrad_register_datasets(registry):
        ...     registry.add("two_blobs", blobs, doc="two Gaussian blobs")
        >>> registry = mg.Registry("datasets")
        >>> minigrad_register_datasets(registry)
        >>> X, Y = registry.create("two_blobs", n=10)
        >>> X.shape, Y.shape
        ((10, 2), (10,))
    """


@hookspec
def minigrad_register_augmentations(registry: Registry) -> None:
    """Register augmentations: factories taking options and returning
    ``augment(batch, rng) -> batch`` for image batches of shape (m, H, W) or
    (m, C, H, W), applied on the fly to each mini-batch during training.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> def vertical_flip(*, p=0.5):
        ...     def augment(batch, rng):
        ...         flip = rng.random(len(batch)) < p
        ...         out = batch.copy()
        ...         out[flip] = out[flip][..., ::-1, :]
        ...         return out
        ...     return augment
        >>> @mg.hookimpl
        ... def minigrad_register_augmentations(registry):
        ...     registry.add("vertical_flip", vertical_flip, doc="flip rows with probability p")
        >>> registry = mg.Registry("augmentations")
        >>> minigrad_register_augmentations(registry)
        >>> augment = registry.create("vertical_flip", p=1.0)
        >>> augment(np.arange(4.0).reshape(1, 2, 2), np.random.default_rng(0))[0]
        array([[2., 3.],
               [0., 1.]])
    """
