"""Trainable building blocks: :class:`Parameter`, :class:`Module`, :class:`Sequential`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from minigrad.errors import ConfigError, DTypeError, MinigradError, StateDictError
from minigrad.tensor import Tensor, _as_array, _get_switches, _mark_changed

__all__ = ["Module", "Parameter", "Sequential", "StateDictKeys"]

# Bumped whenever an attribute of any module is set or deleted and on train()/eval():
# a Sequential keeps its fusion plan while this number stays the same.
_structure_version = 0


class Parameter(Tensor):
    """A tensor a :class:`Module` owns and an optimizer updates in place.

    It requires a gradient (set ``requires_grad = False`` to freeze it: then build the
    optimizer on the others) and holds a private copy of the data it is given, converted
    to ``dtype`` when one is given. ``name`` labels it in error reports.
    ``regularize=False`` exempts it from weight penalties by default (biases,
    batch-norm parameters).

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> w = mg.Parameter(np.zeros((2, 3)))
        >>> w.requires_grad, w.shape
        (True, (2, 3))
    """

    __slots__ = ("regularize",)
    _noun = "parameter"

    def __init__(
        self, data: Any, *, dtype: Any = None, name: str | None = None, regularize: bool = True
    ) -> None:
        super().__init__(np.array(_as_array(data, dtype, "Parameter")), True, name=name)
        #: Whether weight penalties (L2, L1, ...) apply to it by default: True for
        #: weights, False for biases and batch-norm scales and shifts.
        self.regularize = regularize

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("Tensor") :]


class StateDictKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` could not match: keys the model has but the
    state dict lacks (``missing``), and keys the state dict has but the model lacks
    (``unexpected``).

    Example:
        >>> from minigrad.module import StateDictKeys
        >>> StateDictKeys(["w"], []).missing
        ['w']
    """

    missing: list[str]
    unexpected: list[str]


class _SetByInit:
    """Class-level stand-in for an attribute ``Module.__init__`` sets on the instance.

    The instance's own value shadows it; it is reached only when ``__init__`` did not
    run, and then raises the error that says so. (A ``__getattr__`` on Module would do
    the same but slow down every attribute read of every layer.)
    """

    def __get__(self, module: Any, owner: type) -> Any:
        if module is None:
            return self
        raise _missing_init(module)


def _missing_init(module: Module) -> MinigradError:
    return MinigradError(
        f"{type(module).__name__}: Module.__init__ was not called; call super().__init__() "
        "at the top of __init__, before assigning attributes"
    )


