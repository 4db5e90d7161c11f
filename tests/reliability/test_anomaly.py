"""Anomaly mode: the first NaN/inf in forward or backward is reported with the op, the
layer (dotted name), shapes, index and likely cause; nothing is checked when it is off."""

from __future__ import annotations

import re
import threading
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.tensor import _state


class Log(mg.Module):
    def forward(self, x):
        return x.log()


class Sqrt(mg.Module):
    def forward(self, x):
        return x.sqrt()


class Net(mg.Module):
    """A model with nested containers, so layers have dotted names."""

    def __init__(self, head):
        super().__init__()
        self.encoder = mg.Sequential(mg.layer("dense", 2, 3, rng=0), mg.layer("relu"))
        self.head = mg.Sequential(mg.layer("identity"), head)

    def forward(self, x):
        return self.head(self.encoder(x))


X = np.array([[1.0, 2.0], [-3.0, -1.0]])


@pytest.mark.parametrize("give_model", [True, False])
def test_forward_nan_names_the_op_and_the_dotted_layer(give_model):
    net = Net(Log())
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly(model=net if give_model else None):
        net(X)  # relu gives zeros, log(0) = -inf
    err = info.value
    assert (err.phase, err.op, err.layer) == ("forward", "log", "head.1")
    assert err.shape == (2, 3) and len(err.index) == 2
    message = str(err)
    assert "layer head.1 (Log) of the Net model" in message
    assert "-inf" in message and "output shape (2, 3)" in message and "input shapes (2, 3)" in message
    assert "log of 0" in message  # the hint


def test_the_first_anomaly_is_reported_not_a_later_one():
    x = mg.Tensor(np.array([1.0, 0.0]), requires_grad=True)
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly():
        (x.log() * 0.0).sum()  # log(0) = -inf first, then -inf * 0 = NaN
    assert info.value.op == "log" and info.value.index == (1,)
    assert info.value.layer is None and "outside any layer" in str(info.value)


def test_backward_inf_names_the_op_the_layer_and_the_input():
    model = mg.Sequential(mg.layer("dense", 2, 2, rng=0), mg.layer("relu"), Sqrt())
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly(model=model):
        out = model(np.array([[-1.0, -1.0]]))  # relu -> 0, sqrt(0) = 0 is fine forward
        out.sum().backward()  # d sqrt(x)/dx = 1/(2 sqrt(0)) = inf
    err = info.value
    assert (err.phase, err.op, err.layer, err.input_position) == ("backward", "sqrt", "2", 0)
    assert re.search(r"gradient with -?inf for input 0 \(shape \(1, 2\)\)", str(err))
    assert "add a small epsilon inside the root" in str(err)


def test_non_finite_data_is_blamed_on_the_data():
    model = mg.Sequential(mg.layer("dense", 2, 2, rng=0))
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly(model=model):
        model(np.array([[1.0, np.nan]]))
    err = info.value
    assert (err.op, err.layer) == ("dense", "0")
    assert "dense(2 -> 2)" in str(err)
    assert "input 0 already held NaN" in str(err) and "np.isfinite" in str(err)


def test_exploding_values_point_at_the_learning_rate():
    model = mg.Sequential(mg.layer("dense", 2, 2, rng=0))
    model[0].W.data[...] = 1e200
    with pytest.raises(mg.AnomalyError) as info, mg.detect_anomaly(model=model):
        model(np.full((3, 2), 1e200))
    assert "reach |x| = 1e+200" in str(info.value) and "learning rate is probably too high" in str(info.value)


def test_fit_detect_anomaly_option_names_the_layer():
    X, Y = mg.dataset("moons", n=32, noise=0.1, seed=0)
    model = mg.Sequential(mg.layer("dense", 2, 4, rng=0), mg.layer("relu"), mg.layer("dense", 4, 2, rng=1))
    optimizer = mg.optimizer("sgd", model.parameters(), lr=1e200)  # diverges at once
    with warnings.catch_warnings(), pytest.raises(mg.AnomalyError) as info:
        warnings.simplefilter("ignore")
        mg.fit(
            model,
            (X, Y),
            loss="softmax_cross_entropy",
            optimizer=optimizer,
            epochs=3,
            batch_size=8,
            detect_anomaly=True,
            gradient_limits=None,
        )
    err = info.value
    assert err.phase in ("forward", "backward")
    assert err.layer in ("0", "1", "2", None)
    assert _state.anomaly is None  # switched off again


