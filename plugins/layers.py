"""Built-in layers: ``dense``, ``dropout``, ``batch_norm`` and ``flatten``.

Each factory returns a :class:`minigrad.Module`. Rows are examples: a layer receives
X of shape (m, n_features) and returns (m, n_out). Layers check their input at the
boundary (feature count, dtype) and name themselves in the error, e.g.
``dense(3 -> 4): expected input with 3 features, got shape (5, 2)``.
"""

from __future__ import annotations

import inspect
import numbers
from typing import Any

import numpy as np
from minigrad_plugins.activations import ReLU

import minigrad as mg
from minigrad.nn_functions import BatchNorm as _BatchNormFn
from minigrad.nn_functions import Dense as _DenseFn
from minigrad.nn_functions import DenseStack as _DenseStackFn
from minigrad.nn_functions import check_dtype
from minigrad.tensor import Tensor

__all__ = ["BatchNorm", "Dense", "Dropout", "Flatten", "register"]


def _as_tensor(x: Any) -> mg.Tensor:
    return x if isinstance(x, mg.Tensor) else mg.Tensor(x)


def _float_input(x: Any, dtype: np.dtype) -> mg.Tensor:
    """``x`` as a Tensor; integer and boolean data become ``dtype`` (exact for labels/pixels)."""
    t = _as_tensor(x)
    if t.data.dtype.kind != "f":
        t = mg.Tensor(t.data.astype(dtype))
    return t


def _positive_int(layer: str, label: str, value: Any) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise mg.ConfigError(f"{layer}: {label} must be a positive integer, got {value!r}")
    return int(value)


def _float_dtype(layer: str, dtype: Any) -> np.dtype:
    try:
        dt = mg.get_default_dtype() if dtype is None else np.dtype(dtype)
    except (TypeError, ValueError, SyntaxError):
        dt = None
    if dt is None or dt.kind != "f":
        raise mg.ConfigError(
            f"{layer}: dtype must be a float dtype (np.float32 or np.float64), got {dtype!r}"
        )
    return dt


def _generator(layer: str, rng: Any) -> np.random.Generator:
    """The layer's generator from ``rng``: a ``numpy.random.Generator`` (used as it is) or
    anything ``numpy.random.default_rng`` takes (None for fresh entropy, an int >= 0, a
    ``SeedSequence``, a bit generator, a list of ints); anything else (a bool, text, a
    negative int) is the caller's mistake, a :class:`~minigrad.ConfigError` naming
    ``layer`` and the value."""
    if isinstance(rng, np.random.Generator):
        return rng
    if not isinstance(rng, bool | np.bool_ | str | bytes):
        try:
            return np.random.default_rng(rng)
        except (TypeError, ValueError):
            pass
    raise mg.ConfigError(
        f"{layer}: rng={rng!r} ({type(rng).__name__}) is not a seed; pass None, an int >= 0, a "
        "numpy.random.Generator or anything numpy.random.default_rng takes (e.g. rng=0 or "
        "rng=np.random.default_rng(0))"
    )


def _callable_name(fn: Any) -> str:
    return getattr(fn, "__name__", None) or repr(fn)


#: How :class:`Dense` calls its initializer (the ``initializer`` hook's contract).
_INIT_SIGNATURE = "init(shape, *, fan_in, fan_out, rng, dtype)"


def _accepts_call(fn: Any, args: tuple, kwargs: dict) -> bool:
    """Whether ``fn``'s signature takes ``fn(*args, **kwargs)`` (True where Python cannot tell)."""
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except ValueError:  # no signature to read (some builtins)
        return True
    except TypeError:
        return False
    return True


