"""Fuzz the public API with malformed input: only MinigradError subclasses may come out.

Each test draws random junk (wrong shapes, dtypes from bool to complex, object and
str, NaN/inf, empty arrays, None, ragged nested lists, negative or huge
hyperparameters, misspelled names) and calls one corner of the public API with it.
The call must either succeed or raise a :class:`minigrad.MinigradError` subclass
with a message; any other exception fails the test. Where the answer is checkable,
a success must also be sane (a finite loss from moderate finite inputs).

Sizes stay tiny so nothing can hang. The number of examples comes from the
hypothesis profile: ``ci`` (CI=true) is quick, ``HYPOTHESIS_PROFILE=thorough`` deep.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::minigrad.GradientWarning")

REFUSED = object()


def attempt(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, or REFUSED when it raised a MinigradError (with a message)."""
    try:
        return fn(*args, **kwargs)
    except mg.MinigradError as err:
        assert len(str(err)) > 15, f"uninformative message: {err!r}"
        return REFUSED


# ------------------------------------------------------------------ strategies
DTYPES = ["float64", "float32", "float16", "int64", "int8", "uint8", "bool", "complex128", "<U2", "object"]

odd_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -1.0, 1e300, -1e-300]),
    st.complex_numbers(max_magnitude=1e3),
    st.text(max_size=3),
    st.just(object()),
)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


@st.composite
def any_array(draw, dtypes=DTYPES, shape=shapes):
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    if dtype.kind == "O":
        values = draw(st.lists(st.one_of(st.none(), st.integers(-3, 3), st.text(max_size=2)), max_size=6))
        array = np.empty(len(values), dtype=object)
        array[:] = values
        return array
    if dtype.kind == "f":
        elements = st.floats(width=dtype.itemsize * 8, allow_subnormal=False)
        return draw(hnp.arrays(dtype, draw(shape), elements=elements))
    return draw(hnp.arrays(dtype, draw(shape)))


ragged = st.recursive(
    st.one_of(st.floats(-10, 10), st.integers(-3, 3), st.none(), st.text(max_size=1)),
    lambda children: st.lists(children, max_size=3),
    max_leaves=8,
)
junk = st.one_of(odd_scalars, any_array(), ragged)


@st.composite
def float_array(draw, shape=None, *, finite=True, low=-5.0, high=5.0):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4)) if shape is None else shape
    elements = st.floats(low, high) if finite else st.floats(allow_subnormal=False)
    return draw(hnp.arrays(np.float64, shape, elements=elements))


hyper = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-1.0, 0.0, 1e-12, 0.5, 1.0, 1.5, 1e9, 1e300]),
    st.integers(-5, 10),
    st.none(),
    st.text(max_size=3),
    st.booleans(),
)
names = st.one_of(st.text(max_size=12), st.none(), st.integers(), st.just("Adam"), st.just("dens"))


def family_names(family):
    registered = st.deferred(lambda: st.sampled_from(sorted(c.name for c in mg.components(family))))
    return st.one_of(registered, names)


def is_moderate(*arrays):
    """Finite float data of moderate size: a result computed from it must be finite."""
    for a in arrays:
        a = np.asarray(a)
        if a.dtype.kind not in "biuf" or a.size == 0:
            return False
        if a.dtype.kind == "f" and (not np.isfinite(a).all() or np.abs(a).max() > 1e3):
            return False
    return True


# ------------------------------------------------------------------ tensors and ops
@given(data=junk, requires_grad=st.booleans(), dtype=st.one_of(st.none(), st.sampled_from(DTYPES)))
def test_tensor_creation(data, requires_grad, dtype):
    t = attempt(mg.Tensor, data, requires_grad=requires_grad, dtype=dtype)
    if t is not REFUSED:
        assert t.data.dtype.kind in "biuf"
        assert not requires_grad or t.data.dtype.kind == "f"


