"""Built-in layers: dense, dropout, batch_norm, flatten."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

FLOATS = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False, width=64)


def check(fn, inputs, **options):
    return mg.assert_gradcheck(fn, inputs, max_error=1e-7, **options)


# --------------------------------------------------------------------- dense
class TestDense:
    @pytest.mark.parametrize("shape", [(1024, 64), (3, 4, 5), (0, 3)])
    def test_bias_gradient_is_the_column_sum_and_no_less_accurate(self, rng, shape):
        layer = mg.layer("dense", shape[-1], 6, dtype=np.float32, rng=rng)
        x = mg.Tensor(rng.standard_normal(shape).astype(np.float32))
        upstream = (rng.standard_normal((*shape[:-1], 6)) + 0.5).astype(np.float32)
        (layer(x) * upstream).sum().backward()
        exact = upstream.reshape(-1, 6).astype(np.float64).sum(axis=0)
        assert layer.b.grad.dtype == np.float32 and layer.b.grad.shape == (6,)
        error = np.abs(layer.b.grad - exact).max()
        assert error <= np.abs(upstream.reshape(-1, 6).sum(axis=0) - exact).max() + 1e-6

    def test_bias_gradient_keeps_few_ones_vectors_and_they_are_read_only(self, rng):
        from minigrad import nn_functions

        layer = mg.layer("dense", 2, 3, rng=rng)
        for rows in range(1, 40):
            (layer(rng.standard_normal((rows, 2))) * 2.0).sum().backward()
            np.testing.assert_allclose(layer.b.grad, np.full(3, 2.0 * rows))
            layer.b.grad = None
        assert 0 < len(nn_functions._ONES) <= 16
        assert not any(ones.flags.writeable for ones in nn_functions._ONES.values())

    def test_registered_with_doc_and_example(self):
        comp = mg.component("layers", "dense")
        assert comp.plugin == "builtin"
        assert "X @ W + b" in comp.doc
        module, inputs = comp.example(np.random.default_rng(0))
        assert isinstance(module, mg.Module)
        assert all(x.dtype == np.float64 for x in inputs)

    def test_forward_is_x_w_plus_b(self, rng):
        layer = mg.layer("dense", 3, 2, rng=rng)
        layer.b.data[...] = [1.0, -1.0]
        x = rng.standard_normal((4, 3))
        np.testing.assert_allclose(layer(x).data, x @ layer.W.data + layer.b.data)

    def test_parameters_shapes_and_regularize_flags(self):
        layer = mg.layer("dense", 5, 3, rng=0)
        params = dict(layer.named_parameters())
        assert params["W"].shape == (5, 3) and params["b"].shape == (3,)
        assert params["W"].regularize is True
        assert params["b"].regularize is False
        assert np.all(params["b"].data == 0)

    def test_default_init_is_he(self):
        layer = mg.layer("dense", 400, 300, rng=7)
        assert layer.init == "he"
        expected = mg.initializer("he")((400, 300), fan_in=400, fan_out=300, rng=7, dtype=np.float64)
        np.testing.assert_array_equal(layer.W.data, expected)
        assert layer.W.data.var() == pytest.approx(2 / 400, rel=0.03)  # 120,000 draws: ~1.2% at 3 sigma
        np.testing.assert_array_equal(layer.b.data, np.zeros(300))

    def test_without_bias(self, rng):
        layer = mg.layer("dense", 3, 2, bias=False, rng=rng)
        assert [name for name, _ in layer.named_parameters()] == ["W"]
        x = rng.standard_normal((4, 3))
        np.testing.assert_allclose(layer(x).data, x @ layer.W.data)
        check(lambda t: layer(t), [x], params=layer)

    @pytest.mark.parametrize("bias", [True, False])
    def test_gradcheck_input_and_parameters(self, rng, bias):
        layer = mg.layer("dense", 4, 3, bias=bias, rng=rng)
        if bias:
            layer.b.data[...] = rng.standard_normal(3)
        report = check(lambda t: layer(t), [rng.standard_normal((5, 4))], params=layer)
        names = {c.name for c in report.checks}
        assert names == ({"input 0", "W", "b"} if bias else {"input 0", "W"})

    def test_gradcheck_more_than_two_axes(self, rng):
        layer = mg.layer("dense", 3, 2, rng=rng)
        layer.b.data[...] = rng.standard_normal(2)
        check(lambda t: layer(t), [rng.standard_normal((2, 4, 3))], params=layer)

    @given(
        m=st.integers(1, 6),
        n_in=st.integers(1, 5),
        n_out=st.integers(1, 5),
        seed=st.integers(0, 2**32 - 1),
    )
    def test_gradcheck_any_shape(self, m, n_in, n_out, seed):
        gen = np.random.default_rng(seed)
        layer = mg.layer("dense", n_in, n_out, rng=gen)
        layer.b.data[...] = gen.standard_normal(n_out)
        check(lambda t: layer(t), [gen.standard_normal((m, n_in))], params=layer)

    @given(
        shape=st.sampled_from([(1, 3), (5, 3), (2, 4, 3)]),
        n_out=st.integers(1, 5),
        bias=st.booleans(),
        seed=st.integers(0, 2**32 - 1),
    )
    def test_followed_by_relu_gradcheck_in_sequential(self, shape, n_out, bias, seed):
        gen = np.random.default_rng(seed)
        model = mg.Sequential(mg.layer("dense", shape[-1], n_out, bias=bias, rng=gen), mg.layer("relu"))
        if bias:
            model[0].b.data[...] = gen.standard_normal(n_out)
        x = gen.standard_normal(shape)
        x[np.abs(x) < 1e-3] = 0.5  # keep pre-activations off the ReLU's kink
        check(lambda t: model(t), [x], params=model)


class TestDenseRunFusion:
    """Sequential runs a run of dense and relu layers as one DenseStack node, same numbers."""

    @staticmethod
    def _model(rng, dtype=np.float64):
        layers = [mg.layer("dense", 4, 5, rng=rng, dtype=dtype), mg.layer("relu")]
        layers += [mg.layer("dense", 5, 3, rng=rng, dtype=dtype), mg.layer("relu")]
        layers += [mg.layer("dense", 3, 2, rng=rng, dtype=dtype)]
        model = mg.Sequential(*layers)
        for layer in layers[::2]:
            layer.b.data[...] = rng.standard_normal(layer.b.shape)
        return model

    @staticmethod
    def _unfused(model, x):
        for layer in model:
            x = layer(x)
        return x

    @staticmethod
    def _nodes(out):
        names, ctx = [], out._ctx
        while ctx is not None:
            names.append(ctx.fn.op_name())
            ctx = next((p._ctx for p in ctx.parents if p is not None and p._ctx is not None), None)
        return names

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_same_outputs_and_gradients_as_the_layers_one_by_one(self, rng, dtype):
        model = self._model(rng, dtype)
        x = mg.Tensor(rng.standard_normal((6, 4)).astype(dtype), requires_grad=True)
        labels = rng.integers(0, 2, 6)
        loss = mg.loss("softmax_cross_entropy")
        results = []
        for run in (model, lambda t: self._unfused(model, t)):
            out = run(x)
            loss(out, labels).backward()
            results.append([out.data, x.grad] + [p.grad for p in model.parameters()])
            x.grad = None
            model.zero_grad()
        for fused, plain in zip(*results):
            np.testing.assert_array_equal(fused, plain)
            assert fused.dtype == dtype

    def test_one_node_for_the_whole_run(self, rng):
        model = self._model(rng)
        x = mg.Tensor(rng.standard_normal((2, 4)), requires_grad=True)
        assert self._nodes(model(x)) == ["dense_stack"]
        assert self._nodes(self._unfused(model, x)) == ["dense", "relu", "dense", "relu", "dense"]

    def test_runs_end_at_other_layers_a_second_relu_and_mismatched_sizes(self, rng):
        x = mg.Tensor(rng.standard_normal((2, 3)), requires_grad=True)
        dense = lambda n_in, n_out: mg.layer("dense", n_in, n_out, rng=rng)  # noqa: E731
        model = mg.Sequential(dense(3, 4), dense(4, 4), mg.layer("relu"), mg.layer("relu"), dense(4, 2))
        assert self._nodes(model(x)) == ["dense", "relu", "dense_stack"]
        model = mg.Sequential(dense(3, 4), mg.layer("tanh"), dense(4, 2), mg.layer("relu"))
        assert self._nodes(model(x)) == ["dense_stack", "tanh", "dense"]
        model = mg.Sequential(dense(3, 4), mg.layer("relu"), dense(5, 2))  # 4 outputs meet 5 inputs
        with pytest.raises(mg.ShapeError, match=r"dense\(5 -> 2\): expected input with 5 features"):
            model(x)

    def test_anomaly_mode_runs_every_layer(self, rng):
        model = self._model(rng)
        x = mg.Tensor(rng.standard_normal((2, 4)), requires_grad=True)
        with mg.detect_anomaly():
            assert self._nodes(model(x)) == ["dense", "relu", "dense", "relu", "dense"]
        assert self._nodes(model(x)) == ["dense_stack"]

    def test_no_fusion_for_subclasses_other_activations_or_replaced_forwards(self, rng):
        from minigrad_plugins.layers import Dense

        class MyDense(Dense):
            pass

        x = mg.Tensor(rng.standard_normal((2, 3)), requires_grad=True)
        model = mg.Sequential(MyDense(3, 2, rng=0), mg.layer("relu"))
        assert self._nodes(model(x)) == ["relu", "dense"]
        model = mg.Sequential(mg.layer("dense", 3, 2, rng=0), mg.layer("tanh"))
        assert self._nodes(model(x))[0] == "tanh"
        model = mg.Sequential(mg.layer("dense", 3, 2, rng=0), mg.layer("relu"))
        model[1].forward = lambda t: t * 2.0  # a replaced forward is honoured
        np.testing.assert_allclose(model(x).data, 2.0 * model[0](x).data)

    def test_changes_after_the_first_call_take_effect_at_the_next(self, rng):
        model = self._model(rng)
        x = mg.Tensor(rng.standard_normal((2, 4)), requires_grad=True)
        assert self._nodes(model(x)) == ["dense_stack"]
        setattr(model, "1", mg.layer("tanh"))  # a layer replaced
        assert self._nodes(model(x)) == ["dense_stack", "tanh", "dense"]
        model[3].forward = lambda t: t * 0.0  # a layer's forward replaced: only the bias is left
        np.testing.assert_array_equal(model(x).data, np.broadcast_to(model[4].b.data, (2, 2)))
        del model[3].forward
        model.append(mg.layer("relu"))  # a layer added
        assert self._nodes(model(x)) == ["dense_stack", "tanh", "dense"]
        assert model._plan[1][-1][2] == (2, 6)

    def test_a_deep_copy_of_a_model_that_ran_uses_its_own_parameters(self, rng):
        import copy

        model = self._model(rng)
        x = rng.standard_normal((2, 4))
        before = model(x).data.copy()
        twin = copy.deepcopy(model)
        twin[0].W.data[...] = 0.0
        np.testing.assert_array_equal(model(x).data, before)
        assert not np.array_equal(twin(x).data, before)
        assert self._nodes(twin(mg.Tensor(x, requires_grad=True))) == ["dense_stack"]

    def test_weights_replaced_with_another_dtype_run_the_layers_one_by_one(self, rng):
        model = self._model(rng)
        x = rng.standard_normal((2, 4))
        model(x)
        model[2].W.data = model[2].W.data.astype(np.float32)  # not a module attribute
        with pytest.raises(mg.DTypeError, match=r"dense\(5 -> 3\)"):
            model(x)

    def test_wrong_input_is_named_like_the_unfused_layer(self, rng):
        model = self._model(rng)
        with pytest.raises(mg.ShapeError, match=r"dense\(4 -> 5\)") as info:
            model(np.ones((2, 3)))
        note = "\n".join(info.value.__notes__)
        assert "raised in Sequential layer 0: Dense" in note
        assert "run fused with the layers up to 4 as one node" in note

    @given(
        spec=st.lists(st.tuples(st.integers(1, 4), st.booleans(), st.booleans()), min_size=1, max_size=4),
        shape=st.sampled_from([(1, 3), (4, 3), (2, 3, 3)]),
        seed=st.integers(0, 2**32 - 1),
    )
    def test_gradcheck_any_run(self, spec, shape, seed):
        gen = np.random.default_rng(seed)
        layers, n_in = [], shape[-1]
        for n_out, bias, relu in spec:  # a dense layer, then a relu or not
            dense = mg.layer("dense", n_in, n_out, bias=bias, rng=gen)
            if bias:
                dense.b.data[...] = gen.standard_normal(n_out)
            layers += [dense, mg.layer("relu")] if relu else [dense]
            n_in = n_out
        model = mg.Sequential(*layers)
        x = gen.standard_normal(shape)
        one_node = ["dense_stack"] if len(layers) > 1 else ["dense"]  # a lone dense runs as itself
        assert self._nodes(model(mg.Tensor(x, requires_grad=True))) == one_node
        # keep every pre-activation off the ReLU's kink
        probe = mg.Tensor(x)
        for layer in layers:
            if isinstance(layer, type(layers[0])):
                z = layer(probe).data
                if np.abs(z).min() < 1e-4:
                    return
            probe = layer(probe)
        check(lambda t: model(t), [x], params=model)

    def test_seed_reproducible_and_init_by_name(self):
        a = mg.layer("dense", 4, 3, init="glorot", rng=7).W.data
        b = mg.layer("dense", 4, 3, init="glorot", rng=np.random.default_rng(7)).W.data
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, mg.layer("dense", 4, 3, init="glorot", rng=8).W.data)
        assert np.all(mg.layer("dense", 4, 3, init="zeros").W.data == 0)

    def test_init_accepts_a_configured_initializer(self):
        init = mg.initializer("random_normal", scale=1e-6)
        layer = mg.layer("dense", 50, 50, init=init, rng=0)
        assert np.abs(layer.W.data).max() < 1e-4

    def test_dtype_default_and_explicit(self):
        assert mg.layer("dense", 2, 2).W.dtype == np.float64
        layer = mg.layer("dense", 2, 2, dtype=np.float32)
        assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32
        assert layer(np.ones((1, 2), dtype=np.float32)).dtype == np.float32
        mg.set_default_dtype(np.float32)
        try:
            assert mg.layer("dense", 2, 2).W.dtype == np.float32
        finally:
            mg.set_default_dtype(np.float64)

    def test_integer_input_is_converted(self):
        layer = mg.layer("dense", 2, 1, rng=0)
        out = layer(np.array([[1, 2]]))
        assert out.dtype == np.float64

    def test_wrong_feature_count_names_the_layer(self):
        layer = mg.layer("dense", 3, 4)
        with pytest.raises(mg.ShapeError) as info:
            layer(np.zeros((5, 2)))
        assert "dense(3 -> 4): expected input with 3 features, got shape (5, 2)" in str(info.value)

    def test_dtype_mismatch_names_layer_and_dtypes(self):
        layer = mg.layer("dense", 3, 4)
        with pytest.raises(mg.DTypeError) as info:
            layer(np.zeros((2, 3), dtype=np.float32))
        message = str(info.value)
        assert "dense(3 -> 4)" in message and "float32" in message and "float64" in message

    @pytest.mark.parametrize(
        "args, kwargs",
        [((0, 3), {}), ((3, -1), {}), ((2.5, 3), {}), ((2, 3), {"dtype": np.int64})],
    )
    def test_bad_construction_is_config_error(self, args, kwargs):
        with pytest.raises(mg.ConfigError):
            mg.layer("dense", *args, **kwargs)

    def test_unknown_initializer_suggests_close_names(self):
        with pytest.raises(mg.UnknownComponentError, match="'he'"):
            mg.layer("dense", 2, 2, init="hee")

    def test_repr_shows_options(self):
        text = repr(mg.layer("dense", 3, 4, init="xavier", bias=False, dtype=np.float32))
        assert text == "Dense(3 -> 4, init='xavier', bias=False, dtype=float32)"

    def test_state_dict_round_trip(self):
        a, b = mg.layer("dense", 3, 2, rng=0), mg.layer("dense", 3, 2, rng=1)
        b.load_state_dict(a.state_dict())
        np.testing.assert_array_equal(a.W.data, b.W.data)


# ------------------------------------------------------------------- dropout
class TestDropout:
    def test_registered_as_stochastic(self):
        comp = mg.component("layers", "dropout")
        assert comp.metadata.get("stochastic") is True

    def test_gradcheck_in_training_mode_replays_the_mask(self, rng):
        drop = mg.layer("dropout", 0.6, rng=rng)
        x = rng.standard_normal((6, 5))
        report = check(lambda t: drop(t), [x])
        assert report.verdict == "great"

    def test_gradient_is_mask_over_keep_prob(self, rng):
        drop = mg.layer("dropout", 0.5, rng=0)
        x = mg.Tensor(rng.standard_normal((4, 6)), requires_grad=True)
        out = drop(x)
        out.sum().backward()
        kept = out.data != 0
        np.testing.assert_allclose(x.grad, kept / 0.5)
        np.testing.assert_allclose(out.data[kept], x.data[kept] / 0.5)

    def test_eval_mode_is_identity(self, rng):
        drop = mg.layer("dropout", 0.3, rng=rng).eval()
        x = rng.standard_normal((4, 3))
        np.testing.assert_array_equal(drop(x).data, x)
        check(lambda t: drop(t), [x])

    def test_keep_prob_one_is_identity(self, rng):
        x = rng.standard_normal((4, 3))
        np.testing.assert_array_equal(mg.layer("dropout", 1.0)(x).data, x)

    def test_keep_rate_and_mean_preserved(self):
        keep = 0.8
        drop = mg.layer("dropout", keep, rng=123)
        x = np.ones((400, 250))
        out = drop(x).data
        kept = out != 0
        # 100,000 Bernoulli(0.8) draws: std of the rate is 0.0013
        assert abs(kept.mean() - keep) < 0.01
        np.testing.assert_allclose(out[kept], 1 / keep)
        assert abs(out.mean() - 1.0) < 0.015  # E[mask / keep_prob] = 1

    def test_seed_reproducible_and_masks_vary_between_calls(self):
        x = np.ones((8, 8))
        a, b = mg.layer("dropout", 0.5, rng=3), mg.layer("dropout", 0.5, rng=3)
        first_a, first_b = a(x).data, b(x).data
        np.testing.assert_array_equal(first_a, first_b)
        assert not np.array_equal(first_a, a(x).data)

    def test_float32_stays_float32(self):
        out = mg.layer("dropout", 0.5, rng=0)(np.ones((3, 3), dtype=np.float32))
        assert out.dtype == np.float32

    @pytest.mark.parametrize("keep_prob", [0, -0.1, 1.5, True, "0.5", float("nan")])
    def test_keep_prob_validated(self, keep_prob):
        with pytest.raises(mg.ConfigError, match=r"keep_prob must be a probability in \(0, 1\]"):
            mg.layer("dropout", keep_prob)

    def test_repr(self):
        assert repr(mg.layer("dropout", 0.8)) == "Dropout(keep_prob=0.8)"


# ---------------------------------------------------------------- batch norm
class TestBatchNorm:
    def test_parameters_and_buffers(self):
        bn = mg.layer("batch_norm", 3)
        params = dict(bn.named_parameters())
        assert set(params) == {"gamma", "beta"}
        assert np.all(params["gamma"].data == 1) and np.all(params["beta"].data == 0)
        assert not params["gamma"].regularize and not params["beta"].regularize
        state = bn.state_dict()
        np.testing.assert_array_equal(state["running_mean"], np.zeros(3))
        np.testing.assert_array_equal(state["running_var"], np.ones(3))

    def test_train_output_has_mean_beta_and_std_gamma(self, rng):
        bn = mg.layer("batch_norm", 4, eps=1e-12)
        bn.gamma.data[...] = [0.5, 1.0, 2.0, 3.0]
        bn.beta.data[...] = [-1.0, 0.0, 1.0, 5.0]
        z = rng.standard_normal((64, 4)) * [1.0, 10.0, 0.1, 3.0] + [5.0, -2.0, 0.0, 100.0]
        out = bn(z).data
        np.testing.assert_allclose(out.mean(axis=0), bn.beta.data, atol=1e-9)
        np.testing.assert_allclose(out.std(axis=0), bn.gamma.data, rtol=1e-6)

    @pytest.mark.parametrize("training", [True, False])
    def test_gradcheck_input_gamma_beta(self, rng, training):
        bn = mg.layer("batch_norm", 3)
        bn.gamma.data[...] = rng.uniform(0.5, 2.0, 3)
        bn.beta.data[...] = rng.standard_normal(3)
        bn.running_mean[...] = rng.standard_normal(3)
        bn.running_var[...] = rng.uniform(0.5, 2.0, 3)
        bn.train(training)
        report = check(lambda t: bn(t), [rng.standard_normal((7, 3)) * 2 + 1], params=bn)
        assert {c.name for c in report.checks} == {"input 0", "gamma", "beta"}

    @given(
        z=hnp.arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(1, 4)), elements=FLOATS),
    )
    def test_gradcheck_any_batch(self, z):
        # keep each column's spread away from 0 so the function is well conditioned
        z = z + np.arange(z.shape[0])[:, None] * 0.5
        bn = mg.layer("batch_norm", z.shape[1])
        bn.gamma.data[...] = 1.5
        check(lambda t: bn(t), [z], params=bn)

    def test_running_statistics_update_formula(self, rng):
        momentum = 0.8
        bn = mg.layer("batch_norm", 2, momentum=momentum)
        batches = [rng.standard_normal((5, 2)) * 3 + 1 for _ in range(3)]
        mean, var = np.zeros(2), np.ones(2)
        for z in batches:
            bn(z)
            mean = momentum * mean + (1 - momentum) * z.mean(axis=0)
            var = momentum * var + (1 - momentum) * z.var(axis=0, ddof=1)  # unbiased m/(m-1)
        np.testing.assert_allclose(bn.running_mean, mean)
        np.testing.assert_allclose(bn.running_var, var)

    def test_eval_uses_running_statistics(self, rng):
        bn = mg.layer("batch_norm", 2, eps=1e-5)
        bn.running_mean[...] = [1.0, -2.0]
        bn.running_var[...] = [4.0, 0.25]
        bn.gamma.data[...] = [2.0, 1.0]
        bn.beta.data[...] = [0.5, 0.0]
        bn.eval()
        z = rng.standard_normal((3, 2))
        expected = (z - [1.0, -2.0]) / np.sqrt(np.array([4.0, 0.25]) + 1e-5) * [2.0, 1.0] + [0.5, 0.0]
        np.testing.assert_allclose(bn(z).data, expected)
        # one example at a time works in eval mode and does not touch the buffers
        np.testing.assert_allclose(bn(z[:1]).data, expected[:1])
        np.testing.assert_array_equal(bn.running_mean, [1.0, -2.0])

    def test_converges_to_population_statistics(self):
        gen = np.random.default_rng(0)
        bn = mg.layer("batch_norm", 1)
        for _ in range(200):
            bn(gen.normal(3.0, 2.0, (8, 1)))
        assert abs(bn.running_mean[0] - 3.0) < 0.4
        assert abs(bn.running_var[0] - 4.0) < 1.2

    def test_fused_backward_matches_composite_ops(self, rng):
        z = rng.standard_normal((6, 3))
        gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
        upstream = rng.standard_normal((6, 3))

        def grads(fused):
            t = mg.Tensor(z, requires_grad=True)
            g = mg.Parameter(gamma)
            b = mg.Parameter(beta)
            if fused:
                bn = mg.layer("batch_norm", 3, eps=1e-3)
                bn.gamma, bn.beta = g, b
                out = bn(t)
            else:
                mu = t.mean(axis=0)
                var = ((t - mu) * (t - mu)).mean(axis=0)
                out = (t - mu) / (var + 1e-3).sqrt() * g + b
            out.backward(upstream)
            return out.data, t.grad, g.grad, b.grad

        for a, b in zip(grads(True), grads(False)):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)

    def test_single_example_in_training_is_a_clear_error(self):
        with pytest.raises(mg.ShapeError, match=r"batch_norm\(2\): training mode needs at least 2"):
            mg.layer("batch_norm", 2)(np.ones((1, 2)))

    def test_wrong_features_and_dtype(self):
        bn = mg.layer("batch_norm", 3)
        with pytest.raises(mg.ShapeError, match=r"batch_norm\(3\): expected input with 3 features"):
            bn(np.zeros((4, 2)))
        with pytest.raises(mg.DTypeError, match=r"batch_norm\(3\).*float32.*float64"):
            bn(np.zeros((4, 3), dtype=np.float32))

    def test_float32_layer_keeps_float32_buffers(self, rng):
        bn = mg.layer("batch_norm", 2, dtype=np.float32)
        out = bn(rng.standard_normal((4, 2)).astype(np.float32))
        assert out.dtype == np.float32
        assert bn.running_mean.dtype == np.float32 and bn.running_var.dtype == np.float32

    @pytest.mark.parametrize("options", [{"eps": 0.0}, {"momentum": 1.0}, {"momentum": -0.1}])
    def test_bad_options(self, options):
        with pytest.raises(mg.ConfigError):
            mg.layer("batch_norm", 2, **options)

    def test_default_eps_is_1e_5_in_the_layer_function_and_op(self, rng):
        from minigrad.nn_functions import BatchNorm, batch_norm

        # variance ~1e-4 in the first column: eps = 1e-5 vs 1e-3 changes x̂ by a factor of ~3
        x = rng.standard_normal((32, 2)) * [1e-2, 1.0] + [3.0, -1.0]
        mean, var = x.mean(axis=0), x.var(axis=0)
        expected = (x - mean) / np.sqrt(var + 1e-5)
        assert 0.5e-4 < var[0] < 2e-4
        gamma, beta = np.ones(2), np.zeros(2)
        np.testing.assert_allclose(batch_norm(x, gamma, beta).data, expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(
            BatchNorm.apply(mg.Tensor(x), gamma, beta).data, expected, rtol=1e-12, atol=1e-12
        )
        layer = mg.layer("batch_norm", 2)
        assert layer.eps == 1e-5
        np.testing.assert_allclose(layer(x).data, expected, rtol=1e-12, atol=1e-12)

    def test_repr(self):
        assert repr(mg.layer("batch_norm", 4)) == "BatchNorm(4, eps=1e-05, momentum=0.9, dtype=float64)"

    def test_dense_without_bias_then_batch_norm(self, rng):
        model = mg.Sequential(mg.layer("dense", 3, 4, bias=False, rng=rng), mg.layer("batch_norm", 4))
        assert [n for n, _ in model.named_parameters()] == ["0.W", "1.gamma", "1.beta"]
        check(lambda t: model(t), [rng.standard_normal((6, 3))], params=model)


# ------------------------------------------------------------------- flatten
class TestFlatten:
    def test_flattens_all_but_batch_axis(self, rng):
        x = rng.standard_normal((3, 2, 4))
        out = mg.layer("flatten")(x)
        np.testing.assert_array_equal(out.data, x.reshape(3, 8))
        check(lambda t: mg.layer("flatten")(t), [x])

    def test_empty_batch_and_scalar(self):
        assert mg.layer("flatten")(np.zeros((0, 2, 3))).shape == (0, 6)
        with pytest.raises(mg.ShapeError, match="flatten"):
            mg.layer("flatten")(mg.Tensor(1.0))


# ---------------------------------------------------------- registration kit
LAYER_NAMES = ["dense", "dropout", "batch_norm", "flatten"]


@pytest.mark.parametrize("name", LAYER_NAMES)
@pytest.mark.parametrize("training", [True, False])
def test_registered_example_passes_gradcheck(name, training):
    comp = mg.component("layers", name)
    assert comp.doc
    module, inputs = comp.example(np.random.default_rng(1))
    module.train(training)
    check(lambda *xs: module(*xs), inputs, params=module)