def _initial_weights(
    label: str, init: Any, initializer: Any, n_in: int, n_out: int, generator: Any, dtype: np.dtype
) -> np.ndarray:
    """``initializer((n_in, n_out), fan_in=n_in, fan_out=n_out, rng=generator, dtype=dtype)``,
    checked. A callable the user passed as ``init`` that cannot be called so, or fails, or
    returns another shape is the user's to fix: a :class:`~minigrad.ConfigError` saying
    what it must accept and return. A registered initializer (``init`` a name) that fails
    is left to the registry, which reports a bug in its plugin."""
    shape = (n_in, n_out)
    args, kwargs = (shape,), {"fan_in": n_in, "fan_out": n_out, "rng": generator, "dtype": dtype}
    name = init if isinstance(init, str) else _callable_name(init)
    call = f"init({shape}, fan_in={n_in}, fan_out={n_out}, rng=<Generator>, dtype={dtype})"
    if isinstance(init, str):
        weights = initializer(*args, **kwargs)
    else:
        try:
            weights = initializer(*args, **kwargs)
        except mg.MinigradError:
            raise
        except Exception as err:
            if isinstance(err, TypeError) and not _accepts_call(initializer, args, kwargs):
                raise mg.ConfigError(
                    f"{label}: init={name} cannot be called as {call} ({err}); an initializer callable "
                    f"must accept {_INIT_SIGNATURE} and return an array of shape `shape`, e.g. "
                    "def init(shape, *, fan_in, fan_out, rng, dtype): "
                    "return rng.standard_normal(shape).astype(dtype)"
                ) from err
            raise mg.ConfigError(
                f"{label}: init={name} raised {type(err).__name__}: {err} when called as {call}; fix "
                f"the initializer ({_INIT_SIGNATURE} returning an array of shape `shape`) or pass a "
                "registered name such as 'he'"
            ) from err
    weights = np.asarray(weights)
    if weights.shape != shape:
        raise mg.ConfigError(
            f"{label}: initializer {name} returned shape {weights.shape}, expected {shape} "
            f"(n_in, n_out); it is called as {call} and must return an array of shape `shape`"
        )
    return weights


def _features_error(layer: str, n: int, shape: tuple[int, ...]) -> mg.ShapeError:
    return mg.ShapeError(
        f"{layer}: expected input with {n} features, got shape {shape}; rows are examples, "
        f"so pass an array of shape (m, {n})"
    )


# --------------------------------------------------------------------- dense
class Dense(mg.Module):
    """Fully connected layer ``Z = X @ W + b`` as one fused node.

    Args:
        n_in: features per input example.
        n_out: units (features per output example).
        init: a registered initializer name (``"he"``, ``"xavier"``, ``"zeros"``, ...) or
            an initializer callable ``init(shape, *, fan_in, fan_out, rng, dtype)``.
        bias: add the bias ``b``; use ``bias=False`` before ``batch_norm``, whose β
            takes its role.
        rng: an int seed >= 0 or a ``numpy.random.Generator`` for the initial weights
            (None: fresh entropy); anything else is a :class:`~minigrad.ConfigError`.
        dtype: float dtype of the parameters (default :func:`minigrad.get_default_dtype`).

    Attributes:
        W: :class:`~minigrad.Parameter` of shape (n_in, n_out), regularized.
        b: :class:`~minigrad.Parameter` of shape (n_out,), zeros, ``regularize=False``;
            None without a bias.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> layer = mg.layer("dense", 3, 2, init="xavier", rng=0)
        >>> layer
        Dense(3 -> 2, init='xavier', bias=True, dtype=float64)
        >>> layer(np.ones((5, 3))).shape
        (5, 2)
        >>> [(name, p.regularize) for name, p in layer.named_parameters()]
        [('W', True), ('b', False)]
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        *,
        init: Any = "he",
        bias: bool = True,
        rng: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        n_in = _positive_int("dense", "n_in", n_in)
        n_out = _positive_int("dense", "n_out", n_out)
        self.n_in, self.n_out = n_in, n_out
        self.init = init
        label = f"dense({n_in} -> {n_out})"
        dtype = _float_dtype(label, dtype)
        generator = _generator(label, rng)
        initializer = mg.initializer(init) if isinstance(init, str) else init
        if not callable(initializer):
            raise mg.ConfigError(
                f"{label}: init must be an initializer name such as 'he' or a "
                f"callable {_INIT_SIGNATURE}, got {init!r}"
            )
        weights = _initial_weights(label, init, initializer, n_in, n_out, generator, dtype)
        self.W = mg.Parameter(weights, dtype=dtype)
        self.b = mg.Parameter(np.zeros(n_out, dtype=dtype), regularize=False) if bias else None

    @property
    def dtype(self) -> np.dtype:
        """The float dtype of the weights (and so of the outputs); see ``Module.astype``."""
        return self.W.data.dtype

    @property
    def label(self) -> str:
        """How errors name this layer: ``dense(n_in -> n_out)``."""
        return f"dense({self.n_in} -> {self.n_out})"

    def forward(self, x: Any) -> mg.Tensor:
        return _DenseFn.apply(self._checked_input(x), self.W, self.b)

    def _checked_input(self, x: Any) -> Tensor:
        """``x`` as a float Tensor with ``n_in`` features of the weights' dtype, or a clear error."""
        w = self.W
        if not isinstance(x, Tensor) or x.data.dtype.kind != "f":
            x = _float_input(x, w.data.dtype)
        data = x.data
        shape = data.shape
        if not shape or shape[-1] != self.n_in:
            raise _features_error(self.label, self.n_in, shape)
        if data.dtype is not w.data.dtype and data.dtype != w.data.dtype:
            check_dtype(self.label, data.dtype, w.data.dtype)
        return x

    def fuse_next(self, following: mg.Module) -> Any:
        """A run of built-in ``dense`` and ``relu`` layers starting here runs as one node.

        :class:`~minigrad.Sequential` asks this (see :attr:`minigrad.Module.fuse_next`).
        Given a ``relu`` or a ``dense`` layer whose input matches this layer's output, it
        returns a callable computing both as one :class:`~minigrad.nn_functions.DenseStack`
        node, with a ``fuse_next`` of its own that takes in the layers after them. The
        numbers are those of the layers run one by one. Subclasses, other layers and
        layers whose ``forward`` was replaced run unfused.

        Example:
            >>> import minigrad as mg
            >>> dense, relu = mg.layer("dense", 2, 3), mg.layer("relu")
            >>> dense.fuse_next(relu) is not None, dense.fuse_next(mg.layer("tanh"))
            (True, None)
        """
        if not _plain(self, Dense):
            return None
        return _DenseRun((self,), (self,), (False,)).fuse_next(following)

    def extra_repr(self) -> str:
        init = self.init if isinstance(self.init, str) else getattr(self.init, "__name__", self.init)
        return f"{self.n_in} -> {self.n_out}, init={init!r}, bias={self.b is not None}, dtype={self.dtype}"