BINARY = {
    "add": lambda a, b: a + b,
    "radd": lambda a, b: b + a,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "rdiv": lambda a, b: b / a,
    "pow": lambda a, b: a**b,
    "matmul": lambda a, b: a @ b,
    "rmatmul": lambda a, b: b @ a,
    "maximum": mg.maximum,
    "minimum": mg.minimum,
    "where": lambda a, b: mg.where(a.data > 0, a, b),
    "concatenate": lambda a, b: mg.concatenate([a, b]),
    "stack": lambda a, b: mg.stack([a, b], axis=1),
    "lt": lambda a, b: a < b,
}


@given(a=float_array(), other=junk, op=st.sampled_from(sorted(BINARY)))
def test_binary_ops(a, other, op):
    x = mg.Tensor(a, requires_grad=True)
    out = attempt(BINARY[op], x, other)
    if out is REFUSED or not out.requires_grad:
        return
    attempt(out.sum().backward)
    assert x.grad is None or x.grad.shape == x.shape


UNARY = {
    "sum": lambda x, v: x.sum(axis=v),
    "mean": lambda x, v: x.mean(axis=v, keepdims=True),
    "max": lambda x, v: x.max(axis=v),
    "reshape": lambda x, v: x.reshape(v),
    "transpose": lambda x, v: x.transpose(v),
    "getitem": lambda x, v: x[v],
    "clip": lambda x, v: x.clip(v, None),
    "clip_max": lambda x, v: x.clip(None, v),
    "astype": lambda x, v: x.astype(v),
    "backward_gradient": lambda x, v: (x * 2).backward(v),
    "exp": lambda x, v: x.exp(),
    "log": lambda x, v: x.log(),
    "sqrt": lambda x, v: x.sqrt(),
}


@given(
    a=float_array(finite=False),
    option=st.one_of(junk, st.integers(-4, 4), st.tuples(st.integers(-3, 3), st.integers(-3, 3))),
    op=st.sampled_from(sorted(UNARY)),
)
def test_unary_ops_and_options(a, option, op):
    x = mg.Tensor(a, requires_grad=True)
    out = attempt(UNARY[op], x, option)
    if out is REFUSED or out is None or not out.requires_grad:
        return
    attempt(out.sum().backward)


# ------------------------------------------------------------------ layers
LAYER_ARGS = st.one_of(
    st.tuples(),
    st.tuples(st.integers(-2, 4)),
    st.tuples(st.integers(-2, 4), st.integers(-2, 4)),
    st.tuples(hyper),
    st.tuples(junk, junk),
)
LAYER_KWARGS = st.dictionaries(
    st.sampled_from(
        ["init", "bias", "rng", "dtype", "eps", "momentum", "alpha", "axis", "keep_prob", "oops"]
    ),
    st.one_of(hyper, st.sampled_from(["he", "zeros", "nope", "float32", "int64"])),
    max_size=2,
)


@given(
    name=family_names("layers"),
    args=LAYER_ARGS,
    kwargs=LAYER_KWARGS,
    x=st.one_of(junk, float_array()),
    training=st.booleans(),
)
def test_layers_build_and_forward(name, args, kwargs, x, training):
    layer = attempt(mg.layer, name, *args, **kwargs)
    if layer is REFUSED:
        return
    assert isinstance(layer, mg.Module)
    layer.train(training)
    out = attempt(layer, x)
    if out is REFUSED:
        return
    assert isinstance(out, mg.Tensor)
    if is_moderate(x) and np.asarray(x).dtype.kind == "f":
        assert np.isfinite(out.data).all(), f"{name} turned finite input into {out.data}"
    if out.requires_grad:
        attempt(out.sum().backward)


# ------------------------------------------------------------------ losses
@given(
    name=family_names("losses"),
    prediction=st.one_of(junk, float_array()),
    target=st.one_of(
        junk, float_array(), hnp.arrays(np.int64, st.integers(0, 4), elements=st.integers(-2, 4))
    ),
)
def test_losses(name, prediction, target):
    loss = attempt(mg.loss, name)
    if loss is REFUSED:
        return
    value = attempt(loss, prediction, target)
    if value is REFUSED:
        return
    assert value.data.shape == () or value.data.size == 1
    if is_moderate(prediction, target):
        assert np.isfinite(value.data).all(), f"{name} gave {value.data} for finite inputs"


