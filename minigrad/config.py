"""Training configurations: a TOML file (or the built-in recipe) -> a trained model.

A configuration has these sections; every key has a default, the built-in recipe
(:data:`DEFAULT_CONFIG`), and a file only states what it changes::

    [data]          dataset = "spirals" + options = {n = 600, ...}, or path = "mine.csv"
                    (+ target = "label"); split = "auto" | [0.6, 0.2, 0.2]; stratify
                    (by class label; ignored for regression losses);
                    normalize; seed (of the dataset and the split)
    [model]         layers = [{type = "dense", units = 32, init = "he"}, {type = "relu"}, ...]
                    (any registered layer with its options; input sizes are inferred, and
                    the last dense layer may omit units: one per class)
    [training]      loss, epochs, batch_size, drop_last (of each epoch's smaller last
                    batch), clip_norm (gradient clipping), seed (initialization,
                    shuffling, dropout), human_error (for the bias/variance diagnosis)
    [optimizer]     name = "adam" + hyperparameters (lr = 0.01, beta1 = 0.9, ...)
    [schedule]      name = "inverse_time" + options (lr0 defaults to optimizer.lr); "none"
    [regularizer]   name = "l2" + options (lam = 0.5); "none"
    [[callbacks]]   name = "early_stopping" + options; ``callbacks = []`` for none

Tables merge key by key over the defaults, except that naming a different component
(``[optimizer] name = "sgd"``) starts that table afresh; lists (``layers``, ``callbacks``)
replace the default list. ``--set key=value`` overrides use dotted keys
(``optimizer.lr=0.01``, ``model.layers.0.units=64``) with TOML literal values.

Unknown keys and bad values raise :class:`~minigrad.ConfigError` naming the file, the
key, the value and the allowed values, with close-match suggestions.

Example:
    >>> from minigrad.config import load_config
    >>> config = load_config(overrides=["training.epochs=5", "optimizer.lr=0.02"])
    >>> config["training"]["epochs"], config["optimizer"]
    (5, {'name': 'adam', 'lr': 0.02})
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import inspect
import json
import math
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from minigrad.errors import ConfigError, MinigradError

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_CONFIG_TOML",
    "DEFAULT_SOURCE",
    "RUN_FILES",
    "Config",
    "Run",
    "RunResult",
    "build",
    "build_model",
    "dumps_toml",
    "load_config",
    "load_data",
    "load_model",
    "merge_config",
    "model_metadata",
    "parse_override",
    "run_config",
    "split_digest",
    "validate_config",
]

#: The built-in recipe, the course's practical method on an embedded dataset: split
#: 60/20/20, normalize, He initialization, mini-batch Adam, L2, learning-rate decay,
#: early stopping.
DEFAULT_CONFIG_TOML = """\
[data]
dataset = "spirals"
options = { n = 600, classes = 3, noise = 0.2 }
split = [0.6, 0.2, 0.2]
stratify = true
normalize = true
seed = 0

[model]
layers = [
    { type = "dense", units = 32, init = "he" },
    { type = "relu" },
    { type = "dense", units = 32, init = "he" },
    { type = "relu" },
    { type = "dense", init = "he" },
]

[training]
loss = "softmax_cross_entropy"
epochs = 300
batch_size = 64
seed = 0
human_error = 0.0

[optimizer]
name = "adam"
lr = 0.01

[schedule]
name = "inverse_time"
decay_rate = 0.01

[regularizer]
name = "l2"
lam = 0.1