def _plain(layer: Any, cls: type) -> bool:
    """``layer`` is exactly a ``cls`` and runs the class's own ``forward``."""
    return type(layer) is cls and "forward" not in layer.__dict__


class _DenseRun:
    """Consecutive built-in dense layers, each optionally followed by a built-in relu,
    computed as one :class:`~minigrad.nn_functions.DenseStack` node.

    What :meth:`Dense.fuse_next` hands to :class:`~minigrad.Sequential`: ``modules`` are
    the layers in order, ``layers`` the dense ones among them and ``relus[k]`` says
    whether a relu follows ``layers[k]``. It holds the layers' parameters as they are
    when it is formed; Sequential forms it again whenever a module attribute (such as a
    parameter) is set. Weights whose data changed dtype since (the layers' own checks
    reject that) make it run the layers one by one.
    """

    __slots__ = ("layers", "modules", "params", "relus", "weights")

    def __init__(self, modules: tuple[mg.Module, ...], layers: tuple[Dense, ...], relus: tuple[bool, ...]):
        self.modules = modules
        self.layers = layers
        self.relus = relus
        self.weights = tuple(layer.W for layer in layers)
        self.params = tuple(p for layer in layers for p in (layer.W, layer.b))

    def fuse_next(self, following: Any) -> _DenseRun | None:
        """This run extended by ``following`` (a relu, or a dense layer taking this run's
        output), or None when it cannot join."""
        last = self.layers[-1]
        if _plain(following, ReLU):
            if self.relus[-1]:
                return None  # relu after relu: the second runs on its own
            return _DenseRun((*self.modules, following), self.layers, (*self.relus[:-1], True))
        if (
            _plain(following, Dense)
            and following.n_in == last.n_out
            and following.W.data.dtype == last.W.data.dtype
        ):
            return _DenseRun((*self.modules, following), (*self.layers, following), (*self.relus, False))
        return None

    def __call__(self, x: Any) -> mg.Tensor:
        first = self.layers[0]
        dtype = first.W.data.dtype
        # the first layer's input check, inline in its common case (a float Tensor of the
        # weights' dtype with n_in features); anything else through the check itself
        if type(x) is not Tensor or (data := x.data).dtype is not dtype or data.shape[-1:] != (first.n_in,):
            x = first._checked_input(x)
        for w in self.weights:
            if w.data.dtype is not dtype:  # changed since the run was formed
                return self._one_by_one(x)
        return _DenseStackFn.apply(x, *self.params, relus=self.relus)

    def _one_by_one(self, x: Any) -> mg.Tensor:
        """The layers unfused, so their own checks name whatever is wrong."""
        for module in self.modules:
            x = module.forward(x)
        return x

    def __repr__(self) -> str:
        names = (getattr(module, "label", type(module).__name__.lower()) for module in self.modules)
        return f"<dense run: {', '.join(names)}>"