# ------------------------------------------------------------------ regularizers
@given(
    name=family_names("regularizers"),
    options=st.dictionaries(st.sampled_from(["lam", "l1", "l2", "include", "oops"]), hyper, max_size=3),
    params=st.one_of(junk, st.lists(float_array(), max_size=2)),
    m=hyper,
)
def test_regularizers(name, options, params, m):
    penalty = attempt(mg.regularizer, name, **options)
    if penalty is REFUSED:
        return
    if isinstance(params, list) and all(isinstance(p, np.ndarray) for p in params):
        params = {f"w{i}": mg.Parameter(p) for i, p in enumerate(params)}
    value = attempt(penalty, params, m)
    if value is not REFUSED:
        assert isinstance(value, mg.Tensor)
        assert np.isfinite(value.data).all() or not is_moderate(*params.values())


# ------------------------------------------------------------------ optimizers and schedules
@given(
    name=family_names("optimizers"),
    hyper_values=st.dictionaries(
        st.sampled_from(["lr", "beta", "beta1", "beta2", "eps", "weight_decay", "bias_correction", "oops"]),
        hyper,
        max_size=3,
    ),
    params=st.one_of(st.just("good"), junk, st.lists(junk, max_size=2)),
    grad=st.one_of(float_array(shape=(2, 2)), junk),
)
def test_optimizers(name, hyper_values, params, grad):
    w = mg.Parameter(np.ones((2, 2)))
    opt = attempt(
        mg.optimizer, name, [w] if isinstance(params, str) and params == "good" else params, **hyper_values
    )
    if opt is REFUSED:
        return
    w.grad = grad if isinstance(grad, np.ndarray) else None
    if attempt(opt.step) is not REFUSED and is_moderate(grad):
        lr = float(opt.lr)
        if np.isfinite(lr) and lr < 1e3:
            assert np.isfinite(w.data).all()
    attempt(opt.zero_grad)


@given(
    name=family_names("schedules"),
    lr0=hyper,
    options=st.dictionaries(
        st.sampled_from(["decay_rate", "base", "k", "factor", "step_size", "boundaries", "values", "period"]),
        st.one_of(hyper, st.lists(hyper, max_size=3)),
        max_size=2,
    ),
    epoch=st.one_of(hyper, st.integers(-3, 10**6)),
)
def test_schedules(name, lr0, options, epoch):
    fn = attempt(mg.schedule, name, lr0, **options)
    if fn is REFUSED:
        return
    lr = attempt(fn, epoch)
    if lr is not REFUSED:
        assert isinstance(lr, float) and np.isfinite(lr) and lr >= 0


# ------------------------------------------------------------------ data
@given(
    X=st.one_of(junk, float_array(finite=False)),
    Y=st.one_of(junk, hnp.arrays(np.int64, st.integers(0, 6), elements=st.integers(-1, 3))),
    ratios=st.one_of(st.none(), hyper, st.lists(hyper, max_size=4)),
    seed=hyper,
    stratify=st.booleans(),
)
def test_split(X, Y, ratios, seed, stratify):
    parts = attempt(mg.split, X, Y, ratios=ratios, seed=seed, stratify=stratify)
    if parts is REFUSED:
        return
    X = np.asarray(X)
    assert sum(len(px) for px, _ in parts) == len(X)
    for px, _ in parts:
        assert np.isfinite(px).all()


@given(fit_on=st.one_of(junk, float_array(finite=False)), apply_to=st.one_of(junk, float_array()), eps=hyper)
def test_normalizer(fit_on, apply_to, eps):
    normalizer = attempt(mg.Normalizer, eps=eps)
    if normalizer is REFUSED or attempt(normalizer.fit, fit_on) is REFUSED:
        return
    out = attempt(normalizer.transform, apply_to)
    if out is not REFUSED and is_moderate(fit_on, apply_to):
        assert np.isfinite(out).all()


