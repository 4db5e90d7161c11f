"""Tensors, parameters and models pickle for copies and other processes (multiprocessing,
Dask): values, gradients and flags travel; the graph and the in-place stamps, which
belong to the sending process's graph clock, do not."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import numpy as np

import minigrad as mg

# a fresh process: the graph clock starts again (as in a "spawn" worker or on a Dask worker)
_TRAIN_IN_A_NEW_PROCESS = """
import pickle, sys
import numpy as np
import minigrad as mg
model, X = pickle.loads(sys.stdin.buffer.read())
opt = mg.optimizer("sgd", model.parameters(), lr=0.1)
for _ in range(2):
    opt.zero_grad()
    model(X).sum().backward()
    opt.step()
print(float(model(X).sum().item()))
"""


def _trained_model():
    model = mg.Sequential(mg.layer("dense", 3, 4, rng=0), mg.layer("relu"), mg.layer("dense", 4, 1, rng=1))
    opt = mg.optimizer("adam", model.parameters(), lr=0.01)
    X = np.random.default_rng(0).standard_normal((8, 3))
    for _ in range(20):  # many in-place stamps: far along this process's clock
        opt.zero_grad()
        model(X).sum().backward()
        opt.step()
    return model, X


def test_a_trained_model_trains_on_in_a_new_process():
    model, X = _trained_model()
    run = subprocess.run(
        [sys.executable, "-c", _TRAIN_IN_A_NEW_PROCESS],
        input=pickle.dumps((model, X)),
        capture_output=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr.decode()
    # the same two steps here give the same number
    here = pickle.loads(pickle.dumps(model))
    opt = mg.optimizer("sgd", here.parameters(), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        here(X).sum().backward()
        opt.step()
    assert float(run.stdout) == float(here(X).sum().item())


def test_pickling_keeps_values_gradients_and_flags_but_not_the_graph():
    w = mg.Parameter([[1.0, 2.0]], name="w", regularize=False)
    w.grad = np.array([[0.5, 0.5]])
    for twin in (pickle.loads(pickle.dumps(w)), copy.deepcopy(w), copy.copy(w)):
        assert type(twin) is mg.Parameter and twin.name == "w" and twin.regularize is False
        assert twin.requires_grad and twin.is_leaf and twin._changed_at == w._changed_at
        np.testing.assert_array_equal(twin.data, w.data)
        np.testing.assert_array_equal(twin.grad, w.grad)
    computed = w * 2.0
    twin = pickle.loads(pickle.dumps(computed))
    assert twin.is_leaf and twin.requires_grad  # a leaf: the graph stays behind
    (twin * twin).sum().backward()
    np.testing.assert_array_equal(twin.grad, [[4.0, 8.0]])
    assert w.grad.tolist() == [[0.5, 0.5]]  # nothing reached the original


def test_a_stamped_parameter_arrives_unstamped():
    model, _ = _trained_model()
    stamped = model[0].W
    assert stamped._changed_at < 1  # changed in place by the optimizer
    assert pickle.loads(pickle.dumps(stamped))._changed_at == 1
    assert copy.deepcopy(model)[0].W._changed_at == 1


def test_a_subclass_with_attributes_of_its_own_pickles_them():
    t = _Labelled([1.0, 2.0])
    t.label = "x"
    twin = pickle.loads(pickle.dumps(t))
    assert type(twin) is _Labelled and twin.label == "x" and twin.tolist() == [1.0, 2.0]


class _Labelled(mg.Tensor):
    pass