def _dense_example(rng: np.random.Generator) -> tuple[mg.Module, list[np.ndarray]]:
    m, n_in, n_out = (int(k) for k in rng.integers(1, 6, 3))
    layer = Dense(n_in, n_out, rng=rng, dtype=np.float64)
    layer.b.data[...] = rng.standard_normal(n_out)  # a non-zero bias exercises db
    return layer, [rng.standard_normal((m, n_in))]


# ------------------------------------------------------------------- dropout
class Dropout(mg.Module):
    """Inverted dropout: in training, keep each unit with probability ``keep_prob``
    and scale the survivors by ``1 / keep_prob``; in eval mode, the identity.

    ``a = mask * a / keep_prob`` with ``mask = u < keep_prob``, ``u ~ U[0, 1)``, keeps
    the expected activation unchanged, so nothing needs rescaling at test time.
    The mask is drawn through :func:`minigrad.draw_random`, so
    :func:`~minigrad.gradcheck` replays it and can check dropout in training mode.

    Args:
        keep_prob: probability of keeping a unit, in (0, 1]; 1 disables dropout.
        rng: an int seed >= 0 or a ``numpy.random.Generator`` (used as it is); the
            same seed gives the same sequence of masks. Without one,
            :func:`~minigrad.fit` seeds the masks from its ``seed`` (so the same seed
            gives the same run), and outside ``fit`` they are drawn from fresh entropy.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> drop = mg.layer("dropout", 0.5, rng=0)
        >>> out = drop(np.ones((2, 4))).data
        >>> sorted(set(out.ravel().tolist()))
        [0.0, 2.0]
        >>> drop.eval()(np.ones((1, 2)))
        Tensor([[1., 1.]])
    """

    def __init__(self, keep_prob: float, *, rng: Any = None) -> None:
        super().__init__()
        valid = isinstance(keep_prob, numbers.Real) and not isinstance(keep_prob, bool)
        if not valid or not 0 < keep_prob <= 1:
            raise mg.ConfigError(
                f"dropout: keep_prob must be a probability in (0, 1], got {keep_prob!r}; "
                "it is the chance of keeping a unit (0.8 drops 20%), 1 turns dropout off"
            )
        self.keep_prob = float(keep_prob)
        self.generator = _generator("dropout", rng)
        self._unseeded = self.generator if rng is None else None

    @property
    def seeded_by_fit(self) -> tuple[str, ...]:
        """``("generator",)`` while the masks come from the generator made without a seed:
        :func:`~minigrad.fit` then seeds it from its own ``seed``; empty when ``rng=`` was
        given or the generator was replaced."""
        return ("generator",) if self.generator is self._unseeded else ()

    def forward(self, x: Any) -> mg.Tensor:
        x = _float_input(x, mg.get_default_dtype())
        if not self.training or self.keep_prob == 1.0:
            return x
        shape, keep = x.data.shape, self.keep_prob
        u = mg.draw_random(self.generator, lambda g: g.random(shape))
        scale = (u < keep).astype(x.data.dtype) / x.data.dtype.type(keep)  # mask / keep_prob
        return x * scale

    def extra_repr(self) -> str:
        return f"keep_prob={self.keep_prob}"