@given(
    X=st.one_of(junk, float_array()),
    Y=st.one_of(st.none(), junk, hnp.arrays(np.int64, st.integers(0, 5))),
    batch_size=st.one_of(hyper, st.integers(-2, 10**9)),
    rng=st.one_of(hyper, st.just(np.random.default_rng(0))),
    drop_last=st.booleans(),
)
def test_minibatches(X, Y, batch_size, rng, drop_last):
    batches = attempt(lambda: list(mg.minibatches(X, Y, batch_size=batch_size, rng=rng, drop_last=drop_last)))
    if batches is REFUSED:
        return
    total = sum(len(xb) for xb, _ in batches)
    assert total <= len(np.asarray(X))


# ------------------------------------------------------------------ fit
def tiny_model(n_in=2, n_out=2):
    return mg.Sequential(
        mg.layer("dense", n_in, 3, rng=0), mg.layer("relu"), mg.layer("dense", 3, n_out, rng=1)
    )


@given(
    X=st.one_of(junk, float_array(shape=(6, 2), finite=False), float_array(shape=(6, 2))),
    Y=st.one_of(
        junk,
        hnp.arrays(np.int64, 6, elements=st.integers(-1, 3)),
        hnp.arrays(np.float64, 6, elements=st.floats(allow_subnormal=False)),
    ),
    loss=st.one_of(family_names("losses"), st.just(None)),
    epochs=st.one_of(st.integers(-2, 2), hyper),
    batch_size=st.one_of(st.integers(-2, 8), hyper),
    lr=st.one_of(st.sampled_from([1e-3, 0.1]), hyper),
    extra=st.dictionaries(
        st.sampled_from(["callbacks", "metrics", "seed", "snapshot_every", "dev"]),
        st.one_of(junk, st.lists(names, max_size=2)),
        max_size=1,
    ),
)
def test_fit(X, Y, loss, epochs, batch_size, lr, extra):
    model = tiny_model()
    optimizer = attempt(mg.optimizer, "sgd", model.parameters(), lr=lr)
    if optimizer is REFUSED:
        return
    if isinstance(epochs, int | float) and not isinstance(epochs, bool) and epochs > 3:
        epochs = 3  # keep it quick: huge epoch counts are valid requests, not junk
    history = attempt(
        mg.fit,
        model,
        (X, Y),
        loss=loss,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=batch_size,
        gradient_limits=None,
        **extra,
    )
    if history is REFUSED:
        return
    assert isinstance(history, mg.History)
    if len(history) and is_moderate(X, Y) and lr in (1e-3, 0.1) and loss != "mean_squared_error":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert np.isfinite(history["train_cost"]).all(), "a NaN cost from finite data"


# ------------------------------------------------------------------ files
@st.composite
def file_contents(draw):
    kind = draw(st.sampled_from(["csv text", "bytes", "npz"]))
    if kind == "csv text":
        cells = st.one_of(st.floats(allow_subnormal=False).map(repr), st.text(max_size=3), st.just(""))
        rows = draw(st.lists(st.lists(cells, min_size=1, max_size=4), max_size=5))
        return "\n".join(",".join(row) for row in rows).encode("utf-8", "surrogatepass")
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    buffer = io.BytesIO()
    arrays = draw(st.dictionaries(st.sampled_from(["X", "Y", "Z"]), any_array(DTYPES[:-1]), max_size=3))
    np.savez(buffer, **arrays)
    data = buffer.getvalue()
    cut = draw(st.integers(0, len(data)))
    return data[:cut] if draw(st.booleans()) else data


@given(
    content=file_contents(),
    suffix=st.sampled_from([".csv", ".npz", ".txt"]),
    target=st.one_of(st.none(), st.integers(-4, 4), st.sampled_from(["Y", "label", "X"])),
    features=st.one_of(st.none(), st.sampled_from(["X", "Z"]), st.lists(st.integers(-3, 3), max_size=2)),
    header=st.one_of(st.none(), st.booleans()),
)
def test_load_dataset(tmp_path_factory, content, suffix, target, features, header):
    path = tmp_path_factory.mktemp("data") / f"file{suffix}"
    path.write_bytes(content)
    loaded = attempt(mg.load_dataset, path, target=target, features=features, header=header)
    if loaded is not REFUSED:
        X, Y = loaded
        assert X.dtype == np.float64 and len(X) == len(Y) >= 1 and np.isfinite(X).all()
