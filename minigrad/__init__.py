"""minigrad: a small, fast, plugin-based reverse-mode autograd framework on NumPy.

Example:
    >>> import minigrad as mg
    >>> x = mg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> (x @ x).sum().backward()
    >>> x.grad
    array([[ 7., 11.],
           [ 9., 13.]])
"""

from minigrad import nn_functions, ops, tune
from minigrad.anomaly import AnomalyDetector, detect_anomaly
from minigrad.checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from minigrad.config import load_config, run_config
from minigrad.data import (
    EWMA,
    DataLoader,
    Normalizer,
    Split,
    compose_augmentations,
    ewma,
    load_dataset,
    minibatches,
    split,
)
from minigrad.diagnose import Diagnosis, diagnose
from minigrad.errors import (
    AnomalyError,
    BackwardError,
    ConfigError,
    DTypeError,
    InvalidGradientError,
    MinigradError,
    MissingExtraError,
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
    optimizer,
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
from minigrad.optim import Optimizer
from minigrad.plots import (
    plot_decision_boundary,
    plot_gradient_norms,
    plot_hyperparameter_scatter,
    plot_learning_curves,
    plot_schedule,
)
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
from minigrad.train import (
    Ensemble,
    GradientWarning,
    History,
    Trainer,
    evaluate,
    fit,
    fit_ensemble,
    predict,
    predict_proba,
)

# The one place the version lives: pyproject.toml reads this literal without importing
# minigrad ([tool.setuptools.dynamic]), so it stays a plain string.
__version__ = "0.1.0"

__all__ = [
    "EWMA",
    "AnomalyDetector",
    "AnomalyError",
    "BackwardError",
    "Checkpoint",
    "CheckpointError",
    "Component",
    "ConfigError",
    "Context",
    "DTypeError",
    "DataLoader",
    "Diagnosis",
    "Ensemble",
    "Function",
    "GradcheckError",
    "GradcheckReport",
    "GradientWarning",
    "History",
    "InvalidGradientError",
    "MinigradError",
    "MissingExtraError",
    "Module",
    "Normalizer",
    "Optimizer",
    "Parameter",
    "PluginError",
    "PluginInfo",
    "PluginManager",
    "RandomTape",
    "RegistrationError",
    "Registry",
    "Sequential",
    "ShapeError",
    "Split",
    "StateDictError",
    "Tensor",
    "Trainer",
    "UnknownComponentError",
    "__version__",
    "assert_gradcheck",
    "augmentation",
    "callback",
    "component",
    "components",
    "compose_augmentations",
    "concatenate",
    "dataset",
    "detect_anomaly",
    "diagnose",
    "draw_random",
    "enable_grad",
    "evaluate",
    "ewma",
    "fit",
    "fit_ensemble",
    "get_default_dtype",
    "get_plugin_manager",
    "gradcheck",
    "hookimpl",
    "initializer",
    "is_grad_enabled",
    "layer",
    "load_checkpoint",
    "load_config",
    "load_dataset",
    "loss",
    "maximum",
    "minibatches",
    "minimum",
    "nn_functions",
    "no_grad",
    "ops",
    "optimizer",
    "plot_decision_boundary",
    "plot_gradient_norms",
    "plot_hyperparameter_scatter",
    "plot_learning_curves",
    "plot_schedule",
    "predict",
    "predict_proba",
    "register_plugin",
    "regularizer",
    "reset_plugin_manager",
    "run_config",
    "save_checkpoint",
    "schedule",
    "set_default_dtype",
    "split",
    "stack",
    "tune",
    "unbroadcast",
    "unregister_plugin",
    "where",
]
