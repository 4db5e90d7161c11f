"""A bad ``axis`` of a reduction names the op, the axis and the tensor's dimensions."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

REDUCTIONS = ["sum", "mean", "max", "min", "var", "std"]
PRIMITIVES = ["sum", "mean", "max", "min"]  # minigrad.ops functions (var and std are methods)


@pytest.mark.parametrize("op", REDUCTIONS)
@pytest.mark.parametrize("axis", [2, -3, (0, 2)])
def test_an_axis_out_of_range_names_the_op(op, axis):
    x = mg.Tensor(np.ones((2, 3)))
    with pytest.raises(mg.ShapeError) as caught:
        getattr(x, op)(axis=axis)
    message = str(caught.value)
    bad = axis if isinstance(axis, int) else 2
    assert message.startswith(f"{op}: axis {bad} is out of range for a 2-d tensor")
    assert "(2, 3)" in message and "[-2, 1]" in message


@pytest.mark.parametrize("op", PRIMITIVES)
def test_the_module_functions_name_the_op_too(op):
    with pytest.raises(mg.ShapeError, match=rf"^{op}: axis 1 is out of range for a 1-d tensor"):
        getattr(mg.ops, op)(mg.Tensor(np.ones(3)), axis=1)


@pytest.mark.parametrize("op", REDUCTIONS)
def test_an_axis_named_twice_names_the_op(op):
    x = mg.Tensor(np.ones((2, 3)))
    with pytest.raises(mg.ShapeError, match=rf"^{op}: axis \(0, -2\) names an axis twice"):
        getattr(x, op)(axis=(0, -2))


@pytest.mark.parametrize("op", REDUCTIONS)
@pytest.mark.parametrize("axis", [1.0, "0", True, (0, 1.5)])
def test_an_axis_that_is_not_an_int_names_the_op(op, axis):
    x = mg.Tensor(np.ones((2, 3)))
    with pytest.raises(mg.DTypeError, match=rf"^{op}: axis={axis!r}".replace("(", r"\(").replace(")", r"\)")):
        getattr(x, op)(axis=axis)


def test_numpy_integer_axes_still_work():
    x = mg.Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.sum(axis=np.int64(1)).data, [3.0, 12.0])
    np.testing.assert_array_equal(x.max(axis=(np.int32(0), 1)).data, 5.0)