def _dropout_example(rng: np.random.Generator) -> tuple[mg.Module, list[np.ndarray]]:
    shape = tuple(int(k) for k in rng.integers(1, 7, 2))
    return Dropout(float(rng.uniform(0.3, 0.9)), rng=rng), [rng.standard_normal(shape)]


# ---------------------------------------------------------------- batch norm
class BatchNorm(mg.Module):
    """Batch normalization of Z over the mini-batch (axis 0), one fused node.

    Training mode, per feature: ``μ, σ²`` of the batch, ``Ẑ = (Z − μ) / √(σ² + eps)``,
    output ``γ Ẑ + β`` with learnable γ (ones) and β (zeros), both ``regularize=False``.
    The batch statistics also update the running averages, with the course's
    exponentially weighted average convention::

        running = momentum * running + (1 - momentum) * batch        (momentum = 0.9)

    (PyTorch's ``momentum=0.1`` means the same as ``momentum=0.9`` here.) Eval mode
    normalizes with the running mean and variance instead, so a single example gets a
    deterministic output.

    Variance estimates: the forward pass normalizes with the *biased* batch variance
    (1/m, as the course and the original paper do), but the running variance
    accumulates the *unbiased* one, σ² · m/(m − 1), as PyTorch does: at test time it
    stands for the variance of the whole population, which the biased batch value
    underestimates by a factor (m − 1)/m (12.5% for m = 8). Training therefore needs
    m ≥ 2 examples per batch.

    Args:
        n_features: number of features (columns of Z).
        eps: added to the variance before the square root, > 0.
        momentum: weight of the old running value, in [0, 1).
        dtype: float dtype of γ, β and the running statistics.

    Attributes:
        gamma, beta: the learnable scale and shift, shape (n_features,).
        running_mean, running_var: buffers (zeros and ones at first), saved in the
            state dict.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> bn = mg.layer("batch_norm", 2)
        >>> z = np.array([[1.0, 10.0], [3.0, 30.0]])
        >>> np.round(bn(z).data, 3)
        array([[-1., -1.],
               [ 1.,  1.]])
        >>> bn.running_mean
        array([0.2, 2. ])
    """

    def __init__(
        self, n_features: int, *, eps: float = 1e-5, momentum: float = 0.9, dtype: Any = None
    ) -> None:
        super().__init__()
        n = _positive_int("batch_norm", "n_features", n_features)
        self.n_features = n
        if not isinstance(eps, numbers.Real) or isinstance(eps, bool) or not eps > 0:
            raise mg.ConfigError(f"batch_norm({n}): eps must be a number > 0, got {eps!r}")
        if not isinstance(momentum, numbers.Real) or isinstance(momentum, bool) or not 0 <= momentum < 1:
            raise mg.ConfigError(
                f"batch_norm({n}): momentum must be in [0, 1), got {momentum!r} (it weights the "
                "old running average: running = momentum * running + (1 - momentum) * batch)"
            )
        self.eps, self.momentum = float(eps), float(momentum)
        dtype = _float_dtype(f"batch_norm({n})", dtype)
        self.gamma = mg.Parameter(np.ones(n, dtype=dtype), regularize=False)
        self.beta = mg.Parameter(np.zeros(n, dtype=dtype), regularize=False)
        self.register_buffer("running_mean", np.zeros(n, dtype=dtype))
        self.register_buffer("running_var", np.ones(n, dtype=dtype))

    @property
    def label(self) -> str:
        """How errors name this layer: ``batch_norm(n_features)``."""
        return f"batch_norm({self.n_features})"

    @property
    def dtype(self) -> np.dtype:
        """The float dtype of gamma, beta and the running statistics; see ``Module.astype``."""
        return self.gamma.data.dtype

    def forward(self, x: Any) -> mg.Tensor:
        gamma = self.gamma
        x = _float_input(x, gamma.data.dtype)
        shape = x.data.shape
        if len(shape) != 2 or shape[1] != self.n_features:
            raise _features_error(self.label, self.n_features, shape)
        if x.data.dtype != gamma.data.dtype:
            check_dtype(self.label, x.data.dtype, gamma.data.dtype)
        if not self.training:
            # (z − running_mean) γ / √(running_var + eps) + β, with constant statistics
            inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
            return (x - self.running_mean) * (gamma * inv_std) + self.beta
        m = shape[0]
        if m < 2:
            raise mg.ShapeError(
                f"{self.label}: training mode needs at least 2 examples per batch to estimate "
                f"a variance, got shape {shape}; call .eval() to use the running statistics, or in "
                "training avoid a last mini-batch of one example (fit(drop_last=True), "
                "training.drop_last = true, or another batch_size)"
            )
        stats: dict[str, np.ndarray] = {}
        out = _BatchNormFn.apply(x, gamma, self.beta, eps=self.eps, stats=stats)
        keep = self.momentum
        # running = momentum * running + (1 - momentum) * batch; the variance unbiased (m / (m - 1))
        self.running_mean[...] = keep * self.running_mean + (1 - keep) * stats["mean"]
        self.running_var[...] = keep * self.running_var + (1 - keep) * stats["var"] * (m / (m - 1))
        return out

    def extra_repr(self) -> str:
        return f"{self.n_features}, eps={self.eps:g}, momentum={self.momentum:g}, dtype={self.dtype}"