class Module:
    """Base class of layers and models.

    Assigning a :class:`Parameter` or another ``Module`` to an attribute registers it,
    so :meth:`parameters`, :meth:`named_parameters`, :meth:`state_dict` and
    :meth:`train`/:meth:`eval` reach it. Arrays that are state but not trained
    (batch norm's running statistics) are registered with :meth:`register_buffer`.
    Subclasses implement :meth:`forward`; call the module itself to run it.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> class Affine(mg.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.w = mg.Parameter(np.ones((2, 1)))
        ...         self.b = mg.Parameter(np.zeros(1))
        ...     def forward(self, x):
        ...         return x @ self.w + self.b
        >>> model = Affine()
        >>> [name for name, _ in model.named_parameters()]
        ['w', 'b']
        >>> model(mg.Tensor([[1.0, 2.0]]))
        Tensor([[3.]], requires_grad=True)
    """

    _parameters = _SetByInit()
    _modules = _SetByInit()
    _buffers = _SetByInit()
    training = _SetByInit()

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        global _structure_version
        if "_parameters" not in self.__dict__:
            raise _missing_init(self)
        params, modules, buffers = self._parameters, self._modules, self._buffers
        try:
            if isinstance(value, Parameter):
                modules.pop(name, None)
                buffers.pop(name, None)
                params[name] = value
            elif isinstance(value, Module):
                params.pop(name, None)
                buffers.pop(name, None)
                modules[name] = value
            else:  # a plain value; a registered buffer stays registered when reassigned
                if name in params and value is not None:
                    raise TypeError(
                        f"{type(self).__name__}.{name} is a parameter: assigning a "
                        f"{type(value).__name__} would take it out of the model (no longer trained "
                        f"nor saved); assign an mg.Parameter, change its values in place "
                        f"(`with mg.no_grad(): module.{name} -= ...`), or assign None to remove it"
                    )
                if isinstance(value, list | tuple | dict):
                    _refuse_hidden_members(self, name, value)
                params.pop(name, None)
                modules.pop(name, None)
            object.__setattr__(self, name, value)
        finally:  # after the change: a plan made meanwhile still sees a new version
            _structure_version += 1

    def __delattr__(self, name: str) -> None:
        global _structure_version
        try:
            for registry in (self._parameters, self._modules, self._buffers):
                registry.pop(name, None)
            object.__delattr__(self, name)
        finally:
            _structure_version += 1

    def register_buffer(self, name: str, array: np.ndarray) -> None:
        """Register a non-trained array (saved in :meth:`state_dict`) as attribute ``name``.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> m = mg.Module()
            >>> m.register_buffer("running_mean", np.zeros(3))
            >>> list(m.state_dict())
            ['running_mean']
        """
        self.__setattr__(name, array)
        self._buffers[name] = None

    #: Optional fusion hook, None here. A layer class may define a method
    #: ``fuse_next(self, following) -> Callable | None``: given the layer that comes
    #: right after it in a :class:`Sequential`, it returns a function computing
    #: ``following(self(x))`` in one step (one graph node instead of two, the same
    #: numbers), or None to run the two layers one after the other. The function may
    #: have a ``fuse_next`` of its own, of the same form, to take in the layer after
    #: those too (the built-in ``dense`` layer fuses a whole run of ``dense`` and
    #: ``relu`` layers into one node this way). Sequential works its fusions out once
    #: and keeps them until an attribute of any module is set or deleted (replacing a
    #: layer, or a layer's ``forward``, takes effect at the next call) or
    #: :meth:`train`/:meth:`eval` is called; under :func:`~minigrad.detect_anomaly` it
    #: never fuses, so every layer is named.
    fuse_next: Any = None

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; subclasses override this."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        anomaly = _get_switches()[2]  # detect_anomaly's detector, or None
        if anomaly is None:
            return self.forward(*args, **kwargs)
        return anomaly.call_module(self, args, kwargs)  # detect_anomaly: track the running layer

    # -------------------------------------------------------------- traversal
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """Yield ``(dotted_name, module)`` for this module and every submodule.

        Example:
            >>> import minigrad as mg
            >>> seq = mg.Sequential(mg.Module(), mg.Sequential(mg.Module()))
            >>> [name for name, _ in seq.named_modules()]
            ['', '0', '1', '1.0']
        """
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def children(self) -> Iterator[Module]:
        """The direct submodules, in registration order.

        Example:
            >>> import minigrad as mg
            >>> len(list(mg.Sequential(mg.Module(), mg.Module()).children()))
            2
        """
        yield from self._modules.values()

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted_name, parameter)`` for every parameter, each once.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> inner = mg.Module(); inner.w = mg.Parameter(np.ones(2))
            >>> [n for n, _ in mg.Sequential(inner).named_parameters()]
            ['0.w']
        """
        seen: set[int] = set()
        for prefix, module in self.named_modules():
            for name, param in module._parameters.items():
                if id(param) not in seen:
                    seen.add(id(param))
                    yield (f"{prefix}.{name}" if prefix else name), param

    def parameters(self) -> list[Parameter]:
        """Every parameter of this module and its submodules, in a stable order.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> m = mg.Module(); m.w = mg.Parameter(np.ones(2))
            >>> len(m.parameters())
            1
        """
        return [param for _, param in self.named_parameters()]

    def zero_grad(self, *, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: drop it (``.grad`` becomes None, the default,
        as in PyTorch 2 and :meth:`Optimizer.zero_grad <minigrad.Optimizer.zero_grad>`), or
        with ``set_to_none=False`` fill the existing buffers with zeros.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> m = mg.Module(); m.w = mg.Parameter(np.ones(2))
            >>> (m.w * 2).sum().backward(); m.zero_grad(); m.w.grad is None
            True
            >>> (m.w * 2).sum().backward(); m.zero_grad(set_to_none=False); m.w.grad
            array([0., 0.])
        """
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            else:
                param.zero_grad()

    # ------------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batch norm uses batch statistics) here and
        in every submodule; returns ``self``.

        Example:
            >>> import minigrad as mg
            >>> mg.Sequential(mg.Module()).train(False).training
            False
        """
        global _structure_version
        for _, module in self.named_modules():
            object.__setattr__(module, "training", bool(mode))
        _structure_version += 1  # a layer may fuse differently in each mode
        return self

    def astype(self, dtype: Any) -> Module:
        """Convert every parameter and float buffer, here and in every submodule, to the
        float dtype ``dtype`` (e.g. ``np.float32``) in place; returns ``self``.

        Gradients are dropped. Build optimizers after converting: their state keeps the
        dtype it was made with.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> model = mg.Sequential(mg.layer("dense", 2, 3, rng=0), mg.layer("batch_norm", 3))
            >>> model.astype(np.float32)[1].running_var.dtype, model(np.ones((4, 2), np.float32)).dtype
            (dtype('float32'), dtype('float32'))
        """
        global _structure_version
        target = np.dtype(dtype)
        if target.kind != "f":
            raise DTypeError(
                f"Module.astype({dtype!r}): models hold float parameters; pass np.float32 or np.float64"
            )
        for _, module in self.named_modules():
            for p in module._parameters.values():
                p.data, p.grad = p.data.astype(target), None
            for name in module._buffers:
                value = module.__dict__.get(name)
                if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                    object.__setattr__(module, name, value.astype(target))
        _structure_version += 1  # fusions depend on the weights' dtypes
        return self

    def eval(self) -> Module:
        """Set evaluation mode, i.e. ``train(False)``; returns ``self``.

        Example:
            >>> import minigrad as mg
            >>> mg.Module().eval().training
            False
        """
        return self.train(False)

    # ------------------------------------------------------------- state dict
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, by dotted name.

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> m = mg.Module(); m.w = mg.Parameter(np.ones(2))
            >>> m.state_dict()
            {'w': array([1., 1.])}
        """
        state: dict[str, np.ndarray] = {}
        for prefix, module in self.named_modules():
            dot = f"{prefix}." if prefix else ""
            for name, param in module._parameters.items():
                state[dot + name] = param.data.copy()
            for name in module._buffers:
                state[dot + name] = np.array(getattr(module, name), copy=True)
        return state

    def load_state_dict(self, state: dict[str, Any], *, strict: bool = True) -> StateDictKeys:
        """Copy arrays from ``state`` into the parameters and buffers, in place.

        Every problem is reported at once: missing keys, unexpected keys (both allowed
        with ``strict=False``, which loads the keys that match) and entries whose shape
        or dtype differs (always an error). Nothing is loaded when there is an error.

        Returns:
            :class:`StateDictKeys` with the ``missing`` and ``unexpected`` keys (empty
            lists after a strict load).

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> m = mg.Module(); m.w = mg.Parameter(np.ones(2))
            >>> m.load_state_dict({"w": np.array([3.0, 4.0])})
            StateDictKeys(missing=[], unexpected=[])
            >>> m.w.data
            array([3., 4.])
            >>> try:
            ...     m.load_state_dict({"w": np.ones(3), "v": np.ones(1)})
            ... except mg.StateDictError as err:
            ...     print(*str(err).split("; "), sep="|")
            load_state_dict into Module: unexpected keys ['v']|w: shape (3,) in the state dict but
            (2,) in the model
        """
        targets: dict[str, tuple[Module, str, bool]] = {}
        for prefix, module in self.named_modules():
            dot = f"{prefix}." if prefix else ""
            for name in module._parameters:
                targets[dot + name] = (module, name, True)
            for name in module._buffers:
                targets[dot + name] = (module, name, False)
        problems = []
        missing = [k for k in targets if k not in state]
        unexpected = [k for k in state if k not in targets]
        if missing and strict:
            problems.append(f"missing keys {missing}")
        if unexpected and strict:
            problems.append(f"unexpected keys {unexpected}")
        arrays = {}
        for key, (module, name, is_param) in targets.items():
            if key not in state:
                continue
            current = getattr(module, name)
            current = current.data if is_param else np.asarray(current)
            new = np.asarray(state[key])
            if new.shape != current.shape:
                problems.append(
                    f"{key}: shape {new.shape} in the state dict but {current.shape} in the model"
                )
            elif new.dtype != current.dtype:
                fix = (
                    f"convert the model first: model.astype(np.{new.dtype})"
                    if new.dtype.kind == "f" and current.dtype.kind == "f"
                    else f"convert the array first: state[{key!r}].astype(np.{current.dtype})"
                )
                problems.append(
                    f"{key}: dtype {new.dtype} in the state dict but {current.dtype} in the model ({fix})"
                )
            else:
                arrays[key] = new
        if problems:
            raise StateDictError(f"load_state_dict into {type(self).__name__}: " + "; ".join(problems))
        for key, new in arrays.items():
            module, name, is_param = targets[key]
            if is_param:
                param = getattr(module, name)
                param.data[...] = new
                _mark_changed(param)
            else:
                object.__setattr__(module, name, np.array(new, copy=True))
        return StateDictKeys(missing, unexpected)

    def extra_repr(self) -> str:
        """One line describing this module's options, shown by ``repr``."""
        return ""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_repr}")
        if len(lines) == 1:
            return lines[0] + ")"
        return "\n".join(lines) + "\n)"


