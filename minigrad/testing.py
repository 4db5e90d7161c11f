"""The conformance kit: checks that a plugin's components keep their family's contract.

Every component a plugin registers is checked the same way, built-in or third-party:

- **layers**: gradient check (:func:`~minigrad.gradcheck`, float64) against the
  registration's ``example(rng)`` in training and in evaluation mode (stochastic
  layers included: their :func:`~minigrad.draw_random` draws are replayed), eval-mode
  determinism, parameters registered and reached by gradients, output shape as
  declared by ``output_shape=`` metadata (or at least the batch axis kept), float32
  kept (converted with :meth:`~minigrad.Module.astype`, the example's outputs and
  gradients stay float32), and for a
  layer that offers :attr:`~minigrad.Module.fuse_next`, fused runs with every
  registered layer it accepts (and a second one after that) giving exactly the outputs
  and gradients of the layers run one by one;
- **losses** and **regularizers**: gradient check, scalar output, for losses the
  mean over the batch (a batch repeated twice has the same loss), for regularizers
  that parameters marked ``regularize=False`` are not penalized;
- **optimizers**: the rule's interface (and, when it has ``update_in_place``, that
  this makes the same change as ``update``), a convex quadratic decreases in 200
  steps, and a run that is interrupted, saved with ``state_dict()`` and resumed in a
  fresh optimizer ends bit-identical to an uninterrupted run;
- **schedules**: finite and positive, pure, equal to the example's expected values;
- **initializers**: shape and dtype honoured, reproducible from the generator, and
  the empirical variance of a large sample matches the declared ``variance``;
- **datasets**: ``(X, Y)`` arrays with matching first axes, ``n`` honoured, ``Y``
  integer class labels ``0..C-1`` of shape ``(m,)``, reproducible from the seed;
- **augmentations**: shape and dtype kept for ``(m, H, W)`` and ``(m, C, H, W)``
  batches in float32 and float64, and the input batch left unchanged (a new array
  is returned);
- **callbacks**: smoke checks of their contract.

A check's result is *passed*, *failed* or *skipped*; a failure's message names the
plugin, the component, the input and the relative error. Gradient checks pass in
the course's *great* band (relative error < 1e-7) unless ``max_error=`` says otherwise.

In a plugin's own test suite one line gives one pytest test per component and check
(the pytest plugin shipped with minigrad parametrizes it)::

    from minigrad.testing import conformance_tests

    test_my_plugin = conformance_tests("my_plugin")

From the shell: ``minigrad check my_plugin``.

Example:
    >>> import types
    >>> import minigrad as mg
    >>> from minigrad.testing import check_plugin
    >>> @mg.hookimpl
    ... def minigrad_register_schedules(registry):
    ...     registry.add("halving", lambda lr0: (lambda epoch: lr0 * 0.5**epoch),
    ...                  example=lambda rng: (lambda epoch: 0.8 * 0.5**epoch, [(0, 0.8), (2, 0.2)]))
    >>> plugin = types.SimpleNamespace(minigrad_register_schedules=minigrad_register_schedules)
    >>> report = check_plugin(plugin, name="halving_plugin")
    >>> report.passed, [r.check for r in report]
    (True, ['example', 'finite_positive', 'pure', 'formula'])
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from minigrad.errors import ConfigError, DTypeError, MinigradError, PluginError, did_you_mean
from minigrad.gradcheck import GREAT, gradcheck
from minigrad.manager import PluginManager, get_plugin_manager
from minigrad.module import Module, Parameter
from minigrad.optim import _in_place_method, _update_takes_param
from minigrad.registry import Component
from minigrad.tensor import Tensor, no_grad
from minigrad.train import _HOOKS, _callback_signature_problem

__all__ = [
    "CHECKS",
    "CheckResult",
    "ConformanceCase",
    "ConformanceError",
    "ConformanceReport",
    "check_component",
    "check_plugin",
    "conformance_cases",
    "conformance_tests",
    "run_check",
]

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"

#: Singular nouns of the families, for messages.
_SINGULAR = {
    "layers": "layer",
    "initializers": "initializer",
    "losses": "loss",
    "regularizers": "regularizer",
    "optimizers": "optimizer",
    "schedules": "schedule",
    "callbacks": "callback",
    "datasets": "dataset",
    "augmentations": "augmentation",
}

#: What an ``example=`` returns, per family, for the "missing example" messages.
_EXAMPLE_CONTRACT = {
    "layers": "example=lambda rng: (module, [input arrays, float64])",
    "losses": "example=lambda rng: (loss, prediction_array, target_array)",
    "regularizers": "example=lambda rng: (penalty, {name: mg.Parameter(...)}, m)",
    "schedules": "example=lambda rng: (fn, [(epoch, expected_lr), ...]) with the expected values "
    "computed from the documented formula",
}


class ConformanceError(MinigradError, AssertionError):
    """Raised by :meth:`ConformanceReport.assert_passed`; carries the report.

    Example:
        >>> import minigrad.testing as kit
        >>> issubclass(kit.ConformanceError, AssertionError)
        True
    """

    def __init__(self, report: ConformanceReport) -> None:
        failures = "\n".join(f"- {r.message}" for r in report.failures)
        super().__init__(f"{len(report.failures)} conformance check(s) failed:\n{failures}")
        self.report = report


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check of one component.

    Attributes:
        plugin: the plugin that registered the component.
        family: e.g. ``"layers"``.
        component: the registered name.
        check: the check's name, e.g. ``"gradcheck_train"``.
        status: ``"passed"``, ``"failed"`` or ``"skipped"``.
        relative_error: the worst relative error the check measured, if it measures one.
        message: for failures and skips, a sentence naming the plugin, the component,
            the input and the relative error; for passes, what was checked.

    Example:
        >>> from minigrad.testing import CheckResult
        >>> r = CheckResult("demo", "layers", "swish", "gradcheck_eval", "passed", 3e-10)
        >>> r.passed, str(r)
        (True, 'demo layers/swish gradcheck_eval: passed (worst relative error 3.00e-10)')
    """

    plugin: str
    family: str
    component: str
    check: str
    status: str
    relative_error: float | None = None
    message: str = ""

    @property
    def passed(self) -> bool:
        """True unless the check failed (a skipped check is not a failure)."""
        return self.status != FAILED

    def __str__(self) -> str:
        text = f"{self.plugin} {self.family}/{self.component} {self.check}: {self.status}"
        if self.relative_error is not None:
            text += f" (worst relative error {self.relative_error:.2e})"
        if self.status != PASSED and self.message:
            text += f"\n  {self.message}"
        return text


@dataclass
class ConformanceReport:
    """The results of checking components: a list of :class:`CheckResult`.

    ``str(report)`` is a table (plugin, family, component, check, result, worst
    relative error) followed by every failure's message; :attr:`passed` is True
    when nothing failed.

    Example:
        >>> from minigrad.testing import CheckResult, ConformanceReport
        >>> report = ConformanceReport([
        ...     CheckResult("demo", "schedules", "flat", "pure", "passed"),
        ...     CheckResult("demo", "schedules", "flat", "formula", "failed", 0.5, "wrong at epoch 3"),
        ... ])
        >>> report.passed, len(report.failures)
        (False, 1)
        >>> print(report)
        plugin  family     component  check    result  worst rel. error
        demo    schedules  flat       pure     passed  -
        demo    schedules  flat       formula  FAILED  5.00e-01
        2 checks: 1 passed, 1 failed, 0 skipped
        <BLANKLINE>
        failures:
        - wrong at epoch 3
    """

    results: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no check failed."""
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        """The failed results."""
        return [r for r in self.results if r.status == FAILED]

    def counts(self) -> dict[str, int]:
        """How many checks passed, failed and were skipped."""
        return {s: sum(r.status == s for r in self.results) for s in (PASSED, FAILED, SKIPPED)}

    def extend(self, other: ConformanceReport | Iterable[CheckResult]) -> None:
        """Append the results of another report (or any iterable of results)."""
        self.results.extend(other.results if isinstance(other, ConformanceReport) else other)

    def assert_passed(self) -> ConformanceReport:
        """Raise :class:`ConformanceError` listing the failures, if any; else return self."""
        if not self.passed:
            raise ConformanceError(self)
        return self

    def __iter__(self) -> Iterator[CheckResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __bool__(self) -> bool:
        return self.passed

    def table(self) -> str:
        """The results as an aligned text table, one row per check."""
        header = ("plugin", "family", "component", "check", "result", "worst rel. error")
        rows = [header] + [
            (
                r.plugin,
                r.family,
                r.component,
                r.check,
                "FAILED" if r.status == FAILED else r.status,
                "-" if r.relative_error is None else f"{r.relative_error:.2e}",
            )
            for r in self.results
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)

    def summary(self) -> str:
        """One line: how many checks passed, failed and were skipped."""
        n = self.counts()
        return f"{len(self)} checks: {n[PASSED]} passed, {n[FAILED]} failed, {n[SKIPPED]} skipped"

    def __str__(self) -> str:
        text = f"{self.table()}\n{self.summary()}"
        if self.failures:
            text += "\n\nfailures:\n" + "\n".join(f"- {r.message}" for r in self.failures)
        return text


# ------------------------------------------------------------------ outcomes
class _Failed(Exception):
    def __init__(self, message: str, error: float | None = None) -> None:
        super().__init__(message)
        self.error = error


class _Skipped(Exception):
    pass


@dataclass(frozen=True)
class _Options:
    examples: int = 3
    seed: int = 0
    max_error: float = GREAT


@dataclass(frozen=True)
class _Outcome:
    error: float | None = None
    message: str = ""


def _is_strategy(example: Any) -> bool:
    strategies = sys.modules.get("hypothesis.strategies")
    return strategies is not None and isinstance(example, strategies.SearchStrategy)


def _draw_from_strategy(strategy: Any, n: int, seed: int) -> list[Any]:
    """Draw up to ``n`` values from a hypothesis strategy, reproducibly from ``seed``."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    drawn: list[Any] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn[:n]