[[callbacks]]
name = "early_stopping"
patience = 40
"""

#: :data:`DEFAULT_CONFIG_TOML` parsed: the nested dict every configuration is merged into.
DEFAULT_CONFIG: dict[str, Any] = tomllib.loads(DEFAULT_CONFIG_TOML)

_SECTIONS = ("data", "model", "training", "optimizer", "schedule", "regularizer", "callbacks")
_COMPONENT_SECTIONS = {"optimizer": "optimizers", "schedule": "schedules", "regularizer": "regularizers"}
_DATA_KEYS = ("dataset", "options", "path", "target", "split", "stratify", "normalize", "seed")
_TRAINING_KEYS = ("loss", "epochs", "batch_size", "drop_last", "clip_norm", "seed", "human_error")


# ------------------------------------------------------------------ errors
#: The :attr:`Config.source` of a configuration not read from a file, as error messages name it.
DEFAULT_SOURCE = "the built-in default config"


class Config(dict):
    """A validated configuration: a plain dict of sections, plus where it came from.

    Attributes:
        source: the file it was read from (or :data:`DEFAULT_SOURCE`).
        overridden: ``{dotted key: "key=value"}`` for every ``--set`` override, so later
            errors can say which override caused them.

    Example:
        >>> from minigrad.config import Config, load_config
        >>> config = load_config(overrides=["training.epochs=3"])
        >>> isinstance(config, Config), config["training"]["epochs"]
        (True, 3)
        >>> config.source, config.overridden
        ('the built-in default config', {'training.epochs': 'training.epochs=3'})
    """

    def __init__(self, *args: Any, source: str = DEFAULT_SOURCE, overridden: Mapping[str, str] | None = None):
        super().__init__(*args)
        self.source = source
        self.overridden = dict(overridden or {})


class _Where:
    """Formats errors that name the file, the key and (for overrides) the --set."""

    def __init__(self, source: str, overridden: Mapping[str, str] | None = None) -> None:
        self.source = source
        self.overridden = dict(overridden or {})

    @classmethod
    def of(cls, config: Any, source: str | None = None) -> _Where:
        if source is None and isinstance(config, Config):
            return cls(config.source, config.overridden)
        return cls(source or "<config>", getattr(config, "overridden", None))

    def prefix(self, key: str) -> str:
        """The file, or the --set override responsible for ``key``."""
        origin = next(
            (
                text
                for k, text in self.overridden.items()
                if k == key or k.startswith(key + ".") or key.startswith(k + ".")
            ),
            None,
        )
        if origin is None:
            return self.source
        return f"--set {origin}" if self.source == DEFAULT_SOURCE else f"{self.source} with --set {origin}"

    def error(
        self,
        key: str,
        value: Any,
        problem: str,
        *,
        allowed: Iterable[str] | None = None,
        match: str = "value",
        show_value: bool = True,
    ) -> ConfigError:
        """A ConfigError naming the source, ``key`` and ``value``; with ``allowed``, the
        allowed values and the close matches of the value (or of the key's last part)."""
        shown = f" = {_literal(value)}" if show_value else ""
        message = f"{self.prefix(key)}: {key}{shown}: {problem}"
        if allowed is not None:
            allowed = list(allowed)
            word = key.rsplit(".", 1)[-1] if match == "key" else str(value)
            close = difflib.get_close_matches(word, allowed, n=3, cutoff=0.5)
            if close:
                message += f"; did you mean {' or '.join(repr(c) for c in close)}?"
            message += f" (allowed: {', '.join(allowed) if allowed else 'none'})"
        return ConfigError(message)

    def wrap(self, key: str, err: MinigradError, *, note: str = "") -> ConfigError:
        """Re-raise a component's own error (which has the value and range) with the key."""
        return ConfigError(f"{self.prefix(key)}: {key}{note}: {err}")


def _literal(value: Any) -> str:
    try:
        return _toml_value(value)
    except ConfigError:
        return repr(value)


def _registry(family: str) -> Any:
    from minigrad.manager import get_plugin_manager

    return get_plugin_manager().registry(family)


def _component_name(where: _Where, key: str, value: Any, family: str, *, allow_none: bool = False) -> str:
    names = _registry(family).names()
    allowed = ([*names, "none"]) if allow_none else names
    kind = "loss" if family == "losses" else family.removesuffix("s")  # one of the family
    if not isinstance(value, str):
        raise where.error(key, value, f"expected the name of a registered {kind}", allowed=allowed)
    if value not in allowed:
        raise where.error(key, value, f"unknown {kind}", allowed=allowed)
    return value


def _parameters(factory: Callable) -> tuple[list[str], bool]:
    """The keyword names ``factory`` accepts, and whether it takes ``**kwargs``."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return [], True
    names, var_kw = [], False
    for p in signature.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            var_kw = True
        elif p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            names.append(p.name)
    return names, var_kw


def _check_options(
    where: _Where,
    prefix: str,
    options: Mapping[str, Any],
    factory: Callable,
    *,
    exclude: Iterable[str] = (),
    also: Iterable[str] = (),
) -> None:
    accepted, var_kw = _parameters(factory)
    excluded = set(exclude)
    allowed = [*also, *(n for n in accepted if n not in excluded)]
    for key, value in options.items():
        if key in excluded:
            raise where.error(f"{prefix}.{key}", value, "is set automatically; remove it")
        if key not in allowed and not var_kw:
            raise where.error(f"{prefix}.{key}", value, "unknown option", allowed=allowed, match="key")


def _table(where: _Where, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise where.error(key, value, f"expected a table, got a {_toml_type(value)}")
    return value


def _toml_type(value: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "float",
        str: "string",
        list: "array",
        dict: "table",
    }.get(type(value), type(value).__name__)


def _unknown_keys(where: _Where, prefix: str, table: Mapping[str, Any], known: Iterable[str]) -> None:
    known = list(known)
    for key in table:
        if key not in known:
            name = f"{prefix}.{key}" if prefix else key
            raise where.error(name, table[key], "unknown key", allowed=known, match="key")


def _int(where: _Where, key: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.error(key, value, f"expected an integer >= {minimum}, got a {_toml_type(value)}")
    if value < minimum:
        raise where.error(key, value, f"must be an integer >= {minimum}")
    return value


def _bool(where: _Where, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise where.error(key, value, f"expected true or false, got a {_toml_type(value)}")
    return value


def _fraction(where: _Where, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise where.error(key, value, "expected a number in [0, 1] (a fraction, e.g. 0.01 for 1%)")
    return float(value)


# --------------------------------------------------------------- validation
def _validate_data(where: _Where, data: dict[str, Any]) -> dict[str, Any]:
    _unknown_keys(where, "data", data, _DATA_KEYS)
    out: dict[str, Any] = {}
    if data.get("path") is not None:
        if not isinstance(data["path"], str) or not data["path"]:
            raise where.error("data.path", data["path"], "expected a file name (.npz or .csv)")
        for key in ("dataset", "options"):
            if data.get(key):
                raise where.error(
                    f"data.{key}", data[key], "cannot be combined with data.path; use one of them"
                )
        out["path"] = data["path"]
        target = data.get("target")
        if target is not None:
            if isinstance(target, bool) or not isinstance(target, str | int):
                raise where.error(
                    "data.target", target, "expected a column name, an array key or a column index"
                )
            out["target"] = target
    else:
        name = _component_name(where, "data.dataset", data.get("dataset"), "datasets")
        options = _table(where, "data.options", data.get("options", {}))
        _check_options(where, "data.options", options, _registry("datasets").get(name).factory)
        if data.get("target") is not None:
            raise where.error("data.target", data["target"], "applies to data.path files only")
        out["dataset"], out["options"] = name, dict(options)
    split = data.get("split", "auto")
    if split != "auto":
        ok = isinstance(split, list) and len(split) in (2, 3)
        ok = ok and all(isinstance(r, int | float) and not isinstance(r, bool) and r > 0 for r in split)
        if not ok or not math.isclose(sum(split), 1.0, abs_tol=1e-9):
            raise where.error(
                "data.split",
                split,
                'expected "auto" or 2-3 positive fractions summing to 1, e.g. [0.6, 0.2, 0.2]',
            )
        split = [float(r) for r in split]
    out["split"] = split
    out["stratify"] = _bool(where, "data.stratify", data.get("stratify", True))
    out["normalize"] = _bool(where, "data.normalize", data.get("normalize", True))
    out["seed"] = _int(where, "data.seed", data.get("seed", 0), minimum=0)
    return out


def _validate_layers(where: _Where, model: dict[str, Any]) -> dict[str, Any]:
    _unknown_keys(where, "model", model, ("layers",))
    layers = model.get("layers")
    if not isinstance(layers, list) or not layers:
        raise where.error(
            "model.layers", layers, 'expected a non-empty array of tables like {type = "dense", units = 32}'
        )
    registry = _registry("layers")
    with_units = [
        i
        for i, spec in enumerate(layers)
        if isinstance(spec, dict)
        and isinstance(spec.get("type"), str)
        and spec["type"] in registry
        and _layer_sizes(spec["type"])[1]
    ]
    out = []
    for i, spec in enumerate(layers):
        prefix = f"model.layers.{i}"
        spec = dict(_table(where, prefix, spec))
        kind = _component_name(where, f"{prefix}.type", spec.get("type"), "layers")
        options = {k: v for k, v in spec.items() if k != "type"}
        input_key, output_key = _layer_sizes(kind)
        if output_key:
            units = options.pop("units", None)
            if units is None and i != with_units[-1]:
                raise where.error(
                    f"{prefix}.units",
                    None,
                    f"missing: only the last {kind} layer (the last layer taking units) may leave units "
                    "out (it gets one per class)",
                    show_value=False,
                )
            if units is not None:
                _int(where, f"{prefix}.units", units, minimum=1)
                spec["units"] = units
        factory = registry.get(kind).factory
        _check_options(
            where,
            prefix,
            options,
            factory,
            exclude=tuple(key for key in (input_key, output_key, "rng") if key),
            also=("type", "units") if output_key else ("type",),
        )
        out.append(spec)
    return {"layers": out}


def _layer_sizes(kind: str) -> tuple[str | None, str | None]:
    """The factory options of layer ``kind`` that configuration files fill in: the one
    taking the incoming width (its ``input_size`` metadata) and the one setting its
    output width from the layer's ``units`` (``output_size``)."""
    metadata = _registry("layers").get(kind).metadata
    return metadata.get("input_size"), metadata.get("output_size")


def _validate_training(where: _Where, training: dict[str, Any]) -> dict[str, Any]:
    _unknown_keys(where, "training", training, _TRAINING_KEYS)
    out = dict(training)
    out["loss"] = _component_name(where, "training.loss", out.get("loss"), "losses")
    out["epochs"] = _int(where, "training.epochs", out.get("epochs"), minimum=1)
    out["batch_size"] = _int(where, "training.batch_size", out.get("batch_size"), minimum=1)
    out["drop_last"] = _bool(where, "training.drop_last", out.get("drop_last", False))
    clip = out.get("clip_norm")
    if clip is not None and (isinstance(clip, bool) or not isinstance(clip, int | float) or not clip > 0):
        raise where.error("training.clip_norm", clip, "expected a number > 0 (leave it out for no clipping)")
    out["seed"] = _int(where, "training.seed", out.get("seed"), minimum=0)
    out["human_error"] = _fraction(where, "training.human_error", out.get("human_error", 0.0))
    return out


def _validate_component(where: _Where, section: str, table: dict[str, Any]) -> dict[str, Any]:
    family = _COMPONENT_SECTIONS[section]
    allow_none = section != "optimizer"
    name = _component_name(where, f"{section}.name", table.get("name"), family, allow_none=allow_none)
    options = {k: v for k, v in table.items() if k != "name"}
    if name == "none":
        if options:
            key = next(iter(options))
            raise where.error(f"{section}.{key}", options[key], f'{section} is "none"; remove its options')
        return {"name": "none"}
    component = _registry(family).get(name)
    if section == "optimizer":
        defaults = component.metadata.get("defaults")
        accepted = list(defaults) if isinstance(defaults, dict) else _parameters(component.factory)[0]
        for key, value in options.items():
            if key not in accepted:
                raise where.error(
                    f"optimizer.{key}",
                    value,
                    f"unknown hyperparameter of '{name}'",
                    allowed=accepted,
                    match="key",
                )
    else:
        _check_options(where, section, options, component.factory)
    return {"name": name, **options}


def _validate_callbacks(where: _Where, callbacks: Any) -> list[dict[str, Any]]:
    if not isinstance(callbacks, list):
        raise where.error("callbacks", callbacks, "expected an array of tables ([[callbacks]] name = ...)")
    out = []
    for i, spec in enumerate(callbacks):
        prefix = f"callbacks.{i}"
        spec = dict(_table(where, prefix, spec))
        name = _component_name(where, f"{prefix}.name", spec.get("name"), "callbacks")
        options = {k: v for k, v in spec.items() if k != "name"}
        _check_options(where, prefix, options, _registry("callbacks").get(name).factory)
        out.append(spec)
    return out


def validate_config(
    config: Mapping[str, Any], *, source: str = "<config>", overridden: Mapping[str, str] | None = None
) -> Config:
    """Check a merged configuration (every section present) and return it normalized.

    Raises:
        ConfigError: naming ``source``, the dotted key, the value and the allowed values.

    Example:
        >>> from minigrad.config import DEFAULT_CONFIG, validate_config
        >>> validate_config(DEFAULT_CONFIG)["training"]["epochs"]
        300
    """
    where = _Where(source, overridden)
    _unknown_keys(where, "", config, _SECTIONS)
    out: dict[str, Any] = {}
    out["data"] = _validate_data(where, _table(where, "data", config.get("data", {})))
    out["model"] = _validate_layers(where, _table(where, "model", config.get("model", {})))
    out["training"] = _validate_training(where, _table(where, "training", config.get("training", {})))
    for section in _COMPONENT_SECTIONS:
        out[section] = _validate_component(where, section, _table(where, section, config.get(section, {})))
    out["callbacks"] = _validate_callbacks(where, config.get("callbacks", []))
    return Config(out, source=source, overridden=overridden)


# ---------------------------------------------------------------- overrides
def parse_override(text: str, *, option: str = "--set") -> tuple[list[str], Any]:
    """Split ``"key.sub=value"`` into the key path and the value, parsed as a TOML literal
    (a bare word that is not valid TOML is taken as a string). ``option`` names the
    command-line option in errors.

    Example:
        >>> from minigrad.config import parse_override
        >>> parse_override("optimizer.lr=1e-3"), parse_override("optimizer.name=sgd")
        ((['optimizer', 'lr'], 0.001), (['optimizer', 'name'], 'sgd'))
        >>> parse_override("model.layers.0.units=64")
        (['model', 'layers', '0', 'units'], 64)
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    path = key.split(".")
    if not sep or not key or any(not part.strip() for part in path):
        example = (
            "--space optimizer.lr={log_uniform = [1e-4, 1]}"
            if option == "--space"
            else f"{option} optimizer.lr=0.01 or {option} training.epochs=5"
        )
        raise ConfigError(f"{option} {text!r}: expected KEY=VALUE with a dotted key, e.g. {example}")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        if not raw or any(c in raw for c in "[]{}\"'=,"):
            raise ConfigError(
                f"{option} {text!r}: the value {raw!r} is not a TOML literal; quote strings "
                "(name='sgd'), write arrays as [0.8, 0.2] and tables as {n = 500}"
            ) from None
        value = raw
    return [p.strip() for p in path], value


def _apply_override(config: dict[str, Any], path: list[str], value: Any, text: str) -> None:
    node: Any = config
    for depth, part in enumerate(path[:-1]):
        key = ".".join(path[: depth + 1])
        if isinstance(node, list):
            node = node[_index(node, part, key, text)]
        elif isinstance(node, dict):
            if part not in node:
                if depth == 0 and part not in _SECTIONS:
                    close = difflib.get_close_matches(part, _SECTIONS, n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    raise ConfigError(
                        f"--set {text}: unknown section {part!r}{hint} (allowed: {', '.join(_SECTIONS)})"
                    )
                node[part] = {}
            node = node[part]
        else:
            raise ConfigError(f"--set {text}: {key} is a {_toml_type(node)}, not a table or array")
    last = path[-1]
    if isinstance(node, list):
        node[_index(node, last, ".".join(path), text)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ConfigError(f"--set {text}: {'.'.join(path[:-1])} is a {_toml_type(node)}, not a table")


def _index(items: list, part: str, key: str, text: str) -> int:
    if not part.lstrip("-").isdigit() or not -len(items) <= int(part) < len(items):
        raise ConfigError(
            f"--set {text}: {key}: index {part!r} is not in the array of {len(items)} items "
            f"(use 0..{len(items) - 1})"
        )
    return int(part)


def merge_config(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` with the sections of ``update`` merged in, the way a config file
    merges over the built-in recipe: tables are updated key by key, except that naming
    another component (optimizer, schedule, regularizer, dataset) drops the old one's
    options.

    Example:
        >>> from minigrad.config import merge_config
        >>> base = {"optimizer": {"name": "adam", "lr": 0.01, "beta1": 0.9}}
        >>> merge_config(base, {"optimizer": {"lr": 0.1}})["optimizer"]
        {'name': 'adam', 'lr': 0.1, 'beta1': 0.9}
        >>> merge_config(base, {"optimizer": {"name": "sgd"}})["optimizer"]
        {'name': 'sgd'}
    """
    merged = copy.deepcopy(dict(base))
    for section, value in update.items():
        old = merged.get(section)
        if isinstance(value, dict) and isinstance(old, dict):
            changed = _switched(section, old, value)
            if changed:
                merged[section] = {k: v for k, v in old.items() if k not in changed}
            merged[section].update(copy.deepcopy(value))
        else:
            merged[section] = copy.deepcopy(value)
    return merged


def _switched(section: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> set[str]:
    """Keys of ``old`` that stop applying when ``new`` names another component (a
    different optimizer's hyperparameters, another dataset's options)."""
    if section in _COMPONENT_SECTIONS and new.get("name", old.get("name")) != old.get("name"):
        return set(old) - {"name"}
    if section == "data":
        if new.get("path") and not old.get("path"):
            return {"dataset", "options"}
        if new.get("dataset") and new.get("dataset") != old.get("dataset"):
            return {"options", "path", "target"}
    return set()


def _read_toml(source: str) -> dict[str, Any]:
    """The TOML file at path ``source``, parsed; a ConfigError names the file when it
    cannot be read or parsed."""
    try:
        text = Path(source).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{source}: cannot read the config file ({err.strerror or err})") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{source}: not a UTF-8 text file ({err}); TOML files are UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{source}: malformed TOML: {err}") from None


def load_config(
    path: str | os.PathLike | None = None,
    *,
    overrides: Iterable[str] = (),
    base: Mapping[str, Any] | None = None,
) -> Config:
    """Read a TOML config (or none: the built-in recipe), merge it over the defaults,
    apply ``--set`` style overrides and validate.

    Args:
        path: the TOML file; None for the built-in recipe alone.
        overrides: ``"dotted.key=value"`` strings, applied in order.
        base: the defaults to merge over (default :data:`DEFAULT_CONFIG`).

    Raises:
        ConfigError: unreadable or malformed TOML, unknown keys, bad values.

    Example:
        >>> from minigrad.config import load_config
        >>> load_config(overrides=["schedule.name=exponential", "schedule.base=0.9"])["schedule"]
        {'name': 'exponential', 'base': 0.9}
    """
    config = copy.deepcopy(dict(base if base is not None else DEFAULT_CONFIG))
    source = DEFAULT_SOURCE
    if path is not None:
        source = os.fspath(path)
        loaded = _read_toml(source)
        where = _Where(source)
        _unknown_keys(where, "", loaded, (*_SECTIONS, "tune"))
        loaded.pop("tune", None)  # the search space of `minigrad tune`; training ignores it
        config = merge_config(config, loaded)
    overridden: dict[str, str] = {}
    before = copy.deepcopy(config)
    for text in overrides:
        keys, value = parse_override(text)
        _apply_override(config, keys, value, text)
        overridden[".".join(keys)] = text
    data = config.get("data")
    if isinstance(data, dict) and isinstance(data.get("path"), str) and data["path"]:
        # A relative data file is found next to the config file that names it (or in the
        # working directory when named by --set); the resolved config keeps it absolute.
        from_file = path is not None and "data.path" not in overridden
        folder = Path(path).resolve().parent if from_file else Path.cwd()
        data["path"] = str(folder / Path(data["path"]).expanduser())
    for section in (*_COMPONENT_SECTIONS, "data"):
        old, new = before.get(section), config.get(section)
        if isinstance(old, dict) and isinstance(new, dict):
            # another component named on the command line: drop the options that belonged
            # to the old one, keep those given with --set
            for key in _switched(section, old, new):
                if f"{section}.{key}" not in overridden and not any(
                    k.startswith(f"{section}.{key}.") for k in overridden
                ):
                    new.pop(key, None)
    return validate_config(config, source=source, overridden=overridden)


# ------------------------------------------------------------------ TOML out
def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes, plus DEL, which TOML also forbids raw."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(key: str) -> str:
    bare = key and all(c in "_-" or (c.isascii() and c.isalnum()) for c in key)
    return key if bare else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        value = float(value)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if value is None:
        raise ConfigError("TOML has no null; leave the key out instead")
    raise ConfigError(f"cannot write a {type(value).__name__} as TOML")


def dumps_toml(config: Mapping[str, Any]) -> str:
    """A configuration as TOML text that :func:`load_config` reads back to the same values.

    Example:
        >>> import tomllib
        >>> from minigrad.config import DEFAULT_CONFIG, dumps_toml
        >>> tomllib.loads(dumps_toml(DEFAULT_CONFIG)) == DEFAULT_CONFIG
        True
    """
    lines: list[str] = []
    for section, table in config.items():
        if isinstance(table, list):
            if not table:
                lines.append(f"{_toml_key(section)} = []")
                lines.append("")
            for item in table:
                lines.append(f"[[{_toml_key(section)}]]")
                lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in item.items() if v is not None]
                lines.append("")
            continue
        lines.append(f"[{_toml_key(section)}]")
        for key, value in table.items():
            if value is None:
                continue
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                lines.append(f"{_toml_key(key)} = [")
                lines += [f"    {_toml_value(v)}," for v in value]
                lines.append("]")
            else:
                lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
        lines.append("")
    # Top-level arrays must come before any table in TOML; move `callbacks = []` up.
    empties = [line for line in lines if line.endswith("= []") and not line.startswith(" ")]
    empties = [line for line in empties if line.split(" = ")[0] in _SECTIONS]
    rest = [line for line in lines if line not in empties]
    return "\n".join([*empties, *rest]).rstrip() + "\n"