class Sequential(Module):
    """Modules applied one after the other; child ``i`` is named ``"i"``.

    Indexing returns a layer (or a new ``Sequential`` for a slice), ``len`` counts them.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> class Double(mg.Module):
        ...     def forward(self, x):
        ...         return x * 2
        >>> model = mg.Sequential(Double(), Double())
        >>> model(mg.Tensor([1.0]))
        Tensor([4.])
    """

    #: ``(structure version, steps)`` from :func:`_fusion_plan`, set at the first call.
    _plan: Any = None

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        for index, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise MinigradError(
                    f"Sequential: item {index} is a {type(layer).__name__}, not a Module; "
                    "pass layers such as mg.layer('dense', 4, 8)"
                )
            setattr(self, str(index), layer)

    def append(self, layer: Module) -> Sequential:
        """Add ``layer`` at the end; returns ``self``.

        Example:
            >>> import minigrad as mg
            >>> len(mg.Sequential().append(mg.Module()))
            1
        """
        if not isinstance(layer, Module):
            raise MinigradError(
                f"Sequential.append: got a {type(layer).__name__}, not a Module; "
                "pass a layer such as mg.layer('dense', 4, 8)"
            )
        setattr(self, str(len(self._modules)), layer)
        return self

    def forward(self, x: Any) -> Any:
        if _get_switches()[2] is not None:  # detect_anomaly: every layer through __call__
            steps = tuple((layer, None, (i, i + 1)) for i, layer in enumerate(self._modules.values()))
        else:
            plan = self._plan
            if plan is None or plan[0] != _structure_version:
                plan = _fusion_plan(self)
            steps = plan[1]
        i = 0
        try:
            for call, layer, _ in steps:
                x = call(x) if layer is None else layer.forward(x)
                i += 1
        except Exception as err:
            start, stop = steps[i][2]
            layers = tuple(self._modules.values())
            err.add_note(_layer_note(start, layers[start], stop))
            raise
        if not steps and not isinstance(x, Tensor):  # no layers: the input, as a Tensor like any output
            x = Tensor(x)
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Module:
        layers = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*layers[index])
        try:
            return layers[index]
        except IndexError:
            count = len(layers)
            valid = f"indices {-count} to {count - 1}" if count else "it is empty"
            raise IndexError(
                f"Sequential[{index}]: the model has {count} layer{'s' if count != 1 else ''} ({valid})"
            ) from None