def _batch_norm_example(rng: np.random.Generator) -> tuple[mg.Module, list[np.ndarray]]:
    m, n = int(rng.integers(3, 8)), int(rng.integers(1, 5))
    layer = BatchNorm(n, dtype=np.float64)
    layer.gamma.data[...] = rng.uniform(0.5, 2.0, n)
    layer.beta.data[...] = rng.standard_normal(n)
    layer.running_mean[...] = rng.standard_normal(n)  # non-trivial statistics for eval mode
    layer.running_var[...] = rng.uniform(0.5, 2.0, n)
    return layer, [rng.standard_normal((m, n)) * 2.0 + 1.0]


# ------------------------------------------------------------------- flatten
class Flatten(mg.Module):
    """Flatten every axis but the batch axis: (m, d1, d2, ...) -> (m, d1·d2·...).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> mg.layer("flatten")(np.zeros((5, 2, 3, 4))).shape
        (5, 24)
    """

    def forward(self, x: Any) -> mg.Tensor:
        x = _as_tensor(x)
        shape = x.data.shape
        if len(shape) == 0:
            raise mg.ShapeError("flatten: expected an input with a batch axis, got a scalar (shape ())")
        return x.reshape(shape[0], -1) if shape[0] else x.reshape(0, int(np.prod(shape[1:])))


def _flatten_example(rng: np.random.Generator) -> tuple[mg.Module, list[np.ndarray]]:
    return Flatten(), [rng.standard_normal(tuple(int(k) for k in rng.integers(1, 4, 3)))]


def _same_shape(input_shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(input_shape)


def _flattened_shape(input_shape: tuple[int, ...]) -> tuple[int, ...]:
    return (input_shape[0], int(np.prod(input_shape[1:], dtype=np.int64)))


def register(registry: mg.Registry) -> None:
    """Register the built-in layers on ``registry``.

    Shape-preserving layers and ``flatten`` declare ``output_shape`` metadata
    (``dense`` depends on its ``n_out``, so it declares none).

    Example:
        >>> import minigrad as mg
        >>> mg.component("layers", "dropout").metadata["stochastic"]
        True
    """
    registry.add(
        "dense",
        Dense,
        doc="Z = X @ W + b, W (n_in, n_out) from init (default 'he'), b = 0",
        example=_dense_example,
        input_size="n_in",
        output_size="n_out",
    )
    registry.add(
        "dropout",
        Dropout,
        doc="training: A * mask / keep_prob, mask = (U[0,1) < keep_prob); eval: A",
        example=_dropout_example,
        stochastic=True,
        output_shape=_same_shape,
    )
    registry.add(
        "batch_norm",
        BatchNorm,
        doc="gamma * (Z - mu_B) / sqrt(var_B + eps) + beta; running averages in eval mode",
        example=_batch_norm_example,
        output_shape=_same_shape,
        input_size="n_features",
    )
    registry.add(
        "flatten",
        Flatten,
        doc="(m, d1, d2, ...) -> (m, d1 * d2 * ...)",
        example=_flatten_example,
        output_shape=_flattened_shape,
    )