# -------------------------------------------------------------------- build
@dataclass
class Run:
    """Everything :func:`build` made from a configuration.

    Attributes:
        config: the resolved configuration (inferred values such as the output units
            filled in); :func:`dumps_toml` of it reproduces the run.
        model, optimizer, loss, schedule, regularizer, callbacks: ready for :func:`~minigrad.fit`.
        train, dev, test: ``(X, Y)`` arrays, normalized when ``data.normalize``; ``test``
            may be None.
        normalizer: the fitted :class:`~minigrad.Normalizer`, or None.
        n_features: the model's input size; ``n_outputs`` its output size.
        link: how outputs become probabilities (``"softmax"``, ``"sigmoid"``, ``"identity"``).
        split_digest: :func:`split_digest` of the train/dev/test split (before
            normalization), saved with the model so ``minigrad evaluate`` can tell that
            it regenerated the same split.

    Example:
        >>> import minigrad as mg
        >>> from minigrad.config import build, load_config
        >>> run = build(load_config(overrides=["data.options.n=90", "training.epochs=2"]))
        >>> history = mg.fit(run.model, run.train, **run.fit_options())
        >>> len(history), run.link
        (2, 'softmax')
    """

    config: dict[str, Any]
    model: Any
    optimizer: Any
    loss: Any
    schedule: Any
    regularizer: Any
    callbacks: list[Any]
    train: tuple[np.ndarray, np.ndarray]
    dev: tuple[np.ndarray, np.ndarray] | None
    test: tuple[np.ndarray, np.ndarray] | None
    normalizer: Any
    n_features: int
    n_outputs: int
    link: str
    split_digest: str = ""

    def fit_options(self) -> dict[str, Any]:
        """The keyword arguments of :func:`minigrad.fit` for this run (see the class example)."""
        training = self.config["training"]
        return {
            "dev": self.dev,
            "loss": self.loss,
            "optimizer": self.optimizer,
            "schedule": self.schedule,
            "regularizer": self.regularizer,
            "epochs": training["epochs"],
            "batch_size": training["batch_size"],
            "drop_last": training["drop_last"],
            "clip_norm": training.get("clip_norm"),
            "seed": training["seed"],
            "callbacks": list(self.callbacks),
        }