def _examples(comp: Component, opts: _Options) -> list[Any]:
    """The registration's examples, drawn with ``opts.examples`` seeded generators (or
    from its hypothesis strategy). A missing example skips the check; the ``example``
    check is the one that reports it."""
    if comp.example is None:
        raise _Skipped(f"no example registered; add {_EXAMPLE_CONTRACT.get(comp.family, 'example=')}")
    if _is_strategy(comp.example):
        return _draw_from_strategy(comp.example, opts.examples, opts.seed)
    if not callable(comp.example):
        raise _Failed(
            f"example is a {type(comp.example).__name__}, not a callable example(rng) or a "
            f"hypothesis strategy; use {_EXAMPLE_CONTRACT.get(comp.family, 'example=')}"
        )
    return [comp.example(np.random.default_rng([opts.seed, i])) for i in range(opts.examples)]


def _unpack(comp: Component, value: Any, size: int, index: int) -> tuple:
    if not isinstance(value, tuple | list) or len(value) != size:
        got = f"a {type(value).__name__}"
        if isinstance(value, tuple | list):
            got += f" of length {len(value)}"
        raise _Failed(
            f"example {index} returned {got}; the {comp.family} contract is {_EXAMPLE_CONTRACT[comp.family]}"
        )
    return tuple(value)


def _float_inputs(value: Any) -> list[Any]:
    if isinstance(value, np.ndarray | Tensor):
        return [value]
    return list(value)