def test_without_anomaly_mode_nothing_is_checked():
    assert _state.anomaly is None
    model = mg.Sequential(Log())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = model(mg.Tensor([[0.0, -1.0]]))
    assert np.isneginf(out.data[0, 0]) and np.isnan(out.data[0, 1])


def test_context_manager_and_decorator_restore_the_previous_state():
    outer = mg.detect_anomaly()
    with outer:
        assert _state.anomaly is outer
        inner = mg.detect_anomaly()
        with inner:
            assert _state.anomaly is inner
        assert _state.anomaly is outer
    assert _state.anomaly is None

    @mg.detect_anomaly()
    def step(v):
        assert isinstance(_state.anomaly, mg.AnomalyDetector)
        return v.log()

    with pytest.raises(mg.AnomalyError):
        step(mg.Tensor(np.array([0.0])))
    assert _state.anomaly is None  # restored after the error too
    assert step(mg.Tensor(np.array([1.0]))).data[0] == 0.0


def test_anomaly_mode_is_per_thread():
    seen = []
    with mg.detect_anomaly():
        worker = threading.Thread(target=lambda: seen.append(_state.anomaly))
        worker.start()
        worker.join()
    assert seen == [None]


def test_model_must_be_a_module():
    with pytest.raises(mg.ConfigError, match="must be a minigrad Module"):
        mg.detect_anomaly(model=42)


def test_results_are_unchanged_in_anomaly_mode():
    model = mg.Sequential(mg.layer("dense", 2, 3, rng=0), mg.layer("tanh"), mg.layer("dense", 3, 2, rng=1))
    loss = mg.loss("softmax_cross_entropy")
    Y = np.array([0, 1])
    J = loss(model(X), Y)
    J.backward()
    plain = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    with mg.detect_anomaly(model=model):
        J2 = loss(model(X), Y)
        J2.backward()
    assert J2.data == J.data
    for a, p in zip(plain, model.parameters()):
        np.testing.assert_array_equal(a, p.grad)


def test_one_detector_shared_between_threads_works_in_each():
    """Each thread enters and exits the shared object on its own: its own previous state,
    its own NumPy error state (restored, so warnings come back) and its own layer stack."""
    detector = mg.detect_anomaly()
    b_inside, a_done = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    class Hold(mg.Module):
        def forward(self, x):
            b_inside.set()
            assert a_done.wait(10)
            return x

    def thread_b():
        try:
            with detector:
                mg.Sequential(Hold())(mg.Tensor(X))  # B is inside a layer while A runs
                seen["B inside"] = _state.anomaly is detector
            seen["B after"] = (_state.anomaly, np.geterr()["divide"])
        except Exception as err:  # reported by the assertion on seen
            seen["B"] = err
            b_inside.set()

    default_divide = np.geterr()["divide"]
    worker = threading.Thread(target=thread_b)
    worker.start()
    assert b_inside.wait(10)
    try:
        with pytest.raises(mg.AnomalyError) as raised, detector:
            mg.Sequential(mg.layer("identity"), Log())(mg.Tensor(np.array([[0.0, 1.0]])))
    finally:
        a_done.set()
        worker.join(10)
    assert raised.value.layer == "1" and "of the Sequential model" in str(raised.value)
    assert (_state.anomaly, np.geterr()["divide"]) == (None, default_divide)
    assert seen == {"B inside": True, "B after": (None, default_divide)}


def test_one_detector_shared_between_asyncio_tasks_works_in_each():
    import asyncio

    detector = mg.detect_anomaly()
    default = np.geterr()

    async def task(name, order, log):
        with detector:
            log.append((name, "in", _state.anomaly is detector, np.geterr()["invalid"]))
            await order[name].wait()
            log.append((name, "out", _state.anomaly is detector))
        log.append((name, "after", _state.anomaly, np.geterr() == default))

    async def main():
        order = {"A": asyncio.Event(), "B": asyncio.Event()}
        log: list[tuple] = []
        a = asyncio.create_task(task("A", order, log))
        b = asyncio.create_task(task("B", order, log))
        await asyncio.sleep(0)  # both are inside the block now
        order["A"].set()  # A leaves first, B is still inside
        await a
        order["B"].set()
        await b
        return log

    log = asyncio.run(main())
    assert log == [
        ("A", "in", True, "ignore"),
        ("B", "in", True, "ignore"),
        ("A", "out", True),
        ("A", "after", None, True),
        ("B", "out", True),
        ("B", "after", None, True),
    ]
