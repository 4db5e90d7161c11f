"""Parameter, Module and Sequential: registration, traversal, modes and state dicts."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


class Affine(mg.Module):
    def __init__(self, n_in=3, n_out=2):
        super().__init__()
        self.w = mg.Parameter(np.ones((n_in, n_out)))
        self.b = mg.Parameter(np.zeros(n_out), regularize=False)

    def forward(self, x):
        return x @ self.w + self.b


class Norm(mg.Module):
    def __init__(self, n=2):
        super().__init__()
        self.gamma = mg.Parameter(np.ones(n), regularize=False)
        self.register_buffer("running_mean", np.zeros(n))

    def forward(self, x):
        return (x - mg.Tensor(self.running_mean)) * self.gamma


class Block(mg.Module):
    def __init__(self):
        super().__init__()
        self.affine = Affine()
        self.norm = Norm()
        self.scale = mg.Parameter(np.array(2.0))

    def forward(self, x):
        return self.norm(self.affine(x)) * self.scale


# -------------------------------------------------------------- registration
def test_parameter_is_a_private_float_copy_that_requires_grad():
    data = np.ones(3)
    p = mg.Parameter(data)
    assert p.requires_grad and p.regularize and p.data is not data
    data[0] = 5.0
    assert p.data[0] == 1.0
    assert mg.Parameter([1.0, 2.0], dtype=np.float32).dtype == np.float32
    assert not mg.Parameter(np.ones(2), regularize=False).regularize
    assert repr(p).startswith("Parameter(")


def test_attribute_assignment_registers_parameters_and_modules():
    m = Block()
    assert list(m._parameters) == ["scale"]
    assert list(m._modules) == ["affine", "norm"]
    m.plain = np.ones(2)  # plain values are not registered
    m.tensor = mg.Tensor([1.0], requires_grad=True)
    assert "plain" not in m._parameters and "tensor" not in m._parameters


@pytest.mark.parametrize(
    "container",
    [
        lambda: [mg.Module(), mg.Module()],
        lambda: (mg.Parameter(np.ones(2)),),
        lambda: {"a": mg.Module(), "b": 3},
    ],
)
def test_containers_of_modules_or_parameters_are_refused_not_silently_unregistered(container):
    m = mg.Module()
    with pytest.raises(mg.ConfigError, match=r"Module\.layers: a .* would not be registered.*Sequential"):
        m.layers = container()
    assert not hasattr(m, "layers") and m.parameters() == []
    m.sizes = [3, 4]  # plain containers are plain values
    m.options = {"a": 1}
    assert m.sizes == [3, 4] and m.parameters() == []


def test_reassigning_an_attribute_moves_it_between_registries():
    m = Block()
    m.affine = mg.Parameter(np.ones(1))  # module -> parameter
    assert "affine" in m._parameters and "affine" not in m._modules
    m.affine = None  # parameter -> plain value
    assert "affine" not in m._parameters
    del m.scale
    assert "scale" not in m._parameters and not hasattr(m, "scale")


def test_named_parameters_use_dotted_names_in_registration_order():
    model = mg.Sequential(Block(), Affine(2, 1))
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.scale", "0.affine.w", "0.affine.b", "0.norm.gamma", "1.w", "1.b"]
    assert [n for n, _ in model.named_modules()] == ["", "0", "0.affine", "0.norm", "1"]


def test_parameters_order_is_stable_and_shared_parameters_appear_once():
    first, second = Affine(), Affine()
    second.w = first.w  # tied weights
    model = mg.Sequential(first, second)
    params = model.parameters()
    assert params == model.parameters()  # stable
    assert [id(p) for p in params] == [id(first.w), id(first.b), id(second.b)]
    assert [n for n, _ in model.named_parameters()] == ["0.w", "0.b", "1.b"]
    shared = Affine()
    assert len(mg.Sequential(shared, shared).parameters()) == 2


def test_zero_grad_drops_every_gradient_or_zeroes_the_buffers():
    model = Block()
    model(mg.Tensor(np.ones((2, 3)))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model(mg.Tensor(np.ones((2, 3)))).sum().backward()
    buffers = [p.grad for p in model.parameters()]
    model.zero_grad(set_to_none=False)
    assert all(p.grad is buffer for p, buffer in zip(model.parameters(), buffers))
    assert all(not p.grad.any() for p in model.parameters())


def test_forward_must_be_implemented():
    with pytest.raises(NotImplementedError, match="Module does not implement forward"):
        mg.Module()(1)


def test_module_without_super_init_gives_a_clear_error():
    class Forgetful(mg.Module):
        def __init__(self):
            self.w = mg.Parameter(np.ones(2))

    with pytest.raises(mg.MinigradError, match=r"super\(\).__init__\(\)"):
        Forgetful()

    class Lazy(mg.Module):
        def __init__(self):
            pass

    lazy = Lazy()
    with pytest.raises(mg.MinigradError, match=r"Lazy: Module.__init__ was not called"):
        lazy.parameters()
    with pytest.raises(mg.MinigradError, match="Lazy"):
        lazy.train()


def test_missing_attributes_are_still_attribute_errors():
    m = Affine()
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        m.nope  # noqa: B018
    assert not hasattr(m, "nope")


# --------------------------------------------------------------------- modes
def test_train_and_eval_propagate_to_every_submodule():
    model = mg.Sequential(Block(), mg.Sequential(Affine()))
    assert all(m.training for _, m in model.named_modules())
    assert model.eval() is model
    assert not any(m.training for _, m in model.named_modules())
    model.train()
    assert all(m.training for _, m in model.named_modules())
    model[1].train(False)
    assert model.training and model[0].training and not model[1][0].training


# ---------------------------------------------------------------- state dict
def test_state_dict_holds_copies_of_parameters_and_buffers():
    model = mg.Sequential(Block())
    state = model.state_dict()
    assert list(state) == ["0.scale", "0.affine.w", "0.affine.b", "0.norm.gamma", "0.norm.running_mean"]
    state["0.affine.w"][...] = 7.0
    state["0.norm.running_mean"][...] = 7.0
    assert not (model[0].affine.w.data == 7.0).any()
    assert not (model[0].norm.running_mean == 7.0).any()


def test_load_state_dict_round_trip_in_place():
    source, target = Block(), Block()
    for p in source.parameters():
        p.data[...] = np.random.default_rng(0).standard_normal(p.shape)
    source.norm.running_mean = np.array([0.5, -0.5])
    w = target.affine.w
    w_data = w.data
    assert target.load_state_dict(source.state_dict()) == ([], [])
    assert target.affine.w is w and w.data is w_data  # updated in place (optimizers keep references)
    for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_load_state_dict_reports_every_problem_at_once():
    model = Block()
    state = model.state_dict()
    del state["affine.b"]
    del state["norm.running_mean"]
    state["extra"] = np.ones(1)
    state["affine.w"] = np.ones((2, 2))
    state["scale"] = np.array(2.0, dtype=np.float32)
    before = model.state_dict()
    with pytest.raises(mg.StateDictError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert message.startswith("load_state_dict into Block")
    assert "missing keys ['affine.b', 'norm.running_mean']" in message
    assert "unexpected keys ['extra']" in message
    assert "affine.w: shape (2, 2) in the state dict but (3, 2) in the model" in message
    assert "scale: dtype float32 in the state dict but float64 in the model" in message
    assert isinstance(info.value, KeyError) and isinstance(info.value, mg.MinigradError)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)  # nothing loaded


def test_load_state_dict_non_strict_skips_missing_and_unexpected_keys():
    model = Block()
    state = {"affine.w": np.full((3, 2), 3.0), "unknown": np.ones(2)}
    result = model.load_state_dict(state, strict=False)
    assert result.missing == ["scale", "affine.b", "norm.gamma", "norm.running_mean"]
    assert result.unexpected == ["unknown"]
    np.testing.assert_array_equal(model.affine.w.data, np.full((3, 2), 3.0))
    with pytest.raises(mg.StateDictError, match=r"affine\.w: shape"):
        model.load_state_dict({"affine.w": np.ones(3)}, strict=False)


def test_buffers_stay_registered_when_reassigned():
    norm = Norm()
    norm.running_mean = np.array([1.0, 2.0])
    assert "running_mean" in norm._buffers
    np.testing.assert_array_equal(norm.state_dict()["running_mean"], [1.0, 2.0])
    norm.load_state_dict({"gamma": np.ones(2), "running_mean": np.array([3.0, 4.0])})
    np.testing.assert_array_equal(norm.running_mean, [3.0, 4.0])
    assert [n for n, _ in norm.named_parameters()] == ["gamma"]


def test_scalar_buffers_round_trip():
    m = mg.Module()
    m.register_buffer("steps", 0)
    m.steps = m.steps + 5
    state = m.state_dict()
    assert state == {"steps": np.array(5)}
    fresh = mg.Module()
    fresh.register_buffer("steps", 0)
    fresh.load_state_dict(state)
    assert fresh.steps == 5


# ---------------------------------------------------------------- Sequential
def test_sequential_runs_in_order_and_supports_len_iter_indexing_and_slicing():
    first, second, third = Affine(3, 2), Affine(2, 2), Affine(2, 1)
    model = mg.Sequential(first, second, third)
    assert len(model) == 3
    assert list(model) == [first, second, third]
    assert model[0] is first and model[-1] is third
    head = model[:2]
    assert isinstance(head, mg.Sequential) and len(head) == 2 and head[1] is second
    x = mg.Tensor(np.ones((4, 3)))
    np.testing.assert_array_equal(model(x).data, third(second(first(x))).data)
    with pytest.raises(IndexError):
        model[3]


def test_sequential_append_and_validation():
    model = mg.Sequential()
    assert model.append(Affine()) is model and len(model) == 1
    assert [n for n, _ in model.named_parameters()] == ["0.w", "0.b"]
    with pytest.raises(mg.MinigradError, match="item 1 is a int"):
        mg.Sequential(Affine(), 3)
    with pytest.raises(mg.MinigradError, match="got a str"):
        model.append("dense")


def test_repr_shows_the_tree():
    text = repr(mg.Sequential(Block()))
    assert text.splitlines()[0] == "Sequential("
    assert "(0): Block(" in text and "(affine): Affine()" in text


def test_gradients_reach_nested_parameters():
    model = mg.Sequential(Block(), Affine(2, 1))
    x = np.random.default_rng(1).standard_normal((2, 3))
    report = mg.gradcheck(lambda x: model(x).tanh().sum(), [x], params=model)
    assert report.verdict == "great", str(report)
    assert [c.name for c in report.checks][1:] == [n for n, _ in model.named_parameters()]


def test_an_error_inside_a_sequential_names_the_layer_it_came_from():
    class Broken(mg.Module):
        def forward(self, x):
            return np.log("not a number")

    model = mg.Sequential(mg.layer("dense", 2, 3), mg.layer("relu"), Broken())
    with pytest.raises(TypeError) as info:
        model(np.ones((1, 2)))
    origin = f"{__name__}.{Broken.__qualname__}"
    assert info.value.__notes__ == [f"raised in Sequential layer 2: Broken ({origin})"]


def test_an_error_inside_a_registered_layer_names_its_plugin():
    model = mg.Sequential(mg.Sequential(mg.layer("dense", 2, 3), mg.layer("relu")))
    with pytest.raises(mg.ShapeError) as info:
        model(np.ones((1, 4)))
    assert info.value.__notes__ == [
        "raised in Sequential layer 0: Dense "
        "(layer 'dense' from plugin 'builtin', minigrad_plugins.layers.Dense), run fused with the "
        "layers up to 1 as one node; under minigrad.detect_anomaly() each layer runs on its own",
        "raised in Sequential layer 0: Sequential (minigrad.module.Sequential)",
    ]
    with mg.detect_anomaly(), pytest.raises(mg.ShapeError) as info:
        model(np.ones((1, 4)))
    assert info.value.__notes__[0] == (
        "raised in Sequential layer 0: Dense "
        "(layer 'dense' from plugin 'builtin', minigrad_plugins.layers.Dense)"
    )
    assert len(info.value.__notes__) == 2


# ------------------------------------------------------------------ fusion
class _Add(mg.Module):
    """x + k; fuses with the _Add layers after it (in eval mode only, if asked to)."""

    def __init__(self, k, eval_only=False):
        super().__init__()
        self.k, self.eval_only = k, eval_only
        self.calls = [0]  # counted in place: setting an attribute would make Sequential plan again

    def forward(self, x):
        self.calls[0] += 1
        return x + self.k

    def fuse_next(self, following):
        if type(following) is not _Add or (self.eval_only and self.training):
            return None
        return _AddRun([self, following])


class _AddRun:
    runs = 0

    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        _AddRun.runs += 1
        return x + sum(layer.k for layer in self.layers)

    def fuse_next(self, following):
        return _AddRun([*self.layers, following]) if type(following) is _Add else None


def test_a_fused_function_with_its_own_fuse_next_takes_in_the_layers_after():
    layers = [_Add(1.0), _Add(2.0), _Add(3.0)]
    model = mg.Sequential(*layers, mg.Module.__new__(_Double), _Add(4.0))
    _AddRun.runs = 0
    assert model(mg.Tensor([0.0])).data.tolist() == [(1.0 + 2.0 + 3.0) * 2 + 4.0]
    assert _AddRun.runs == 1 and sum(layer.calls[0] for layer in layers) == 0
    assert [stop - start for _, _, (start, stop) in model._plan[1]] == [3, 1, 1]


class _Double(mg.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return x * 2.0


_Double.__new__ = object.__new__


def test_the_fusion_plan_is_kept_until_a_module_changes_or_the_mode_does():
    model = mg.Sequential(_Add(1.0, eval_only=True), _Add(2.0))
    x = mg.Tensor([0.0])
    model(x)
    plan = model._plan
    model(x)
    assert model._plan is plan  # kept between calls
    assert len(plan[1]) == 2  # training mode: no fusion
    model.eval()
    _AddRun.runs = 0
    assert model(x).data.tolist() == [3.0]
    assert _AddRun.runs == 1 and len(model._plan[1]) == 1
    model[1].k = 5.0  # any attribute set on any module plans again
    assert model(x).data.tolist() == [6.0]
    model.train()
    assert model(x).data.tolist() == [6.0] and len(model._plan[1]) == 2


def test_astype_converts_parameters_and_float_buffers_everywhere_and_refits_fusions():
    model = mg.Sequential(
        mg.layer("dense", 3, 4, rng=0),
        mg.layer("relu"),
        mg.layer("dense", 4, 2, rng=1),
        mg.layer("batch_norm", 2),
    )
    x = np.random.default_rng(0).standard_normal((5, 3))
    model(x).sum().backward()  # gradients exist, and the fusion plan was made in float64
    out64 = model(x).data
    assert model.astype(np.float32) is model
    assert {p.data.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    assert all(p.grad is None for p in model.parameters())
    assert model[3].running_mean.dtype == np.float32 and model[0].dtype == np.float32
    out32 = model(x.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32.data, out64, rtol=1e-5, atol=1e-5)
    out32.sum().backward()
    assert {p.grad.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    with pytest.raises(mg.DTypeError, match=r"pass np\.float32 or np\.float64"):
        model.astype(np.int64)


def test_loading_a_state_dict_of_another_dtype_names_astype():
    model = mg.Sequential(mg.layer("dense", 2, 2, rng=0))
    state = mg.Sequential(mg.layer("dense", 2, 2, rng=0)).astype(np.float32).state_dict()
    with pytest.raises(mg.StateDictError, match=r"convert the model first: model\.astype\(np\.float32\)"):
        model.load_state_dict(state)


def test_loading_integer_arrays_names_converting_the_array():
    model = mg.Sequential(mg.layer("dense", 2, 1, rng=0))
    state = {"0.W": np.ones((2, 1), dtype=np.int64), "0.b": np.zeros(1)}
    with pytest.raises(
        mg.StateDictError, match=r"convert the array first: state\['0\.W'\]\.astype\(np\.float64\)"
    ):
        model.load_state_dict(state)


def test_sequential_index_out_of_range_names_the_layer_count():
    model = mg.Sequential(mg.layer("dense", 2, 3), mg.layer("relu"))
    with pytest.raises(IndexError, match=r"Sequential\[5\]: the model has 2 layers \(indices -2 to 1\)"):
        model[5]
    with pytest.raises(IndexError, match=r"Sequential\[0\]: the model has 0 layers \(it is empty\)"):
        mg.Sequential()[0]
    assert type(model[-1]).__name__ == "ReLU" or model[-1] is model[1]


def test_an_empty_sequential_returns_its_input_as_a_tensor():
    x = np.ones((2, 3))
    out = mg.Sequential()(x)
    assert isinstance(out, mg.Tensor) and out.shape == (2, 3)
    t = mg.Tensor(x, requires_grad=True)
    assert mg.Sequential()(t) is t