def _as_tensor(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    return Tensor(array, requires_grad=array.dtype.kind == "f")


def _describe_tensor(name: str, param_names: set[str]) -> str:
    return f"parameter '{name}'" if name in param_names else name


def _gradcheck_failure(report: Any, param_names: set[str], where: str, max_error: float) -> tuple[float, str]:
    """The worst per-tensor relative error of a gradcheck report and a sentence about it."""
    worst = max(report.checks, key=lambda c: (math.isnan(c.relative_error), c.relative_error))
    text = (
        f"gradient of {_describe_tensor(worst.name, param_names)} has relative error "
        f"{worst.relative_error:.3e} {where} (must be < {max_error:g})"
    )
    if worst.worst_index is not None:
        text += (
            f"; worst element {list(worst.worst_index)}: backprop {worst.worst_analytic:.6g}, "
            f"finite differences {worst.worst_numeric:.6g}"
        )
    return worst.relative_error, text


def _worst(errors: Iterable[float]) -> float:
    errors = list(errors)
    if any(math.isnan(e) for e in errors):
        return math.nan
    return max(errors, default=0.0)


# --------------------------------------------------------------------- checks
def _check_example(comp: Component, opts: _Options) -> _Outcome:
    if comp.example is None:
        raise _Failed(
            f"missing example: register it with {_EXAMPLE_CONTRACT[comp.family]} so the kit can "
            f"check it without knowing it"
        )
    drawn = _examples(comp, opts)
    if not drawn:
        raise _Failed("the example produced no values")
    return _Outcome(message=f"example builds {len(drawn)} instance(s)")


# layers ------------------------------------------------------------------------
def _layer_examples(comp: Component, opts: _Options) -> list[tuple[Module, list[Any]]]:
    out = []
    for i, value in enumerate(_examples(comp, opts)):
        module, inputs = _unpack(comp, value, 2, i)
        if not isinstance(module, Module):
            raise _Failed(
                f"example {i} built a {type(module).__name__}, not a minigrad Module; the factory "
                "must return an mg.Module"
            )
        out.append((module, _float_inputs(inputs)))
    return out


def _scale_parameters(module: Module, rng: np.random.Generator) -> None:
    """Multiply each parameter by random factors in [0.5, 1.5]: default values (a scale
    of 1) would hide a backward that forgets them, and the sign of each stays."""
    for p in module.parameters():
        p.data *= rng.uniform(0.5, 1.5, p.data.shape).astype(p.data.dtype)


def _layer_gradcheck(comp: Component, opts: _Options, *, training: bool) -> _Outcome:
    mode = "training" if training else "eval"
    errors = []
    for i, (module, inputs) in enumerate(_layer_examples(comp, opts)):
        module.train(training)
        _scale_parameters(module, np.random.default_rng([opts.seed, 13, i]))
        report = gradcheck(lambda *xs, module=module: module(*xs), inputs, params=module, seed=opts.seed)
        param_names = {n for n, _ in module.named_parameters()}
        error, text = _gradcheck_failure(report, param_names, f"in {mode} mode (example {i})", opts.max_error)
        errors.append(error)
        if not error < opts.max_error:
            if training and comp.metadata.get("stochastic"):
                text += (
                    "; a stochastic layer must take its random numbers through "
                    "mg.draw_random(generator, sample) so gradcheck can replay them"
                )
            else:
                text += "; check the backward of the Function(s) this layer applies"
            raise _Failed(text, error)
    return _Outcome(_worst(errors), f"gradients agree with finite differences in {mode} mode")


def _check_layer_gradcheck_train(comp: Component, opts: _Options) -> _Outcome:
    return _layer_gradcheck(comp, opts, training=True)


def _check_layer_gradcheck_eval(comp: Component, opts: _Options) -> _Outcome:
    return _layer_gradcheck(comp, opts, training=False)


def _call(module: Module, inputs: list[Any]) -> np.ndarray:
    with no_grad():
        out = module(*[Tensor(np.array(np.asarray(x))) if not isinstance(x, Tensor) else x for x in inputs])
    if not isinstance(out, Tensor):
        raise _Failed(f"forward returned a {type(out).__name__}; layers return a Tensor")
    return out.data.copy()


def _check_layer_determinism(comp: Component, opts: _Options) -> _Outcome:
    for i, (module, inputs) in enumerate(_layer_examples(comp, opts)):
        modes = [False] if comp.metadata.get("stochastic") else [False, True]
        for training in modes:
            module.train(training)
            first, second = _call(module, inputs), _call(module, inputs)
            if not np.array_equal(first, second, equal_nan=True):
                diff = float(np.nanmax(np.abs(first - second))) if first.shape == second.shape else math.inf
                if training:
                    raise _Failed(
                        f"two training-mode calls on the same input (example {i}) differ by up to "
                        f"{diff:.3g}; a layer whose training output is random must be registered "
                        "with stochastic=True and draw through mg.draw_random"
                    )
                raise _Failed(
                    f"two eval-mode calls on the same input (example {i}) differ by up to {diff:.3g}; "
                    "in eval mode a layer must be deterministic and must not update its state"
                )
    return _Outcome(message="repeated calls give identical outputs")


def _stray_parameters(module: Module) -> list[str]:
    """Attribute paths of Parameters (or Modules) inside ``module`` that named_parameters misses."""
    registered = {id(p) for p in module.parameters()}
    stray: list[str] = []
    seen: set[int] = set()

    def visit(value: Any, path: str, depth: int) -> None:
        if isinstance(value, Parameter):
            if id(value) not in registered:
                stray.append(path)
            return
        if depth > 6 or id(value) in seen:
            return
        if isinstance(value, Module):
            seen.add(id(value))
            for name, attr in vars(value).items():
                if name not in ("_parameters", "_modules", "_buffers"):
                    visit(attr, f"{path}.{name}" if path else name, depth + 1)
        elif isinstance(value, list | tuple):
            seen.add(id(value))
            for k, item in enumerate(value):
                visit(item, f"{path}[{k}]", depth + 1)
        elif isinstance(value, dict):
            seen.add(id(value))
            for key, item in value.items():
                visit(item, f"{path}[{key!r}]", depth + 1)

    visit(module, "", 0)
    return stray


def _check_layer_parameters(comp: Component, opts: _Options) -> _Outcome:
    count = 0
    for i, (module, inputs) in enumerate(_layer_examples(comp, opts)):
        stray = _stray_parameters(module)
        if stray:
            raise _Failed(
                f"holds Parameter(s) that named_parameters() does not reach: {', '.join(stray)} "
                f"(example {i}); assign each Parameter or sub-Module directly to an attribute "
                "(use mg.Sequential for lists of layers) so optimizers and state_dict see it"
            )
        named = list(module.named_parameters())
        count = max(count, len(named))
        if not named:
            continue
        module.train(True)
        for _, p in named:
            p.grad = None
        out = module(*[_as_tensor(x) for x in inputs])
        if not isinstance(out, Tensor):
            raise _Failed(f"forward returned a {type(out).__name__}; layers return a Tensor")
        if not out.requires_grad:
            raise _Failed(
                f"the output does not depend on any parameter (example {i}); compute it from the "
                "layer's Parameters with minigrad ops or Functions"
            )
        out.backward(np.random.default_rng(opts.seed).standard_normal(out.shape).astype(out.dtype))
        unused = [name for name, p in named if p.grad is None]
        for _, p in named:
            p.grad = None
        if unused:
            raise _Failed(
                f"parameter(s) {', '.join(repr(n) for n in unused)} receive no gradient (example "
                f"{i}): forward does not use them; remove them or use them"
            )
    if count == 0:
        return _Outcome(message="the layer has no parameters")
    return _Outcome(message=f"{count} named parameter(s), each reached by backward")


def _check_layer_output_shape(comp: Component, opts: _Options) -> _Outcome:
    declared = comp.metadata.get("output_shape")
    for i, (module, inputs) in enumerate(_layer_examples(comp, opts)):
        module.eval()
        out = _call(module, inputs)
        shapes = [tuple(np.shape(x)) for x in inputs]
        if declared is not None:
            expected = tuple(declared(shapes[0] if len(shapes) == 1 else shapes))
            if tuple(out.shape) != expected:
                raise _Failed(
                    f"output shape {tuple(out.shape)} for input shape(s) {', '.join(map(str, shapes))} "
                    f"(example {i}), but its output_shape metadata declares {expected}"
                )
        elif not shapes or out.ndim == 0 or out.shape[0] != shapes[0][0]:
            raise _Failed(
                f"output shape {tuple(out.shape)} does not keep the batch axis of input shape "
                f"{shapes[0] if shapes else '()'} (example {i}); rows are examples. If the layer "
                "changes the batch axis on purpose, declare output_shape=lambda input_shape: ..."
            )
    what = "as declared by output_shape" if declared is not None else "batch axis preserved"
    return _Outcome(message=what)


def _check_layer_float32(comp: Component, opts: _Options) -> _Outcome:
    """A float32 model stays float32: each example converted with ``astype(np.float32)``
    and fed float32 inputs gives float32 outputs and gradients in both modes."""
    float32 = np.dtype(np.float32)
    for i, (module, inputs) in enumerate(_layer_examples(comp, opts)):
        module.astype(float32)
        for training in (True, False):
            module.train(training).zero_grad()
            where = (
                f"with float32 parameters and inputs (example {i}, {'training' if training else 'eval'} mode)"
            )
            xs = [
                _as_tensor(np.asarray(x, dtype=float32) if np.asarray(x).dtype.kind == "f" else x)
                for x in inputs
            ]
            try:
                out = module(*xs)
            except DTypeError as err:
                raise _Failed(
                    f"{where} the forward pass mixed dtypes: {err}. Create arrays in the input's or the "
                    "parameters' dtype (np.ones(n, dtype=x.dtype)), not the default float64"
                ) from None
            if out.dtype != float32:
                raise _Failed(f"{where} the output is {out.dtype}; compute in the input's dtype")
            out.backward(np.ones(out.shape, dtype=float32))
            grads = [(f"parameter {n!r}", p.grad) for n, p in module.named_parameters()]
            grads += [(f"input {k}", x.grad) for k, x in enumerate(xs) if isinstance(x, Tensor)]
            for name, grad in grads:
                if grad is not None and grad.dtype != float32:
                    raise _Failed(f"{where} the gradient of {name} is {grad.dtype}; keep backward in float32")
    return _Outcome(message="float32 parameters and inputs give float32 outputs and gradients")


def _fusion_followers(
    comp: Component, opts: _Options, training: bool
) -> list[tuple[str, Callable[[], Module]]]:
    """Layers to offer a ``fuse_next``: the component's own examples and every layer
    registered in the process (built-ins included), each as a maker of fresh instances."""
    makers: list[tuple[str, Callable[[], Module]]] = []
    candidates = [comp]
    with contextlib.suppress(Exception):  # a broken plugin set: the own examples still serve
        candidates += [c for c in get_plugin_manager().registry("layers").components() if c.name != comp.name]
    for other in candidates:
        if other.example is None or _is_strategy(other.example) or not callable(other.example):
            continue
        if training and other.metadata.get("stochastic"):
            continue  # fused and unfused runs would draw different random numbers
        for i in range(opts.examples if other is comp else 1):

            def make(other: Component = other, i: int = i) -> Module:
                module = other.example(np.random.default_rng([opts.seed, 1000 + i]))[0]
                module.train(training)
                return module

            try:
                if not isinstance(make(), Module):
                    continue
            except Exception:  # another component's broken example is not ours to report
                continue
            makers.append((f"{other.name!r} (example {i})" if other is comp else repr(other.name), make))
    return makers


def _run_chain(
    run: Callable[[Tensor], Tensor], layers: Sequence[Module], x: np.ndarray
) -> list[tuple[str, Any]]:
    """Output, input gradient and parameter gradients of ``run(x)`` under a fixed
    random weighting of the output (so the gradients are not all ones)."""
    for layer in layers:
        layer.zero_grad()
    xt = _as_tensor(np.array(x.data if isinstance(x, Tensor) else x))  # a copy, same dtype
    out = run(xt)
    weights = np.random.default_rng(7).standard_normal(out.shape).astype(out.dtype)
    (out * weights).sum().backward()
    results = [("the output", out.data.copy()), ("the input's gradient", xt.grad)]
    for j, layer in enumerate(layers):
        for name, param in layer.named_parameters():
            results.append((f"the gradient of layer {j}'s {name}", param.grad))
    return results


_UNFIT = "the layers do not run one after the other"


def _fusion_difference(fused: Callable, layers: Sequence[Module], x: np.ndarray) -> str | None:
    """None when ``fused(x)`` gives exactly what the layers give one by one, else what
    differs; :data:`_UNFIT` when the layers cannot even run one after the other."""

    def one_by_one(t: Tensor) -> Tensor:
        for layer in layers:
            t = layer(t)
        return t

    try:
        expected = _run_chain(one_by_one, layers, x)
    except Exception:  # e.g. the sizes do not match: nothing to compare
        return _UNFIT
    try:
        got = _run_chain(fused, layers, x)
    except Exception as err:
        return f"the fused function raised {type(err).__name__}: {err}, where the layers one by one did not"
    for (what, want), (_, have) in zip(expected, got):
        if want is None and have is None:
            continue
        if want is None or have is None or np.shape(want) != np.shape(have):
            got_text = "missing" if have is None else f"of shape {np.shape(have)}"
            want_text = "missing" if want is None else f"of shape {np.shape(want)}"
            return f"{what} is {got_text} instead of {want_text}"
        if not np.array_equal(want, have):
            gap = float(np.max(np.abs(np.asarray(want, np.float64) - np.asarray(have, np.float64))))
            return f"{what} differs from the layers run one by one by up to {gap:.3g}"
    return None


def _offer(fuse_next: Callable, following: Module, who: str, name: str) -> Any:
    try:
        return fuse_next(following)
    except Exception as err:
        raise _Failed(
            f"{who} raised {type(err).__name__}: {err} when offered {name}; return None for a "
            "layer it does not fuse"
        ) from err


def _check_layer_fusion(comp: Component, opts: _Options) -> _Outcome:
    examples = _layer_examples(comp, opts)
    if all(getattr(module, "fuse_next", None) is None for module, _ in examples):
        return _Outcome(message="defines no fuse_next: nothing to fuse")
    accepted = compared = 0
    for i, (module, inputs) in enumerate(examples):
        if len(inputs) != 1 or module.fuse_next is None:
            continue  # Sequential passes one input from layer to layer
        for training in (True, False):
            if training and comp.metadata.get("stochastic"):
                continue
            mode = "training" if training else "eval"
            followers = _fusion_followers(comp, opts, training)
            for name, make in followers:
                module.train(training)
                follower = make()
                fused = _offer(module.fuse_next, follower, f"example {i}'s fuse_next", name)
                if fused is None:
                    continue
                chains = [((name,), fused, [module, follower])]
                extend = getattr(fused, "fuse_next", None)
                for name2, make2 in followers if extend is not None else []:
                    second = make2()
                    longer = _offer(extend, second, f"the fuse_next of example {i} fused with {name}", name2)
                    if longer is not None:
                        chains.append(((name, name2), longer, [module, follower, second]))
                for names, function, layers in chains:
                    accepted += 1
                    problem = _fusion_difference(function, layers, inputs[0])
                    if problem is _UNFIT:
                        continue
                    if problem is not None:
                        raise _Failed(
                            f"example {i} fused with {' then '.join(names)} in {mode} mode: {problem}; "
                            "fuse_next must return a function giving exactly the numbers of the layers "
                            "run one after the other, or None"
                        )
                    compared += 1
    if not accepted:
        return _Outcome(message="fuse_next accepted none of the registered layers: nothing to compare")
    if not compared:
        return _Outcome(
            message=f"fuse_next accepted {accepted} layer(s), but none ran after the examples one by "
            "one either (sizes or dtypes differ): nothing to compare"
        )
    return _Outcome(message=f"{compared} fused run(s) give exactly the numbers of the layers one by one")


# losses and regularizers -------------------------------------------------------
def _loss_examples(comp: Component, opts: _Options) -> list[tuple[Callable, np.ndarray, Any]]:
    out = []
    for i, value in enumerate(_examples(comp, opts)):
        loss, prediction, target = _unpack(comp, value, 3, i)
        if isinstance(prediction, list | tuple) and len(prediction) == 1:
            prediction = prediction[0]  # the hookspec's "[prediction array]" form
        if not callable(loss):
            raise _Failed(f"example {i} returned a {type(loss).__name__} as the loss; it must be callable")
        out.append((loss, np.asarray(prediction, dtype=np.float64), target))
    return out


def _check_loss_gradcheck(comp: Component, opts: _Options) -> _Outcome:
    errors = []
    for i, (loss, prediction, target) in enumerate(_loss_examples(comp, opts)):
        report = gradcheck(lambda p, loss=loss, target=target: loss(p, target), [prediction], seed=opts.seed)
        for c in report.checks:
            c.name = "prediction" if c.name == "input 0" else c.name
        error, text = _gradcheck_failure(report, set(), f"(example {i})", opts.max_error)
        errors.append(error)
        if not error < opts.max_error:
            raise _Failed(text + "; check the loss's backward", error)
    return _Outcome(_worst(errors), "gradient with respect to the prediction agrees with finite differences")


def _scalar(out: Any, what: str) -> float:
    if not isinstance(out, Tensor):
        raise _Failed(f"{what} returned a {type(out).__name__}; it must return a scalar Tensor")
    if out.ndim != 0:
        raise _Failed(f"{what} returned a Tensor of shape {out.shape}; it must return a scalar (shape ())")
    value = float(out.data)
    if not math.isfinite(value):
        raise _Failed(f"{what} returned {value}")
    return value


def _check_loss_scalar(comp: Component, opts: _Options) -> _Outcome:
    for i, (loss, prediction, target) in enumerate(_loss_examples(comp, opts)):
        _scalar(loss(Tensor(prediction), target), f"the loss (example {i})")
    return _Outcome(message="returns a finite scalar Tensor")


def _repeat(value: Any) -> Any:
    array = np.asarray(value)
    return np.concatenate([array, array], axis=0) if array.ndim else array


def _check_loss_batch_mean(comp: Component, opts: _Options) -> _Outcome:
    errors = []
    for i, (loss, prediction, target) in enumerate(_loss_examples(comp, opts)):
        with no_grad():
            once = _scalar(loss(Tensor(prediction), target), f"the loss (example {i})")
            twice = _scalar(loss(Tensor(_repeat(prediction)), _repeat(target)), f"the loss (example {i})")
        error = abs(twice - once) / max(abs(once), 1e-300)
        errors.append(error)
        if not error < 1e-9:
            raise _Failed(
                f"the batch repeated twice has loss {twice:.6g} but the batch itself {once:.6g} "
                f"(example {i}); the cost is averaged over the batch, J = 1/m sum L",
                error,
            )
    return _Outcome(_worst(errors), "the cost is a mean over the batch")


def _regularizer_examples(comp: Component, opts: _Options) -> list[tuple[Callable, dict, int]]:
    out = []
    for i, value in enumerate(_examples(comp, opts)):
        penalty, params, m = _unpack(comp, value, 3, i)
        if not isinstance(params, dict) or not all(isinstance(p, Tensor) for p in params.values()):
            raise _Failed(f"example {i} must give its parameters as a dict name -> mg.Parameter")
        out.append((penalty, params, m))
    return out


def _check_regularizer_gradcheck(comp: Component, opts: _Options) -> _Outcome:
    errors = []
    for i, (penalty, params, m) in enumerate(_regularizer_examples(comp, opts)):
        named = list(params.items())
        report = gradcheck(lambda penalty=penalty, named=named, m=m: penalty(named, m), [], params=params)
        error, text = _gradcheck_failure(report, set(params), f"(example {i})", opts.max_error)
        errors.append(error)
        if not error < opts.max_error:
            raise _Failed(text + "; check the penalty's backward", error)
    return _Outcome(_worst(errors), "gradients with respect to the parameters agree with finite differences")


def _check_regularizer_scalar(comp: Component, opts: _Options) -> _Outcome:
    for i, (penalty, params, m) in enumerate(_regularizer_examples(comp, opts)):
        _scalar(penalty(list(params.items()), m), f"the penalty (example {i})")
    return _Outcome(message="returns a finite scalar Tensor")


def _check_regularizer_exemptions(comp: Component, opts: _Options) -> _Outcome:
    """By default a penalty covers the parameters whose ``.regularize`` is True: with the
    example's parameters all marked ``regularize=False`` it must be 0."""
    for i, (penalty, params, m) in enumerate(_regularizer_examples(comp, opts)):
        exempt = [(name, Parameter(p.data, regularize=False)) for name, p in params.items()]
        value = float(np.asarray(_as_tensor(penalty(exempt, m)).data))
        if value != 0.0:
            raise _Failed(
                f"with every parameter marked regularize=False (as biases and batch norm's gamma and beta "
                f"are) the penalty is {value:.3g} (example {i}); leave them out: sum over the parameters "
                "p with p.regularize"
            )
    return _Outcome(message="parameters marked regularize=False are not penalized")


# optimizers --------------------------------------------------------------------
_QUADRATIC_STEPS = 200


def _optimizer_class() -> Any:
    try:
        from minigrad.optim import Optimizer
    except ImportError as err:  # the core driver is missing from this installation
        raise _Skipped(f"the core Optimizer (minigrad.optim) is not available: {err}") from None
    return Optimizer


def _rule(comp: Component) -> Any:
    options = dict(comp.metadata.get("check_hyper", {}))
    return comp.create(**options)


def _check_optimizer_interface(comp: Component, opts: _Options) -> _Outcome:
    rule = _rule(comp)
    defaults = getattr(rule, "defaults", None)
    if not isinstance(defaults, dict) or "lr" not in defaults:
        raise _Failed(
            f"the update rule's defaults are {defaults!r}; give the rule a dict attribute "
            "`defaults` of its hyperparameters, including 'lr'"
        )
    missing = [m for m in ("init", "update") if not callable(getattr(rule, m, None))]
    if missing:
        raise _Failed(
            f"the update rule lacks {', '.join(missing)}(); it needs init(param) -> state and "
            "update(grad, state, hyper, step) -> (delta, state)"
        )
    state = rule.init(np.zeros((2, 3)))
    if not isinstance(state, dict):
        raise _Failed(f"init(param) returned a {type(state).__name__}; it must return a dict")
    _check_update_leaves_grad(rule, opts.seed)
    in_place = _in_place_method(rule)  # the method the driver calls, if any
    if in_place is None:
        return _Outcome(message=f"defaults {sorted(defaults)}")
    _check_update_in_place(rule, in_place, opts.seed)
    return _Outcome(message=f"defaults {sorted(defaults)}; update_in_place agrees with update")


def _check_update_leaves_grad(rule: Any, seed: int) -> None:
    """``update`` must leave ``grad`` alone and return a delta of its own: the driver
    hands it the parameter's ``.grad``, which users read after ``step()``. (The state's
    arrays it may update in place and return, as the built-in rules do.) Two steps, the
    second with the state the first returned."""
    rng = np.random.default_rng([seed, 12])
    param = rng.standard_normal((4, 3))
    state = rule.init(param.copy())
    extra = {"param": param} if _update_takes_param(rule) else {}
    for step in (1, 2):
        grad = rng.standard_normal(param.shape)
        grad_before = grad.copy()
        delta, state = rule.update(grad, state, dict(rule.defaults), step, **extra)
        if not np.array_equal(grad, grad_before):
            raise _Failed(
                f"at step {step}, update changed the grad it was given in place; the driver passes the "
                "parameter's .grad, so compute into new arrays (e.g. np.clip(grad, -1, 1), not out=grad)"
            )
        if isinstance(delta, np.ndarray) and np.shares_memory(delta, grad):
            raise _Failed(
                f"at step {step}, update returned a delta that shares memory with grad; return a new "
                "array (e.g. -lr * grad)"
            )


def _check_update_in_place(rule: Any, in_place: Callable, seed: int) -> None:
    """``update_in_place`` must change the parameter and the state as ``param += delta``
    does, over three steps of a parameter large enough for chunked updates (500x400
    float64, 1.6 MB)."""
    rng = np.random.default_rng([seed, 11])
    start = rng.standard_normal((500, 400))
    param, reference = start.copy(), start.copy()
    state, reference_state = rule.init(start.copy()), rule.init(start.copy())
    wants_param = _update_takes_param(rule)
    for step in (1, 2, 3):
        grad = rng.standard_normal(start.shape)
        extra = {"param": reference.copy()} if wants_param else {}
        delta, reference_state = rule.update(grad.copy(), reference_state, dict(rule.defaults), step, **extra)
        reference += delta
        state = in_place(param, grad.copy(), state, dict(rule.defaults), step)
        if not isinstance(state, dict):
            raise _Failed(
                f"update_in_place(param, grad, state, hyper, step) returned a {type(state).__name__}; "
                "it must return the state dict (and change param in place)"
            )
        if not np.allclose(param, reference, rtol=1e-12, atol=1e-12):
            worst = float(np.max(np.abs(param - reference)))
            raise _Failed(
                f"at step {step}, update_in_place left the parameter up to {worst:.3g} away from "
                "param += update(...)[0] (float64, 500x400); make both apply the same formula, "
                "or drop update_in_place"
            )
        for key, value in reference_state.items():
            if key not in state or not np.allclose(state[key], value, rtol=1e-12, atol=1e-12):
                raise _Failed(
                    f"at step {step}, update_in_place left state[{key!r}] different from what "
                    "update returns; both must keep the same state"
                )


def _quadratic(seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Starting points and SPD matrices (eigenvalues in [0.5, 2]) of
    f(W, b) = ½ vec(W)ᵀ A₁ vec(W) + ½ bᵀ A₂ b."""
    rng = np.random.default_rng([seed, 7])
    starts, matrices = [], []
    for shape in ((3, 2), (4,)):
        n = int(np.prod(shape))
        q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        matrices.append(q @ np.diag(np.linspace(0.5, 2.0, n)) @ q.T)
        starts.append(rng.standard_normal(shape))
    return starts, matrices


def _f(params: Sequence[Parameter], matrices: Sequence[np.ndarray]) -> float:
    return float(sum(0.5 * p.data.ravel() @ a @ p.data.ravel() for p, a in zip(params, matrices)))


def _steps(optimizer: Any, params: Sequence[Parameter], matrices: Sequence[np.ndarray], n: int) -> None:
    for _ in range(n):
        optimizer.zero_grad()
        # J = Σ ½ pᵀ A p through the autograd engine, so gradients arrive as in training
        total = None
        for p, a in zip(params, matrices):
            flat = p.reshape(-1)
            term = (flat * (Tensor(a) @ flat)).sum() * 0.5
            total = term if total is None else total + term
        total.backward()
        optimizer.step()


def _check_optimizer_quadratic(comp: Component, opts: _Options) -> _Outcome:
    optimizer_cls = _optimizer_class()
    starts, matrices = _quadratic(opts.seed)
    params = [Parameter(s.copy(), name=n) for s, n in zip(starts, ("W", "b"))]
    optimizer = optimizer_cls(params, _rule(comp))
    f0 = _f(params, matrices)
    _steps(optimizer, params, matrices, _QUADRATIC_STEPS)
    f1 = _f(params, matrices)
    ratio = f1 / f0
    if not (math.isfinite(f1) and ratio <= 0.9):
        raise _Failed(
            f"{_QUADRATIC_STEPS} steps on the convex quadratic f(w) = ½ wᵀAw (A SPD, eigenvalues "
            f"0.5..2) took f from {f0:.4g} to {f1:.4g}; it should fall by at least 10%. Check the "
            "sign of delta (the core adds it to the parameter) and the defaults, or declare "
            "check_hyper={...} metadata with hyperparameters suited to this test"
        )
    return _Outcome(message=f"f fell from {f0:.4g} to {f1:.4g} in {_QUADRATIC_STEPS} steps")


def _check_optimizer_state_round_trip(comp: Component, opts: _Options) -> _Outcome:
    optimizer_cls = _optimizer_class()
    starts, matrices = _quadratic(opts.seed)
    first, second = 7, 8

    def fresh(values: Sequence[np.ndarray]) -> tuple[list[Parameter], Any]:
        params = [Parameter(np.array(v, copy=True), name=n) for v, n in zip(values, ("W", "b"))]
        return params, optimizer_cls(params, _rule(comp))

    straight, optimizer = fresh(starts)
    _steps(optimizer, straight, matrices, first + second)

    interrupted, optimizer = fresh(starts)
    _steps(optimizer, interrupted, matrices, first)
    # through the file format checkpoints use: arrays and numbers only, no pickle
    buffer = io.BytesIO()
    np.savez(buffer, **optimizer.state_dict())
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as saved:
        state = {key: saved[key] for key in saved.files}
    resumed, optimizer = fresh([p.data for p in interrupted])
    optimizer.load_state_dict(state)
    _steps(optimizer, resumed, matrices, second)

    for name, a, b in zip(("W", "b"), straight, resumed):
        if not np.array_equal(a.data, b.data):
            diff = float(np.max(np.abs(a.data - b.data)))
            raise _Failed(
                f"after {first} steps, state_dict() saved with np.savez, a fresh optimizer and "
                "load_state_dict(), "
                f"{second} more steps leave parameter '{name}' up to {diff:.3g} away from an "
                f"uninterrupted run of {first + second} steps; keep every piece of per-parameter "
                "state in the dict init() returns (not on the rule object)"
            )
    return _Outcome(message="resumed run is bit-identical to an uninterrupted one")


# schedules ---------------------------------------------------------------------
_SCHEDULE_EPOCHS = (*range(101), 250, 1000)


def _schedule_examples(comp: Component, opts: _Options) -> list[tuple[Callable, list]]:
    out = []
    for i, value in enumerate(_examples(comp, opts)):
        fn, points = _unpack(comp, value, 2, i)
        if not callable(fn):
            raise _Failed(f"example {i} returned a {type(fn).__name__} as the schedule; it must be callable")
        out.append((fn, list(points)))
    return out


def _schedule_fns(comp: Component, opts: _Options) -> list[Callable]:
    if comp.example is None:
        return [comp.create(0.1)]
    return [fn for fn, _ in _schedule_examples(comp, opts)]


def _check_schedule_finite_positive(comp: Component, opts: _Options) -> _Outcome:
    for fn in _schedule_fns(comp, opts):
        for epoch in _SCHEDULE_EPOCHS:
            value = float(fn(epoch))
            if not (math.isfinite(value) and value > 0):
                raise _Failed(
                    f"learning rate at epoch {epoch} is {value!r}; a schedule must give a finite, "
                    f"positive learning rate at every epoch from 0 on"
                )
    return _Outcome(message="finite and positive at epochs 0..100, 250 and 1000")


def _check_schedule_pure(comp: Component, opts: _Options) -> _Outcome:
    for fn in _schedule_fns(comp, opts):
        forward = [float(fn(e)) for e in _SCHEDULE_EPOCHS]
        backward = [float(fn(e)) for e in reversed(_SCHEDULE_EPOCHS)][::-1]
        for epoch, a, b in zip(_SCHEDULE_EPOCHS, forward, backward):
            if not (a == b or (math.isnan(a) and math.isnan(b))):
                raise _Failed(
                    f"gives {a!r} at epoch {epoch} when called in order and {b!r} when called in "
                    "reverse; a schedule is a pure function of the epoch (keep no state between calls)"
                )
    return _Outcome(message="same value whatever the call order")


def _check_schedule_formula(comp: Component, opts: _Options) -> _Outcome:
    if comp.example is None:
        raise _Failed(f"missing example: register it with {_EXAMPLE_CONTRACT['schedules']}")
    errors = []
    for i, (fn, points) in enumerate(_schedule_examples(comp, opts)):
        if not points:
            raise _Failed(f"example {i} gives no (epoch, expected_lr) points to compare with")
        for epoch, expected in points:
            value = float(fn(epoch))
            error = abs(value - expected) / max(abs(expected), 1e-300)
            errors.append(error)
            if not error <= 1e-9:
                raise _Failed(
                    f"learning rate at epoch {epoch} is {value!r} but the example expects {expected!r} "
                    f"(relative error {error:.3e}, example {i}); the schedule does not follow its formula",
                    error,
                )
    return _Outcome(_worst(errors), f"matches the example at {len(errors)} point(s)")


# initializers ------------------------------------------------------------------
_VARIANCE_TOLERANCE = 0.05
_VARIANCE_FANS = ((400, 300), (100, 600))


def _init(comp: Component, shape: tuple, *, seed: int, dtype: Any = np.float64) -> np.ndarray:
    init = comp.create()
    fan_in, fan_out = shape[0], shape[-1]
    out = init(shape, fan_in=fan_in, fan_out=fan_out, rng=np.random.default_rng(seed), dtype=np.dtype(dtype))
    if not isinstance(out, np.ndarray):
        raise _Failed(f"init{shape} returned a {type(out).__name__}; it must return a NumPy array")
    return out


def _check_initializer_shape_dtype(comp: Component, opts: _Options) -> _Outcome:
    for dtype in (np.float32, np.float64):
        for shape in ((5, 3), (1, 7)):
            out = _init(comp, shape, seed=opts.seed, dtype=dtype)
            if out.shape != shape or out.dtype != np.dtype(dtype):
                raise _Failed(
                    f"init({shape}, dtype={np.dtype(dtype)}) returned shape {out.shape} and dtype "
                    f"{out.dtype}; honour the shape and dtype asked for"
                )
            if not np.all(np.isfinite(out)):
                raise _Failed(f"init({shape}) returned non-finite values")
    return _Outcome(message="shapes and float32/float64 honoured")


def _check_initializer_reproducible(comp: Component, opts: _Options) -> _Outcome:
    a = _init(comp, (6, 4), seed=opts.seed)
    b = _init(comp, (6, 4), seed=opts.seed)
    if not np.array_equal(a, b):
        raise _Failed(
            "two calls with generators seeded alike returned different arrays; draw every random "
            "number from the rng argument (not np.random's global state)"
        )
    return _Outcome(message="same generator seed, same weights")


def _check_initializer_variance(comp: Component, opts: _Options) -> _Outcome:
    if "variance" not in comp.metadata:
        raise _Failed(
            "declares no variance: register it with variance=lambda fan_in, fan_out: ... (the "
            "variance it targets), or variance=None for a constant initializer"
        )
    variance = comp.metadata["variance"]
    if variance is None:
        out = _init(comp, (50, 40), seed=opts.seed)
        if np.ptp(out) != 0:
            raise _Failed(
                "declares variance=None (constant) but its values vary; declare the variance it targets"
            )
        return _Outcome(message="constant, as declared")
    errors = []
    for fan_in, fan_out in _VARIANCE_FANS:
        declared = float(variance(fan_in, fan_out))
        sample = _init(comp, (fan_in, fan_out), seed=opts.seed)
        empirical = float(np.var(sample))
        error = abs(empirical - declared) / declared
        errors.append(error)
        if not error < _VARIANCE_TOLERANCE:
            raise _Failed(
                f"empirical variance {empirical:.4g} of a ({fan_in}, {fan_out}) sample differs from the "
                f"declared variance({fan_in}, {fan_out}) = {declared:.4g} by {error:.1%} (tolerance "
                f"{_VARIANCE_TOLERANCE:.0%})",
                error,
            )
    return _Outcome(_worst(errors), "empirical variance matches the declared one")


# callbacks, datasets, augmentations --------------------------------------------
def _instance(comp: Component, opts: _Options) -> Any:
    if comp.example is not None and callable(comp.example) and not _is_strategy(comp.example):
        return comp.example(np.random.default_rng(opts.seed))
    try:
        return comp.create()
    except ConfigError as err:
        raise _Failed(
            f"cannot be built with its defaults ({err}); give every option a default, or register "
            f"example=lambda rng: <a {_SINGULAR[comp.family]} built with suitable options>"
        ) from err


def _check_callback_construct(comp: Component, opts: _Options) -> _Outcome:
    callback = _instance(comp, opts)
    methods = [m for m in _HOOKS if callable(getattr(callback, m, None))]
    if not methods:
        name = type(callback).__name__
        raise _Failed(f"the callback ({name}) has none of the callback methods {', '.join(_HOOKS)}")
    problem = _callback_signature_problem(callback)
    if problem:
        raise _Failed(problem)
    return _Outcome(message=f"implements {', '.join(methods)}")


def _dataset(comp: Component, **options: Any) -> tuple[np.ndarray, np.ndarray]:
    data = comp.create(**options)
    call = f"{comp.name}({', '.join(f'{k}={v!r}' for k, v in options.items())})"
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise _Failed(f"{call} returned a {type(data).__name__}; datasets return (X, Y)")
    X, Y = data
    if not isinstance(X, np.ndarray) or not isinstance(Y, np.ndarray):
        raise _Failed(f"{call} returned ({type(X).__name__}, {type(Y).__name__}); X and Y are NumPy arrays")
    if X.ndim == 0 or Y.ndim == 0 or X.shape[0] != Y.shape[0]:
        raise _Failed(
            f"{call} returned X of shape {X.shape} and Y of shape {Y.shape}; their first axes differ"
        )
    if X.dtype.kind != "f" or not np.all(np.isfinite(X)):
        raise _Failed(f"{call} returned X of dtype {X.dtype}; X holds finite floats")
    return X, Y


def _check_dataset_shapes(comp: Component, opts: _Options) -> _Outcome:
    X, Y = _dataset(comp)
    X32, _ = _dataset(comp, n=32)
    if X32.shape[0] != 32:
        raise _Failed(f"{comp.name}(n=32) returned {X32.shape[0]} examples; honour n=")
    return _Outcome(message=f"X {X.shape} {X.dtype}, Y {Y.shape} {Y.dtype}; n honoured")


def _check_dataset_labels(comp: Component, opts: _Options) -> _Outcome:
    # the contract (minigrad_register_datasets): Y holds integer class labels, shape (m,)
    _, Y = _dataset(comp)
    if Y.dtype.kind not in "iu":
        whole = Y.dtype.kind in "bf" and bool(np.all(np.floor(Y) == Y))
        fix = "return Y.astype(np.int64)" if whole else "encode the classes as integers 0..C-1"
        raise _Failed(
            f"{comp.name}() returned Y of dtype {Y.dtype}; datasets return integer class labels of "
            f"shape (m,); {fix}"
        )
    if Y.ndim != 1:
        raise _Failed(
            f"{comp.name}() returned Y of shape {Y.shape}; datasets return class labels of shape (m,), "
            "not one-hot rows: return Y.argmax(axis=1)"
        )
    if Y.size and int(Y.min()) < 0:
        raise _Failed(
            f"{comp.name}() returned the label {int(Y.min())}; class labels are 0..C-1 (a softmax output "
            "per class): shift or re-encode them"
        )
    return _Outcome(message=f"integer labels {Y.dtype}, {len(np.unique(Y))} class(es)")


def _check_dataset_reproducible(comp: Component, opts: _Options) -> _Outcome:
    X1, Y1 = _dataset(comp, seed=opts.seed)
    X2, Y2 = _dataset(comp, seed=opts.seed)
    if not (np.array_equal(X1, X2) and np.array_equal(Y1, Y2)):
        raise _Failed(f"two calls with seed={opts.seed} returned different data; generate from the seed")
    return _Outcome(message="same seed, same data")


def _check_augmentation_shape_dtype(comp: Component, opts: _Options) -> _Outcome:
    augment = _instance(comp, opts)
    rng = np.random.default_rng(opts.seed)
    for shape in ((4, 8, 8), (4, 3, 8, 8)):
        for dtype in (np.float32, np.float64):
            batch = rng.random(shape).astype(dtype)
            out = augment(batch.copy(), np.random.default_rng(opts.seed))
            if not isinstance(out, np.ndarray) or out.shape != shape or out.dtype != np.dtype(dtype):
                got = f"{out.shape} {out.dtype}" if isinstance(out, np.ndarray) else type(out).__name__
                raise _Failed(
                    f"augmenting a {np.dtype(dtype)} batch of shape {shape} returned {got}; an "
                    "augmentation keeps the batch's shape and dtype"
                )
            if not np.all(np.isfinite(out)):
                raise _Failed(f"augmenting a batch of shape {shape} produced non-finite values")
    return _Outcome(message="(m, H, W) and (m, C, H, W) batches keep shape and dtype")


def _check_augmentation_input_untouched(comp: Component, opts: _Options) -> _Outcome:
    augment = _instance(comp, opts)
    rng = np.random.default_rng(opts.seed)
    for example in range(opts.examples):
        for shape in ((16, 8, 8), (16, 3, 8, 8)):
            batch = rng.random(shape)
            before = batch.copy()
            augment(batch, np.random.default_rng(opts.seed + example))
            if not np.array_equal(batch, before, equal_nan=True):
                raise _Failed(
                    f"augmenting a batch of shape {shape} changed the input array in place (example "
                    f"{example}); return a new array (start from out = batch.copy()) and leave the "
                    "input as it was"
                )
    return _Outcome(message="the input batch is left unchanged")


#: The checks of each family, in the order they run: family -> {check name: function}.
CHECKS: dict[str, dict[str, Callable[[Component, _Options], _Outcome]]] = {
    "layers": {
        "example": _check_example,
        "gradcheck_train": _check_layer_gradcheck_train,
        "gradcheck_eval": _check_layer_gradcheck_eval,
        "determinism": _check_layer_determinism,
        "parameters": _check_layer_parameters,
        "output_shape": _check_layer_output_shape,
        "float32": _check_layer_float32,
        "fusion": _check_layer_fusion,
    },
    "initializers": {
        "shape_dtype": _check_initializer_shape_dtype,
        "reproducible": _check_initializer_reproducible,
        "variance": _check_initializer_variance,
    },
    "losses": {
        "example": _check_example,
        "gradcheck": _check_loss_gradcheck,
        "scalar": _check_loss_scalar,
        "batch_mean": _check_loss_batch_mean,
    },
    "regularizers": {
        "example": _check_example,
        "gradcheck": _check_regularizer_gradcheck,
        "scalar": _check_regularizer_scalar,
        "exemptions": _check_regularizer_exemptions,
    },
    "optimizers": {
        "interface": _check_optimizer_interface,
        "quadratic": _check_optimizer_quadratic,
        "state_round_trip": _check_optimizer_state_round_trip,
    },
    "schedules": {
        "example": _check_example,
        "finite_positive": _check_schedule_finite_positive,
        "pure": _check_schedule_pure,
        "formula": _check_schedule_formula,
    },
    "callbacks": {"construct": _check_callback_construct},
    "datasets": {
        "shapes": _check_dataset_shapes,
        "labels": _check_dataset_labels,
        "reproducible": _check_dataset_reproducible,
    },
    "augmentations": {
        "shape_dtype": _check_augmentation_shape_dtype,
        "input_untouched": _check_augmentation_input_untouched,
    },
}


# --------------------------------------------------------------------- running
def _options(examples: int, seed: int, max_error: float) -> _Options:
    if not isinstance(examples, int) or examples < 1:
        raise ConfigError(f"examples must be a positive integer, got {examples!r}")
    if not (isinstance(max_error, int | float) and max_error > 0):
        raise ConfigError(f"max_error must be a positive number, got {max_error!r}")
    return _Options(examples=examples, seed=int(seed), max_error=float(max_error))


def _checks_of(family: str) -> dict[str, Callable[[Component, _Options], _Outcome]]:
    try:
        return CHECKS[family]
    except KeyError:
        raise ConfigError(
            f"no conformance checks for family {family!r} (families: {', '.join(CHECKS)})"
        ) from None


def run_check(
    component: Component,
    check: str,
    *,
    examples: int = 3,
    seed: int = 0,
    max_error: float = GREAT,
) -> CheckResult:
    """Run one named check (see :data:`CHECKS`) on ``component``; never raises for a
    failing component: the failure (even a crash inside the plugin) is the result.

    Example:
        >>> import minigrad as mg
        >>> from minigrad.testing import run_check
        >>> reg = mg.Registry("schedules")
        >>> reg.add("flat", lambda lr0: (lambda epoch: lr0), plugin="demo")
        >>> result = run_check(reg.get("flat"), "formula")
        >>> result.status, result.message.split(":")[0]
        ('failed', "plugin 'demo', schedule 'flat', check formula")
    """
    opts = _options(examples, seed, max_error)
    checks = _checks_of(component.family)
    if check not in checks:
        raise ConfigError(f"no check {check!r} for {component.family} (checks: {', '.join(checks)})")
    prefix = (
        f"plugin '{component.plugin}', {_SINGULAR.get(component.family, component.family)} "
        f"'{component.name}', check {check}"
    )

    def result(status: str, error: float | None, message: str) -> CheckResult:
        return CheckResult(
            component.plugin, component.family, component.name, check, status, error, f"{prefix}: {message}"
        )

    try:
        outcome = checks[check](component, opts)
    except _Failed as failure:
        return result(FAILED, failure.error, str(failure))
    except _Skipped as skip:
        return result(SKIPPED, None, str(skip))
    except MinigradError as err:
        return result(FAILED, None, f"{type(err).__name__}: {err}")
    except Exception as err:
        return result(FAILED, None, f"raised {type(err).__name__}: {err}")
    return result(PASSED, outcome.error, outcome.message)


def check_component(
    family: str,
    name: str,
    *,
    plugin_manager: PluginManager | None = None,
    examples: int = 3,
    seed: int = 0,
    max_error: float = GREAT,
    checks: Sequence[str] | None = None,
) -> ConformanceReport:
    """Run every check of ``family`` on the registered component ``name``.

    Args:
        family: ``"layers"``, ``"losses"``, ... .
        name: the registered name.
        plugin_manager: where to look the component up (default: the process-wide one).
        examples: how many examples to draw from the registration's ``example``
            (seeded generators ``default_rng([seed, i])``, or a hypothesis strategy).
        seed: seeds the examples and the checks' own random numbers.
        max_error: the largest relative error a gradient check passes with
            (default 1e-7, the course's *great* band).
        checks: only these checks (default: all of the family's).

    Returns:
        A :class:`ConformanceReport`.

    Example:
        >>> import minigrad as mg
        >>> from minigrad.testing import check_component
        >>> pm = mg.PluginManager(builtin=False, entry_points=False)
        >>> class Shift:
        ...     @mg.hookimpl
        ...     def minigrad_register_schedules(self, registry):
        ...         registry.add("flat", lambda lr0: (lambda epoch: lr0),
        ...                      example=lambda rng: (lambda epoch: 0.5, [(0, 0.5), (9, 0.5)]))
        >>> pm.register(Shift(), name="demo")
        'demo'
        >>> print(check_component("schedules", "flat", plugin_manager=pm).summary())
        4 checks: 4 passed, 0 failed, 0 skipped
    """
    pm = plugin_manager or get_plugin_manager()
    component = pm.registry(family).get(name)
    return _check(component, checks, _options(examples, seed, max_error))


def _check(component: Component, checks: Sequence[str] | None, opts: _Options) -> ConformanceReport:
    names = list(checks) if checks is not None else list(_checks_of(component.family))
    return ConformanceReport(
        [
            run_check(component, c, examples=opts.examples, seed=opts.seed, max_error=opts.max_error)
            for c in names
        ]
    )


def _resolve_plugin(
    plugin: Any, *, name: str | None, plugin_manager: PluginManager | None
) -> tuple[str, PluginManager]:
    """The plugin's name and a manager holding it.

    A name of a loaded plugin is looked up as is. A plugin object (or the dotted name of
    an importable module) that is not loaded is registered in a private manager with
    the built-in and installed plugins, so checking it changes nothing global.
    """
    pm = plugin_manager or get_plugin_manager()
    if isinstance(plugin, str):
        if plugin in pm.plugin_names():
            return plugin, pm
        import importlib

        try:
            module = importlib.import_module(plugin)
        except ModuleNotFoundError as err:
            if err.name is None or not plugin.startswith(err.name):
                raise PluginError(f"plugin module {plugin!r} failed to import: {err}") from err
            loaded = pm.plugin_names()
            raise ConfigError(
                f"no plugin named {plugin!r} is loaded{did_you_mean(plugin, loaded)} (loaded: "
                f"{', '.join(loaded) or 'none'}) and no module of that name can be imported; install the "
                "plugin, or give the dotted name of its module"
            ) from None
        except Exception as err:
            raise PluginError(
                f"plugin module {plugin!r} failed to import: {type(err).__name__}: {err}"
            ) from err
        return _resolve_plugin(module, name=name or plugin, plugin_manager=plugin_manager)
    for manager in (pm, PluginManager()):
        for loaded in manager.plugin_names():
            if manager.get_plugin(loaded) is plugin:  # e.g. an installed plugin's module
                return loaded, manager
    private = manager  # the fresh one: built-in and installed plugins, nothing run-time
    name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
    return private.register(plugin, name=name), private


def _components_of(pm: PluginManager, plugin: str, families: Sequence[str] | None) -> list[Component]:
    chosen = list(families) if families is not None else list(pm.families)
    for family in chosen:
        _checks_of(family)
    return [c for family in chosen for c in pm.registry(family).components() if c.plugin == plugin]


def check_plugin(
    plugin: Any,
    *,
    name: str | None = None,
    plugin_manager: PluginManager | None = None,
    families: Sequence[str] | None = None,
    components: Sequence[str] | None = None,
    examples: int = 3,
    seed: int = 0,
    max_error: float = GREAT,
) -> ConformanceReport:
    """Run every applicable check on every component a plugin registers.

    Args:
        plugin: the name of a loaded plugin (``"builtin"``, an entry-point name), a
            plugin object (a module or object with ``@mg.hookimpl`` hooks), or the
            dotted name of an importable plugin module. An object that is not loaded is
            checked in a private plugin manager (with the built-in and installed
            plugins, so a name clash with them raises
            :class:`~minigrad.RegistrationError` naming both plugins).
        name: the name to give a plugin object (default: its ``__name__``).
        plugin_manager: the manager to look plugins up in (default: the process-wide one).
        families: only components of these families.
        components: only components of these names.
        examples, seed, max_error: as in :func:`check_component`.

    Example:
        >>> import types
        >>> import minigrad as mg
        >>> from minigrad.testing import check_plugin
        >>> @mg.hookimpl
        ... def minigrad_register_schedules(registry):
        ...     registry.add("halving", lambda lr0: (lambda epoch: lr0 * 0.5**epoch))
        >>> plugin = types.SimpleNamespace(minigrad_register_schedules=minigrad_register_schedules)
        >>> report = check_plugin(plugin, name="halving_plugin")
        >>> report.passed
        False
        >>> print(report.failures[0].message)
        plugin 'halving_plugin', schedule 'halving', check example: missing example: register it with
        example=lambda rng: (fn, [(epoch, expected_lr), ...]) with the expected values computed from
        the documented formula so the kit can check it without knowing it
    """
    opts = _options(examples, seed, max_error)
    plugin_name, pm = _resolve_plugin(plugin, name=name, plugin_manager=plugin_manager)
    report = ConformanceReport()
    for component in _components_of(pm, plugin_name, families):
        if components is None or component.name in components:
            report.extend(_check(component, None, opts))
    return report


# ----------------------------------------------------------------- pytest glue
@dataclass(frozen=True)
class ConformanceCase:
    """One pytest test of the conformance kit: one check of one component.

    The pytest plugin parametrizes tests made by :func:`conformance_tests` with these;
    :meth:`run` fails or skips the running test with the check's message.

    Example:
        >>> import minigrad as mg
        >>> from minigrad.testing import ConformanceCase
        >>> target = mg.component("schedules", "exponential")
        >>> case = ConformanceCase("builtin", "schedules", "exponential", "formula", target=target)
        >>> case.id
        'schedules-exponential-formula'
        >>> result = case.result()
        >>> result.status, result.message.split(":")[0]
        ('passed', "plugin 'builtin', schedule 'exponential', check formula")
    """

    plugin: str
    family: str
    component: str
    check: str
    target: Component | None = None
    options: _Options = field(default_factory=_Options)
    error: str | None = None  # a problem found while collecting (the test fails with it)

    @property
    def id(self) -> str:
        """The pytest id, ``family-component-check``."""
        return f"{self.family}-{self.component}-{self.check}"

    def result(self) -> CheckResult:
        """Run the check and return its result."""
        if self.error is not None or self.target is None:
            return CheckResult(
                self.plugin, self.family, self.component, self.check, FAILED, None, str(self.error)
            )
        o = self.options
        return run_check(self.target, self.check, examples=o.examples, seed=o.seed, max_error=o.max_error)

    def run(self) -> CheckResult:
        """Run the check inside a pytest test: fail or skip the test accordingly."""
        import pytest

        result = self.result()
        if result.status == FAILED:
            pytest.fail(result.message, pytrace=False)
        if result.status == SKIPPED:
            pytest.skip(result.message)
        return result


def conformance_cases(
    plugin: Any,
    *,
    name: str | None = None,
    families: Sequence[str] | None = None,
    examples: int = 3,
    seed: int = 0,
    max_error: float = GREAT,
) -> list[ConformanceCase]:
    """The (component, check) cases of a plugin, without running them.

    A plugin that cannot be loaded (unknown name, a name clash, a crashing hook) gives
    one case that fails with the reason, so a test run reports it as a test failure.

    Example:
        >>> import types
        >>> import minigrad as mg
        >>> from minigrad.testing import conformance_cases
        >>> @mg.hookimpl
        ... def minigrad_register_schedules(registry):
        ...     registry.add("halving", lambda lr0: (lambda epoch: lr0 * 0.5**epoch))
        >>> plugin = types.SimpleNamespace(minigrad_register_schedules=minigrad_register_schedules)
        >>> for case in conformance_cases(plugin, name="halving_plugin"):
        ...     print(case.id)
        schedules-halving-example
        schedules-halving-finite_positive
        schedules-halving-pure
        schedules-halving-formula
    """
    label = name or (plugin if isinstance(plugin, str) else getattr(plugin, "__name__", None))
    label = str(label or type(plugin).__name__)
    try:
        opts = _options(examples, seed, max_error)
        plugin_name, pm = _resolve_plugin(plugin, name=name, plugin_manager=None)
        components = _components_of(pm, plugin_name, families)
    except MinigradError as err:
        message = (
            f"plugin {label!r} could not be loaded for its conformance tests: {type(err).__name__}: {err}"
        )
        return [ConformanceCase(label, "plugin", label, "load", error=message)]
    return [
        ConformanceCase(plugin_name, c.family, c.name, check, c, opts)
        for c in components
        for check in _checks_of(c.family)
    ]


@dataclass(frozen=True)
class _ConformanceSpec:
    """What :func:`conformance_tests` asked for; the pytest plugin expands it into cases."""

    plugin: Any
    name: str | None
    families: tuple[str, ...] | None
    examples: int
    seed: int
    max_error: float

    def cases(self, **overrides: Any) -> list[ConformanceCase]:
        options = {"examples": self.examples, "seed": self.seed, "max_error": self.max_error}
        options.update({k: v for k, v in overrides.items() if v is not None})
        return conformance_cases(self.plugin, name=self.name, families=self.families, **options)


def conformance_tests(
    plugin: Any,
    *,
    name: str | None = None,
    families: Sequence[str] | None = None,
    examples: int = 3,
    seed: int = 0,
    max_error: float = GREAT,
) -> Callable[..., Any]:
    """A pytest test function that runs the kit on ``plugin``, one test per component
    and check. Assign it to a ``test_`` name in a test module::

        from minigrad.testing import conformance_tests

        test_my_plugin = conformance_tests("my_plugin")

    ``plugin`` is what :func:`check_plugin` takes: the name of a loaded plugin (an
    installed distribution's entry-point name), the dotted name of a plugin module,
    or the plugin object. minigrad's pytest plugin (loaded automatically through the
    ``pytest11`` entry point) parametrizes the test with ids
    ``family-component-check``; its options ``--minigrad-examples``,
    ``--minigrad-seed`` and ``--minigrad-max-error`` override the arguments here.
    A failing test's message names the plugin, the component, the input and the
    relative error. (With ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` set, load the pytest plugin
    explicitly: ``pytest -p minigrad_pytest``.)

    Example:
        >>> from minigrad.testing import conformance_tests
        >>> test_builtin = conformance_tests("builtin")
        >>> test_builtin.__name__
        'test_conformance'
    """
    spec = _ConformanceSpec(
        plugin, name, tuple(families) if families is not None else None, examples, seed, max_error
    )

    def test_conformance(minigrad_case: ConformanceCase) -> None:
        """One check of one component of the plugin (parametrized by minigrad's pytest plugin)."""
        __tracebackhide__ = True
        minigrad_case.run()

    test_conformance.minigrad_conformance = spec  # type: ignore[attr-defined]
    return test_conformance
