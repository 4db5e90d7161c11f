"""The differentiable-op protocol: :class:`Function`, its :class:`Context`, and
:func:`unbroadcast`.

A primitive op is one ``Function`` subclass with two static methods::

    forward(ctx, *arrays, **options) -> ndarray      # NumPy in, NumPy out
    backward(ctx, grad_output) -> ndarray | tuple     # one gradient per input

``backward`` reads only what ``forward`` saved on ``ctx``. After every backward
the engine checks each returned gradient against its input's shape and dtype
and raises :class:`~minigrad.InvalidGradientError` naming the Function, the
input position and both shapes.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from minigrad.errors import DTypeError, MinigradError, ShapeError
from minigrad.tensor import _UNCHANGED, Tensor, _get_switches, _next_sequence

__all__ = ["Context", "Function", "unbroadcast"]

ndarray = np.ndarray

_new_context = object.__new__


class Context:
    """What one application of a :class:`Function` remembers for its backward pass.

    ``forward`` stores arrays with :meth:`save_for_backward` (read back as
    :attr:`saved`) and may set any other attribute (``ctx.axis = 1``).
    :attr:`needs_input_grad` tells ``backward`` which inputs need a gradient, so it
    can skip the others by returning ``None`` for them.

    Example:
        >>> import minigrad as mg
        >>> class Square(mg.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         (x,) = ctx.saved
        ...         return 2.0 * x * grad          # d(x^2)/dx = 2x
        >>> x = mg.Tensor([3.0], requires_grad=True)
        >>> Square.apply(x).sum().backward()
        >>> x.grad
        array([6.])
    """

    __slots__ = ("__dict__", "fn", "freed", "needs_input_grad", "parents", "saved", "sequence")

    def __init__(self, fn: type[Function], parents: tuple, needs_input_grad: tuple):
        self.fn = fn
        self.parents = parents  # one entry per input: the Tensor if it needs a grad, else None
        self.needs_input_grad = needs_input_grad
        self.saved: tuple = ()
        self.freed = False
        # creation order, counting down: every node is created after the nodes of its
        # inputs, so the backward engine processes nodes from the lowest number up
        self.sequence = _next_sequence()

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep ``arrays`` for ``backward``; they come back, in order, as :attr:`saved`.

        Example:
            >>> import minigrad as mg
            >>> ctx = mg.Context(mg.Function, (), ())
            >>> ctx.save_for_backward(1, 2)
            >>> ctx.saved
            (1, 2)
        """
        self.saved = arrays

    def release(self) -> None:
        """Drop everything forward saved; a later backward through here is an error.

        Example:
            >>> import minigrad as mg
            >>> ctx = mg.Context(mg.Function, (), ())
            >>> ctx.release(); ctx.freed
            True
        """
        self.saved = ()
        self.__dict__.clear()
        self.freed = True


class _NoGradContext:
    """Stand-in ``ctx`` when no input needs a gradient: saving is a no-op."""

    __slots__ = ("__dict__",)
    needs_input_grad: tuple = ()
    saved: tuple = ()

    def save_for_backward(self, *arrays: Any) -> None:
        pass


class Function:
    """Base class of every differentiable op, built-in or from a plugin.

    Subclass it, write ``forward`` and ``backward`` as static methods, and call
    ``YourFunction.apply(*inputs, **options)``. Inputs that are :class:`Tensor`\\ s
    reach ``forward`` as their ndarrays; anything else (Python numbers, index
    arrays) is passed through untouched and treated as a constant. ``backward``
    returns one gradient per input (a bare array when there is one input), with
    ``None`` for constants or inputs whose ``ctx.needs_input_grad`` is False.

    A ``ValueError`` or ``IndexError`` raised by NumPy inside ``forward`` comes out
    as :class:`~minigrad.ShapeError` naming the Function and its input shapes.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> class Cube(mg.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x ** 3
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         (x,) = ctx.saved
        ...         return 3.0 * x ** 2 * grad      # d(x^3)/dx = 3x^2
        >>> x = mg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
        >>> Cube.apply(x).sum().backward()
        >>> x.grad
        array([ 3., 12.])
        >>> mg.gradcheck(Cube.apply, [x]).passed
        True
    """

    #: Name used in error messages; defaults to the class name.
    name: ClassVar[str | None] = None

    #: Set to True when ``backward`` always returns newly allocated arrays that nothing
    #: else references (not ``grad_output`` itself, not a view of it, not an array saved
    #: on ``ctx``, never the same array for two inputs). The engine then hands such a
    #: gradient to a leaf whose ``.grad`` is None without copying it, which saves a pass
    #: over every parameter's gradient per step. Leave it False when in doubt: a wrong
    #: True lets two ``.grad`` arrays share memory.
    owns_gradients: ClassVar[bool] = False

    @staticmethod
    def forward(ctx: Context, *args: Any, **options: Any) -> np.ndarray:
        """Compute the output from the input arrays; save what backward needs on ``ctx``."""
        raise NotImplementedError("subclasses of Function implement forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx: Context, grad_output: np.ndarray) -> Any:
        """Return the gradient of the loss with respect to each input of forward."""
        raise NotImplementedError("subclasses of Function implement backward(ctx, grad)")

    @classmethod
    def apply(cls, *inputs: Any, **options: Any) -> Tensor:
        """Run ``forward`` on ``inputs`` and, when gradients are needed, record the node.

        Example:
            >>> import minigrad as mg
            >>> from minigrad.ops import Exp
            >>> Exp.apply(mg.Tensor([0.0]))
            Tensor([1.])
        """
        enabled, promote64, anomaly = _get_switches()  # one context-variable lookup
        if enabled:
            # one pass over the inputs: their arrays, and which of them need a gradient
            arrays = []
            parents = []
            needs = []
            record = False
            for x in inputs:
                if isinstance(x, Tensor):
                    arrays.append(x.data)
                    if x.requires_grad:
                        record = True
                        parents.append(x)
                        needs.append(True)
                        continue
                else:
                    arrays.append(x)
                parents.append(None)
                needs.append(False)
            if record:
                # Context.__init__ inlined: a Python __init__ reached through type() costs
                # more than the stores themselves
                ctx = _new_context(Context)
                ctx.fn = cls
                ctx.parents = tuple(parents)
                ctx.needs_input_grad = tuple(needs)
                ctx.saved = ()
                ctx.freed = False
                ctx.sequence = _next_sequence()
            else:
                ctx = _NoGradContext()
        else:  # under no_grad (and gradcheck's evaluations): arrays only
            arrays = []  # (a loop: a list comprehension is a function call of its own)
            for x in inputs:
                arrays.append(x.data if isinstance(x, Tensor) else x)
            record = False
            ctx = _NoGradContext()
        try:
            out = cls.forward(ctx, *arrays, **options) if options else cls.forward(ctx, *arrays)
        except MinigradError:
            raise
        except (ValueError, IndexError) as err:
            shapes = ", ".join(str(np.shape(a)) for a in arrays)
            raise ShapeError(f"{cls.op_name()}: cannot apply to inputs of shapes {shapes}: {err}") from err
        except TypeError as err:  # e.g. an option of the wrong type (axis=1.5)
            types = ", ".join(type(a).__name__ for a in arrays)
            raise DTypeError(
                f"{cls.op_name()}: cannot apply to inputs of types ({types}) with options {options}: {err}"
            ) from err
        if type(out) is not ndarray:
            if isinstance(out, tuple) or (isinstance(out, list) and any(isinstance(o, ndarray) for o in out)):
                # several outputs: np.asarray would stack them silently
                raise MinigradError(
                    f"{cls.op_name()}: forward returned a {type(out).__name__} of {len(out)}, but a Function "
                    "has one output; return one array, or write one Function per output"
                )
            out = np.asarray(out)
        if promote64 and out.dtype is not _FLOAT64 and out.dtype.kind == "f":
            # inside gradcheck: see _promoted in minigrad.gradcheck
            out = out.astype(_FLOAT64)
        if anomaly is not None:
            anomaly.check_forward(cls, out, ctx, arrays)  # also records the layer on ctx
        result = Tensor.__new__(Tensor)
        result.data = out
        result.grad = None
        result.requires_grad = record
        result._ctx = ctx if record else None
        result.name = None
        result._changed_at = _UNCHANGED
        return result

    @classmethod
    def op_name(cls) -> str:
        """The name errors use for this op: :attr:`name` or the class name.

        Example:
            >>> from minigrad.ops import MatMul
            >>> MatMul.op_name()
            'matmul'
        """
        return cls.name or cls.__name__


_FLOAT64 = np.dtype(np.float64)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` back down to ``shape``, undoing NumPy broadcasting.

    Broadcasting copies an operand along new leading axes and along axes of length 1;
    the gradient of a copy is the sum over the copies.

    Example:
        >>> import numpy as np
        >>> from minigrad import unbroadcast
        >>> unbroadcast(np.ones((4, 2, 3)), (2, 1)).tolist()
        [[12.0], [12.0]]
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)