_module_call = Module.__call__


def _refuse_hidden_members(module: Module, name: str, value: list | tuple | dict) -> None:
    """A container of modules or parameters would hide them from ``parameters()``,
    optimizers and ``state_dict()``: training would skip them and saving would lose them."""
    items = value.values() if isinstance(value, dict) else value
    kinds = sorted({type(item).__name__ for item in items if isinstance(item, Module | Parameter)})
    if kinds:
        raise ConfigError(
            f"{type(module).__name__}.{name}: a {type(value).__name__} holding {' and '.join(kinds)} objects "
            "would not be registered (optimizers would not train them, state_dict would not save them); "
            f"use mg.Sequential(*layers) for a chain, or assign each to an attribute of its own "
            f"(setattr(self, f'{name}{{i}}', item))"
        )


def _fusion_plan(seq: Sequential) -> tuple[int, tuple]:
    """How ``seq`` runs its layers, stored on it: ``(version, steps)``.

    Each step is ``(call, layer, (start, stop))`` for the layers ``start:stop``: a fused
    function from :attr:`Module.fuse_next` (``layer`` None), or one layer run through its
    ``forward`` (``call`` None; Module's ``__call__`` only adds the anomaly hook, so the
    extra frame is skipped), or through ``__call__`` when its class defines its own.
    """
    version = _structure_version  # read first: a change while planning forces a new plan
    layers = tuple(seq._modules.values())
    steps = []
    i, count = 0, len(layers)
    while i < count:
        layer = layers[i]
        if type(layer).__call__ is _module_call:
            call, direct = None, layer
        else:
            call, direct = layer, None
        stop = i + 1
        fuse = layer.fuse_next
        while fuse is not None and stop < count:
            fused = fuse(layers[stop])
            if fused is None:
                break
            call, direct = fused, None
            stop += 1
            fuse = getattr(fused, "fuse_next", None)
        steps.append((call, direct, (i, stop)))
        i = stop
    plan = (version, tuple(steps))
    object.__setattr__(seq, "_plan", plan)  # not through __setattr__: no version bump
    return plan


def _layer_note(index: int, layer: Module, stop: int | None = None) -> str:
    """Where an exception came from: the layer's position, class and registering plugin
    (and, for layers run fused, the whole run)."""
    cls = type(layer)
    origin = f"{cls.__module__}.{cls.__qualname__}"
    try:
        from minigrad.manager import get_plugin_manager

        registry = get_plugin_manager().registry("layers")
        for component in registry.components():
            if component.factory is cls:
                origin = f"layer {component.name!r} from plugin {component.plugin!r}, {origin}"
                break
    except Exception:  # a broken plugin set must not hide the original error
        pass
    note = f"raised in Sequential layer {index}: {cls.__name__} ({origin})"
    if stop is not None and stop > index + 1:
        note += (
            f", run fused with the layers up to {stop - 1} as one node; under "
            "minigrad.detect_anomaly() each layer runs on its own"
        )
    return note
