"""minigrad: a small, fast, plugin-based reverse-mode autograd framework on NumPy.

Example:
    >>> import minigrad as mg
    >>> x = mg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> (x @ x).sum().backward()
    >>> x.grad
    array([[ 7., 11.],
           [ 9., 13.]])
"""

from minigrad import ops
from minigrad.errors import (
    BackwardError,
    ConfigError,
    DTypeError,
    InvalidGradientError,
    MinigradError,
    PluginError,
    RegistrationError,
    ShapeError,
    StateDictError,
    UnknownComponentError,
)
from minigrad.factories import (
    augmentation,
    callback,
    dataset,
    initializer,
    layer,
    loss,
    regularizer,
    schedule,
)
from minigrad.function import Context, Function, unbroadcast
from minigrad.gradcheck import GradcheckError, GradcheckReport, assert_gradcheck, gradcheck
from minigrad.hookspecs import hookimpl
from minigrad.manager import (
    PluginInfo,
    PluginManager,
    component,
    components,
    get_plugin_manager,
    register_plugin,
    reset_plugin_manager,
    unregister_plugin,
)
from minigrad.module import Module, Parameter, Sequential
from minigrad.ops import concatenate, maximum, minimum, stack, where
from minigrad.randomness import RandomTape, draw_random
from minigrad.registry import Component, Registry
from minigrad.tensor import (
    Tensor,
    enable_grad,
    get_default_dtype,
    is_grad_enabled,
    no_grad,
    set_default_dtype,
)

__version__ = "0.1.0"

__all__ = [
    "BackwardError",
    "Component",
    "ConfigError",
    "Context",
    "DTypeError",
    "Function",
    "GradcheckError",
    "GradcheckReport",
    "InvalidGradientError",
    "MinigradError",
    "Module",
    "Parameter",
    "PluginError",
    "PluginInfo",
    "PluginManager",
    "RandomTape",
    "RegistrationError",
    "Registry",
    "Sequential",
    "ShapeError",
    "StateDictError",
    "Tensor",
    "UnknownComponentError",
    "__version__",
    "assert_gradcheck",
    "augmentation",
    "callback",
    "component",
    "components",
    "concatenate",
    "dataset",
    "draw_random",
    "enable_grad",
    "get_default_dtype",
    "get_plugin_manager",
    "gradcheck",
    "hookimpl",
    "initializer",
    "is_grad_enabled",
    "layer",
    "loss",
    "maximum",
    "minimum",
    "no_grad",
    "ops",
    "register_plugin",
    "regularizer",
    "reset_plugin_manager",
    "schedule",
    "set_default_dtype",
    "stack",
    "unbroadcast",
    "unregister_plugin",
    "where",
]