def load_data(config: Mapping[str, Any], *, source: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``(X, Y)`` arrays a configuration's ``[data]`` section names (all of them,
    before the split).

    Example:
        >>> from minigrad.config import load_config, load_data
        >>> X, Y = load_data(load_config(overrides=["data.options.n=90"]))
        >>> X.shape, sorted(set(Y.tolist()))
        ((90, 2), [0, 1, 2])
    """
    from minigrad.data import load_dataset
    from minigrad.factories import dataset

    data = config["data"]
    where = _Where.of(config, source)
    if data.get("path"):
        # a regression loss keeps a whole-valued target (prices, counts) as numbers
        labels = None if _classifies(config, where) else False
        try:
            return load_dataset(data["path"], target=data.get("target"), labels=labels)
        except MinigradError as err:
            raise where.wrap("data.path", err) from err
    options = dict(data.get("options", {}))
    options.setdefault("seed", data["seed"])
    try:
        return dataset(data["dataset"], **options)
    except MinigradError as err:
        raise where.wrap("data.options", err) from err


def _classifies(config: Mapping[str, Any], where: _Where) -> bool:
    """Whether the configured loss is a classification loss: every loss but a regression
    one, whose ``link`` is ``"identity"`` (``mean_squared_error``'s)."""
    from minigrad.factories import loss
    from minigrad.train import _link_for

    try:
        return _link_for(loss(config["training"]["loss"])) != "identity"
    except MinigradError as err:
        raise where.wrap("training.loss", err) from err


def split_digest(parts: Iterable[tuple[np.ndarray, np.ndarray] | None]) -> str:
    """A digest of a train/dev(/test) split: the examples and labels of each part, in
    order (shapes, labels, and examples at float32 precision, so a dataset regenerated on
    another machine, a few float64 rounding steps apart, has the same digest).

    Example:
        >>> import numpy as np
        >>> from minigrad.config import split_digest
        >>> X, Y = np.arange(8.0).reshape(4, 2), np.array([0, 1, 0, 1])
        >>> split_digest([(X[:3], Y[:3]), (X[3:], Y[3:])]) == split_digest([(X[:2], Y[:2]), (X[2:], Y[2:])])
        False
    """
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        if part is None:
            digest.update(b"none")
            continue
        X, Y = (np.asarray(array) for array in part)
        X = np.ascontiguousarray(X, dtype=np.float32) if X.dtype.kind == "f" else np.ascontiguousarray(X)
        for array in (X, np.ascontiguousarray(Y)):
            digest.update(f"{array.dtype.str}{array.shape}".encode())
            digest.update(array.tobytes())
    return digest.hexdigest()


def _split_data(config: Mapping[str, Any], X: np.ndarray, Y: np.ndarray, *, source: str | None = None) -> Any:
    """The train/dev(/test) :class:`~minigrad.data.Split` of ``(X, Y)`` the ``[data]``
    section asks for (what :func:`build` trains on and ``minigrad evaluate`` reports).

    ``stratify`` applies to classification only: a regression loss's targets are values,
    not classes, even when they are whole numbers.

    Example:
        >>> from minigrad.config import _split_data, load_config, load_data
        >>> config = load_config(overrides=["data.options.n=90"])
        >>> parts = _split_data(config, *load_data(config))
        >>> [len(part[0]) for part in parts]
        [54, 18, 18]
    """
    from minigrad.data import split

    data = config["data"]
    where = _Where.of(config, source)
    stratify = data["stratify"] and Y.dtype.kind in "biu" and _classifies(config, where)
    try:
        return split(
            X,
            Y,
            ratios=None if data["split"] == "auto" else tuple(data["split"]),
            seed=data["seed"],
            stratify=stratify,
        )
    except MinigradError as err:
        raise where.wrap("data.split", err) from err


def _n_outputs(loss_name: str, Y: np.ndarray) -> int:
    if loss_name == "binary_cross_entropy":
        return 1
    if loss_name == "softmax_cross_entropy":
        return int(Y.shape[1]) if Y.ndim == 2 and Y.shape[1] > 1 else int(np.max(Y)) + 1
    return int(np.prod(Y.shape[1:])) if Y.ndim > 1 else 1


def build_model(
    config: Mapping[str, Any], n_features: int, n_outputs: int, *, source: str | None = None
) -> Any:
    """The :class:`~minigrad.Sequential` the ``[model]`` section describes, with input
    sizes inferred from ``n_features`` and the last dense layer's units defaulting to
    ``n_outputs``. Weights and dropout masks are seeded from ``training.seed``.

    Example:
        >>> from minigrad.config import DEFAULT_CONFIG, build_model
        >>> model = build_model(DEFAULT_CONFIG, 2, 3)
        >>> [type(layer).__name__ for layer in model]
        ['Dense', 'ReLU', 'Dense', 'ReLU', 'Dense']
        >>> model[4].W.shape
        (32, 3)
    """
    from minigrad.module import Sequential

    registry = _registry("layers")
    where = _Where.of(config, source)
    layers_spec = config["model"]["layers"]
    # Initialization gets its own stream of the run's seed (fit's shuffling uses others).
    streams = np.random.SeedSequence(config["training"]["seed"], spawn_key=(2,)).spawn(len(layers_spec))
    width = n_features
    layers = []
    for i, (spec, stream) in enumerate(zip(layers_spec, streams)):
        kind = spec["type"]
        options = {k: v for k, v in spec.items() if k not in ("type", "units")}
        factory = registry.get(kind).factory
        accepted, _ = _parameters(factory)
        if "rng" in accepted:
            options["rng"] = np.random.default_rng(stream)
        input_key, output_key = _layer_sizes(kind)
        if input_key:
            options[input_key] = width
        if output_key:
            options[output_key] = spec.get("units", n_outputs)
        try:
            layer = registry.create(kind, **options)
            if output_key:
                width = options[output_key]
        except MinigradError as err:
            raise where.wrap(f"model.layers.{i}", err, note=f" ({kind})") from err
        layers.append(layer)
    return Sequential(*layers)


def _require_loaded(config: Any) -> None:
    """``config`` must be what :func:`load_config` returns: a full, validated mapping."""
    how = (
        "pass load_config(path) (or load_config(overrides=[...])), which fills in the defaults and validates"
    )
    if isinstance(config, str | os.PathLike):
        raise ConfigError(f"expected a configuration, got the path {os.fspath(config)!r}; {how}")
    if not isinstance(config, Mapping):
        raise ConfigError(f"expected a configuration mapping, got {type(config).__name__}; {how}")
    missing = [section for section in DEFAULT_CONFIG if section not in config]
    if missing:
        raise ConfigError(f"the configuration has no {', '.join(map(repr, missing))} section(s); {how}")


#: The files :func:`run_config` and ``minigrad train`` write in a run folder, which no
#: callback may write there: ``model.npz``, ``checkpoint.npz``, ``history.csv``,
#: ``config.toml``, ``learning_curves.png``, ``decision_boundary.png`` and
#: ``gradient_norms.png``. A folder holding any of them holds a run.
RUN_FILES = (
    "model.npz",
    "checkpoint.npz",
    "history.csv",
    "config.toml",
    "learning_curves.png",
    "decision_boundary.png",
    "gradient_norms.png",
)


def _callback_files(
    where: _Where, key: str, name: str, options: dict[str, Any], folder: Path
) -> dict[str, Any]:
    """``options`` with the relative paths of the files the callback writes (the options
    its registration lists in ``writes=``, given or defaulted) placed in the run
    ``folder``, where the run writes everything else, so a rerun from the run's
    config.toml writes its own copies. One that is a file the run writes itself is an
    error. Other options (an input file a callback reads) are left as given."""
    component = _registry("callbacks").get(name)
    writes = component.metadata.get("writes", ())
    try:
        parameters = inspect.signature(component.factory).parameters.values()
    except (TypeError, ValueError):
        parameters = []
    resolved = dict(options)
    for parameter in parameters:
        if parameter.name not in writes:
            continue
        value = options.get(parameter.name, parameter.default)
        if not isinstance(value, str | os.PathLike) or not os.fspath(value):
            continue  # unset (None: the callback derives it) or not a file name
        path = Path(value).expanduser()
        if path.is_absolute():
            continue
        path = folder / path
        if path.parent == folder and path.name in RUN_FILES:
            given = "" if parameter.name in options else " (the default)"
            raise where.error(
                f"{key}.{parameter.name}",
                os.fspath(value),
                f"is the run's own {path.name}{given}, which the run writes itself; give the "
                f"{name} callback another {parameter.name} (relative paths are in the run folder)",
            )
        resolved[parameter.name] = str(path)
    return resolved


def build(
    config: Mapping[str, Any], *, source: str | None = None, folder: str | os.PathLike | None = None
) -> Run:
    """Load the data and build the model, optimizer, schedule, regularizer and callbacks
    of a validated configuration (from :func:`load_config`).

    With ``folder`` (the run folder), the relative file options a callback's registration
    lists in ``writes=`` (the files it writes) are placed in it, like the run's own files;
    without, they are used as given (relative to the working directory).

    Example:
        >>> from minigrad.config import build, load_config
        >>> run = build(load_config(overrides=["data.options.n=120"]))
        >>> run.n_features, run.n_outputs, len(run.train[0]), run.config["model"]["layers"][-1]["units"]
        (2, 3, 72, 3)
    """
    from minigrad.data import Normalizer
    from minigrad.factories import callback, loss, regularizer, schedule
    from minigrad.factories import optimizer as make_optimizer

    _require_loaded(config)
    where = _Where.of(config, source)
    resolved = Config(copy.deepcopy(dict(config)), source=where.source, overridden=where.overridden)
    data = resolved["data"]
    X, Y = load_data(resolved)
    parts = _split_data(resolved, X, Y)
    digest = split_digest(parts)
    train, dev, test = parts.train, parts.dev, parts.test
    normalizer = None
    if data["normalize"]:
        normalizer = Normalizer().fit(train[0])
        train, dev = (normalizer.transform(train[0]), train[1]), (normalizer.transform(dev[0]), dev[1])
        if test is not None:
            test = (normalizer.transform(test[0]), test[1])
    training = resolved["training"]
    n_features = int(np.prod(X.shape[1:]))
    n_outputs = _n_outputs(training["loss"], Y)
    model = build_model(resolved, n_features, n_outputs)
    for spec in resolved["model"]["layers"]:
        if _layer_sizes(spec["type"])[1] and "units" not in spec:
            spec["units"] = n_outputs
    from minigrad.train import _link_for

    def make(key: str, fn: Callable[[], Any], note: str = "") -> Any:
        try:
            return fn()
        except MinigradError as err:
            raise where.wrap(key, err, note=note) from err

    opt_cfg = resolved["optimizer"]
    optimizer = make(
        "optimizer",
        lambda: make_optimizer(
            opt_cfg["name"], model.parameters(), **{k: v for k, v in opt_cfg.items() if k != "name"}
        ),
    )
    sched = None
    sched_cfg = resolved["schedule"]
    if sched_cfg["name"] != "none":
        options = {k: v for k, v in sched_cfg.items() if k != "name"}
        options.setdefault("lr0", optimizer.lr)
        sched = make("schedule", lambda: schedule(sched_cfg["name"], **options))
    reg = None
    reg_cfg = resolved["regularizer"]
    if reg_cfg["name"] != "none":
        reg = make(
            "regularizer",
            lambda: regularizer(reg_cfg["name"], **{k: v for k, v in reg_cfg.items() if k != "name"}),
        )
    callbacks = []
    for i, spec in enumerate(resolved["callbacks"]):
        options = {k: v for k, v in spec.items() if k != "name"}
        if folder is not None:
            options = _callback_files(where, f"callbacks.{i}", spec["name"], options, Path(folder))
        callbacks.append(
            make(f"callbacks.{i}", lambda s=spec, o=options: callback(s["name"], **o), f" ({spec['name']})")
        )
    loss_fn = make("training.loss", lambda: loss(training["loss"]))
    return Run(
        config=resolved,
        model=model,
        optimizer=optimizer,
        loss=loss_fn,
        schedule=sched,
        regularizer=reg,
        callbacks=callbacks,
        train=train,
        dev=dev,
        test=test,
        normalizer=normalizer,
        n_features=n_features,
        n_outputs=n_outputs,
        link=_link_for(loss_fn),  # as fit reads it
        split_digest=digest,
    )


# ---------------------------------------------------------------------- run
@dataclass
class RunResult:
    """What :func:`run_config` returns.

    Attributes:
        run: the :class:`Run` (model trained in place).
        history: the :class:`~minigrad.History`.
        metrics: ``{"train": {...}, "dev": {...}, "test": {...}}`` with cost, loss and
            accuracy of the final model (after early stopping restored the best weights).
        diagnosis: the bias/variance :class:`~minigrad.Diagnosis` (None without accuracy).
        files: the files written (by name) when ``out`` was given.

    Example:
        >>> from minigrad.config import load_config, run_config
        >>> result = run_config(load_config(overrides=["data.options.n=90", "training.epochs=2"]))
        >>> result.diagnosis.verdict in ("good", "high bias", "high variance", "high bias and high variance")
        True
    """

    run: Run
    history: Any
    metrics: dict[str, dict[str, float]]
    diagnosis: Any = None
    files: dict[str, str] = field(default_factory=dict)


def model_metadata(run: Run) -> dict[str, Any]:
    """What a saved model needs to be rebuilt: the resolved config (as TOML) and sizes.

    Example:
        >>> from minigrad.config import build, load_config, model_metadata
        >>> meta = model_metadata(build(load_config(overrides=["data.options.n=90"])))
        >>> sorted(meta), meta["n_outputs"]
        (['config_toml', 'link', 'n_features', 'n_outputs', 'split_digest'], 3)
    """
    return {
        "config_toml": dumps_toml(run.config),
        "n_features": run.n_features,
        "n_outputs": run.n_outputs,
        "link": run.link,
        "split_digest": run.split_digest,
    }


def run_config(
    config: Mapping[str, Any],
    *,
    out: str | os.PathLike | None = None,
    callbacks: Iterable[Any] = (),
    resume: bool = False,
    checkpoint_every: int = 10,
    source: str | None = None,
) -> RunResult:
    """Build and train a validated configuration and evaluate it on train/dev/test.

    With ``out`` (a folder), also writes ``checkpoint.npz`` (resumable, every
    ``checkpoint_every`` epochs),
    ``history.csv``, ``config.toml`` (the resolved config) and ``model.npz`` (the final
    model with its normalizer and config, what ``minigrad predict`` / ``evaluate`` read),
    and the configuration's callbacks write their relative files there too;
    ``resume=True`` continues from ``out/checkpoint.npz``. ``callbacks`` run besides the
    configuration's own (``minigrad train`` adds its progress bar); ``source`` names the
    configuration in error messages.

    Example:
        >>> from minigrad.config import load_config, run_config
        >>> result = run_config(load_config(overrides=["training.epochs=3", "data.options.n=150"]))
        >>> len(result.history), sorted(result.metrics)
        (3, ['dev', 'test', 'train'])
    """
    from minigrad.checkpoint import atomic_write, save_checkpoint
    from minigrad.diagnose import diagnose
    from minigrad.factories import callback
    from minigrad.train import evaluate, fit

    run = build(config, source=source, folder=out)
    extra_callbacks = list(callbacks)
    files: dict[str, str] = {}
    resume_from = None
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        meta = model_metadata(run)
        files = {
            "checkpoint": str(folder / "checkpoint.npz"),
            "history": str(folder / "history.csv"),
            "config": str(folder / "config.toml"),
            "model": str(folder / "model.npz"),
        }
        if resume:
            resume_from = files["checkpoint"]
        else:
            with atomic_write(files["config"], "w") as handle:
                handle.write(dumps_toml(run.config))
        extra_callbacks += [
            callback(
                "checkpoint",
                path=files["checkpoint"],
                every=checkpoint_every,
                normalizer=run.normalizer,
                extra=meta,
            ),
            callback("csv_logger", path=files["history"]),
        ]
    options = run.fit_options()
    options["callbacks"] = options["callbacks"] + extra_callbacks
    history = fit(run.model, run.train, resume_from=resume_from, **options)
    metrics = {}
    for name, part in (("train", run.train), ("dev", run.dev), ("test", run.test)):
        if part is not None:
            metrics[name] = evaluate(
                run.model,
                *part,
                loss=run.loss,
                regularizer=run.regularizer,
                m=len(run.train[0]),
                link=run.link,
            )
    diagnosis = None
    if "accuracy" in metrics.get("train", {}) and "dev" in metrics:
        diagnosis = diagnose(
            1 - metrics["train"]["accuracy"],
            1 - metrics["dev"]["accuracy"],
            human_error=run.config["training"]["human_error"],
        )
    if out is not None:
        save_checkpoint(
            files["model"],
            model=run.model,
            normalizer=run.normalizer,
            epoch=history.epochs[-1] if history.epochs else None,
            extra={**model_metadata(run), "metrics": metrics},
        )
        with atomic_write(files["config"], "w") as handle:
            handle.write(dumps_toml(run.config))
    return RunResult(run=run, history=history, metrics=metrics, diagnosis=diagnosis, files=files)


def load_model(path: str | os.PathLike) -> tuple[Any, Any, dict[str, Any]]:
    """Rebuild a model saved by :func:`run_config` (``model.npz``, or a run folder).

    Returns ``(model, normalizer_or_None, metadata)``; ``metadata`` holds the resolved
    ``config`` (a dict), ``n_features``, ``n_outputs``, ``link`` and any saved metrics.

    Example:
        >>> import tempfile
        >>> import minigrad as mg
        >>> from minigrad.config import load_config, load_model, run_config
        >>> folder = tempfile.mkdtemp()
        >>> result = run_config(load_config(overrides=["data.options.n=90", "training.epochs=2"]), out=folder)
        >>> model, normalizer, meta = load_model(folder)
        >>> X = result.run.test[0]
        >>> bool((mg.predict(model, X) == mg.predict(result.run.model, X)).all())
        True
    """
    from minigrad.checkpoint import CheckpointError, load_checkpoint
    from minigrad.data import Normalizer

    path = Path(path)
    if path.is_dir():
        path = path / "model.npz"
    ckpt = load_checkpoint(path)
    extra = ckpt.extra if isinstance(ckpt.extra, dict) else {}
    if "trainer" in extra and isinstance(extra.get("user"), dict):
        extra = extra["user"]  # a resumable checkpoint written during training
    if "config_toml" not in extra:
        raise CheckpointError(
            f"{path}: the checkpoint has no configuration to rebuild the model from; use the "
            "model.npz of a run folder written by `minigrad train`"
        )
    config = validate_config(tomllib.loads(extra["config_toml"]), source=f"{path} (saved config)")
    model = build_model(config, int(extra["n_features"]), int(extra["n_outputs"]), source=str(path))
    model.load_state_dict(ckpt.model)
    model.eval()
    normalizer = None
    if ckpt.normalizer is not None:
        normalizer = Normalizer()
        normalizer.load_state_dict(ckpt.normalizer)
    return model, normalizer, {**extra, "config": config}
