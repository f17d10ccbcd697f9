"""Tensor layers: shapes, BatchNorm in training and evaluation, convolution and pooling against direct loops
(and the scalar engine), the RNN against central differences, and the optimisers on tensor parameters."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Value
from engine.names import build_dataset, build_vocab, load_names, split_names
from engine.optim import SGD, Adam
from engine.tensor import Tensor, cross_entropy
from engine.tensor_check import numerical_grad
from engine.tensor_nn import (
    RNN,
    AvgPool2d,
    BatchNorm1d,
    Conv1d,
    Conv2d,
    Embedding,
    Flatten,
    FlattenConsecutive,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    RNNCell,
    Sequential,
    Sigmoid,
    Tanh,
    conv1d,
    conv2d,
)


def assert_grads_match_central_differences(f, tensors, upstream, rtol=1e-6, atol=1e-7):
    """Backward from `upstream` through f(), then every tensor's grad against central differences."""
    for t in tensors:
        t.grad = np.zeros_like(t.data)
    f().backward(upstream)
    for t in tensors:
        numerical = numerical_grad(lambda: float((f().data * upstream).sum()), t)
        np.testing.assert_allclose(t.grad, numerical, rtol=rtol, atol=atol)


# -- simple layers ----------------------------------------------------------------------------------


def test_linear_shapes_parameters_and_seeded_init():
    layer = Linear(30, 200)
    assert layer.weight.shape == (30, 200) and layer.bias.shape == (200,)
    assert layer(Tensor(np.ones((32, 30)))).shape == (32, 200)
    assert layer(Tensor(np.ones((4, 3, 30)))).shape == (4, 3, 200)
    assert layer.parameters() == [layer.weight, layer.bias]
    assert Linear(30, 200, bias=False).parameters()[0].shape == (30, 200)
    assert np.array_equal(Linear(3, 4).weight.data, Linear(3, 4).weight.data)  # the default seed
    assert np.array_equal(Linear(3, 4, seed=5).weight.data, Linear(3, 4, seed=5).weight.data)
    assert not np.array_equal(Linear(3, 4, seed=5).weight.data, Linear(3, 4, seed=6).weight.data)
    rng = np.random.default_rng(0)
    assert not np.array_equal(Linear(3, 4, rng=rng).weight.data, Linear(3, 4, rng=rng).weight.data)
    assert abs(Linear(400, 400).weight.data.std() - 1 / 20) < 0.002  # randn / sqrt(fan_in)


def test_embedding_looks_up_rows():
    emb = Embedding(27, 10)
    X = np.array([[0, 5, 5], [26, 1, 0]])
    out = emb(X)
    assert out.shape == (2, 3, 10) and out is emb.out
    np.testing.assert_array_equal(out.data[1, 0], emb.weight.data[26])


def test_activation_layers_keep_their_output():
    x = Tensor([[-1.0, 0.5]])
    for layer, fn in (
        (Tanh(), np.tanh),
        (ReLU(), lambda a: np.maximum(a, 0)),
        (Sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    ):
        np.testing.assert_allclose(layer(x).data, fn(x.data))
        assert layer.out.shape == (1, 2) and layer.parameters() == []


def test_flatten_consecutive_puts_neighbours_side_by_side():
    x = Tensor(np.arange(4 * 8 * 3, dtype=float).reshape(4, 8, 3))
    y = FlattenConsecutive(2)(x)
    assert y.shape == (4, 4, 6)
    np.testing.assert_array_equal(y.data[1, 2], np.concatenate([x.data[1, 4], x.data[1, 5]]))
    assert FlattenConsecutive(8)(x).shape == (4, 24)  # one step left: the time axis goes
    with pytest.raises(ValueError, match="multiple"):
        FlattenConsecutive(3)(x)
    assert Flatten()(Tensor(np.ones((2, 3, 4, 5)))).shape == (2, 60)


def test_makemore_hierarchical_model_has_karpathys_parameter_count():
    n_embd, n_hidden = 24, 128
    model = Sequential(
        Embedding(27, n_embd),
        FlattenConsecutive(2), Linear(n_embd * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
        FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
        FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
        Linear(n_hidden, 27),
    )  # fmt: skip
    assert sum(p.size for p in model.parameters()) == 76579  # as in makemore part 5
    X = np.random.default_rng(0).integers(0, 27, (32, 8))
    logits = model(X)
    assert logits.shape == (32, 27)
    assert [layer.out.shape for layer in model.layers[:5]] == [(32, 8, 24), (32, 4, 48), (32, 4, 128)] + [
        (32, 4, 128)
    ] * 2
    loss = cross_entropy(logits, np.zeros(32, dtype=int))
    loss.backward()
    assert all(np.any(p.grad != 0) for p in model.parameters())
    model.zero_grad()
    assert all(not p.grad.any() for p in model.parameters())
    assert len(model) == 14 and isinstance(model[0], Embedding)


def test_train_and_eval_reach_every_layer_inside():
    rnn = RNN(2, 3)
    model = Sequential(Linear(2, 2), Sequential(BatchNorm1d(2), Tanh()), rnn)
    assert model.eval() is model
    inner = [model, *model.children(), *model.layers[1].children(), rnn.cell]
    assert all(not m.training for m in inner)
    model.train()
    assert all(m.training for m in inner)
    assert Module().parameters() == [] and repr(Tanh()) == "Tanh()"


# -- BatchNorm ----------------------------------------------------------------------------------------


def test_batchnorm_in_training_normalises_with_the_batch_and_tracks_running_statistics():
    rng = np.random.default_rng(0)
    bn = BatchNorm1d(4, momentum=0.1)
    x1, x2 = rng.normal(3.0, 2.0, (16, 4)), rng.normal(-1.0, 0.5, (16, 4))
    y = bn(Tensor(x1))
    np.testing.assert_allclose(y.data.mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.data.var(0), x1.var(0) / (x1.var(0) + 1e-5), rtol=1e-12)
    bn(Tensor(x2))
    mean = 0.9 * (0.9 * 0.0 + 0.1 * x1.mean(0)) + 0.1 * x2.mean(0)
    var = 0.9 * (0.9 * 1.0 + 0.1 * x1.var(0, ddof=1)) + 0.1 * x2.var(0, ddof=1)  # unbiased, as PyTorch
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-12)


def test_batchnorm_in_eval_uses_the_running_statistics():
    rng = np.random.default_rng(1)
    bn = BatchNorm1d(3)
    for _ in range(5):
        bn(Tensor(rng.normal(2.0, 3.0, (10, 3))))
    bn.gamma.data[:] = [1.0, 2.0, 0.5]
    bn.beta.data[:] = [0.0, -1.0, 1.0]
    bn.eval()
    x = rng.normal(size=(6, 3))
    before = bn.running_mean.copy()
    y = bn(Tensor(x))
    expected = bn.gamma.data * (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-5) + bn.beta.data
    np.testing.assert_allclose(y.data, expected, rtol=1e-12)
    np.testing.assert_array_equal(bn.running_mean, before)  # not updated in eval
    np.testing.assert_allclose(bn(Tensor(x[2:3])).data, y.data[2:3], rtol=1e-12)  # one example alone: same answer
    bn.train()
    with pytest.raises(ValueError, match="more than one value"):
        bn(Tensor(x[:1]))


def test_batchnorm_of_sequences_uses_batch_and_time():
    rng = np.random.default_rng(2)
    bn = BatchNorm1d(5)
    x = rng.normal(1.0, 2.0, (4, 3, 5))
    y = bn(Tensor(x))
    np.testing.assert_allclose(y.data.mean((0, 1)), 0.0, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean((0, 1)), rtol=1e-12)
    with pytest.raises(ValueError, match="features"):
        bn(Tensor(np.ones((4, 3))))


def test_batchnorm_gradients_flow_through_the_batch_statistics():
    rng = np.random.default_rng(3)
    bn = BatchNorm1d(3)
    bn.gamma.data[:] = rng.normal(size=3)
    bn.beta.data[:] = rng.normal(size=3)
    x = Tensor(rng.normal(size=(5, 3)))
    assert_grads_match_central_differences(lambda: bn(x), [x, bn.gamma, bn.beta], rng.normal(size=(5, 3)))


# -- convolution and pooling ----------------------------------------------------------------------------


def conv2d_loop(x, w, b, stride=(1, 1), padding=0):
    """The definition, one output number at a time: works on floats and on object arrays of Values."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    (B, _, H, W), (n_out, _, kh, kw) = x.shape, w.shape
    Ho, Wo = (H - kh) // stride[0] + 1, (W - kw) // stride[1] + 1
    out = np.empty((B, n_out, Ho, Wo), dtype=x.dtype)
    for n in range(B):
        for o in range(n_out):
            for i in range(Ho):
                for j in range(Wo):
                    patch = x[n, :, i * stride[0] : i * stride[0] + kh, j * stride[1] : j * stride[1] + kw]
                    if x.dtype == object:
                        out[n, o, i, j] = Value.dot(list(w[o].ravel()), list(patch.ravel()), b[o])
                    else:
                        out[n, o, i, j] = (patch * w[o]).sum() + b[o]
    return out


def as_values(a):
    out = np.empty(a.shape, dtype=object)
    for i in np.ndindex(a.shape):
        out[i] = Value(float(a[i]))
    return out


@pytest.mark.parametrize(("stride", "padding"), [((1, 1), 0), ((2, 1), 1), ((2, 2), 2)])
def test_conv2d_matches_the_direct_loop_and_the_scalar_engine(stride, padding):
    rng = np.random.default_rng(4)
    x, w, b = rng.normal(size=(2, 2, 5, 6)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    xt, wt, bt = Tensor(x), Tensor(w), Tensor(b)
    out = conv2d(xt, wt, bt, stride=stride, padding=padding)
    np.testing.assert_allclose(out.data, conv2d_loop(x, w, b, stride, padding), rtol=1e-12, atol=1e-12)

    upstream = rng.normal(size=out.shape)
    out.backward(upstream)
    xv, wv, bv = as_values(x), as_values(w), as_values(b)
    vout = conv2d_loop(xv, wv, bv, stride, padding)
    Value.dot(list(vout.ravel()), list(upstream.ravel())).backward()
    for t, v in ((xt, xv), (wt, wv), (bt, bv)):
        np.testing.assert_allclose(t.grad, np.vectorize(lambda e: e.grad)(v), rtol=1e-10, atol=1e-12)


def test_conv2d_gradients_match_central_differences():
    rng = np.random.default_rng(5)
    conv = Conv2d(2, 3, kernel_size=(2, 3), stride=(1, 2), padding=1, seed=0)
    x = Tensor(rng.normal(size=(2, 2, 4, 5)))
    out = conv(x)
    assert out.shape == (2, 3, 5, 3) and len(conv.parameters()) == 2
    assert_grads_match_central_differences(lambda: conv(x), [x, *conv.parameters()], rng.normal(size=out.shape))


def test_conv1d_matches_the_direct_loop_and_central_differences():
    rng = np.random.default_rng(6)
    conv = Conv1d(2, 4, kernel_size=3, stride=2, padding=1, bias=False)
    x = Tensor(rng.normal(size=(3, 2, 9)))
    out = conv(x)
    assert out.shape == (3, 4, 5) and conv.parameters() == [conv.weight]
    xp, w = np.pad(x.data, ((0, 0), (0, 0), (1, 1))), conv.weight.data
    expected = np.array(
        [[[(xp[n, :, 2 * i : 2 * i + 3] * w[o]).sum() for i in range(5)] for o in range(4)] for n in range(3)]
    )
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv1d(x, conv.weight, stride=2, padding=1).data, expected, rtol=1e-12, atol=1e-12)
    assert_grads_match_central_differences(lambda: conv(x), [x, conv.weight], rng.normal(size=out.shape))
    with pytest.raises(ValueError, match="needs input"):
        conv(Tensor(np.ones((3, 5, 9))))


@pytest.mark.parametrize(("kernel", "stride"), [(2, None), (3, 1), ((2, 3), (1, 2))])
def test_pooling_matches_direct_loops_and_central_differences(kernel, stride):
    rng = np.random.default_rng(7)
    x = Tensor(rng.normal(size=(2, 3, 6, 7)))
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    Ho, Wo = (6 - kh) // sh + 1, (7 - kw) // sw + 1
    for layer, reduce in ((MaxPool2d(kernel, stride), np.max), (AvgPool2d(kernel, stride), np.mean)):
        out = layer(x)
        expected = np.empty((2, 3, Ho, Wo))
        for i in range(Ho):
            for j in range(Wo):
                expected[:, :, i, j] = reduce(x.data[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw], axis=(2, 3))
        np.testing.assert_allclose(out.data, expected, rtol=1e-12)
        assert_grads_match_central_differences(lambda layer=layer: layer(x), [x], rng.normal(size=out.shape))


def test_a_tiny_cnn_learns():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(16, 1, 8, 8))
    y = (X[:, 0, :4].sum((1, 2)) > X[:, 0, 4:].sum((1, 2))).astype(int)  # top half brighter than the bottom?
    model = Sequential(Conv2d(1, 4, 3, padding=1), ReLU(), MaxPool2d(2), Flatten(), Linear(64, 2))
    opt = Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(30):
        loss = cross_entropy(model(Tensor(X)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


# -- the RNN ---------------------------------------------------------------------------------------------


def test_rnn_unrolls_the_same_cell_over_time():
    rng = np.random.default_rng(9)
    rnn = RNN(3, 4, seed=1)
    x = rng.normal(size=(2, 5, 3))
    out = rnn(Tensor(x))
    assert out.shape == (2, 5, 4) and len(rnn.hs) == 5 and rnn.hs[-1].label == "h5"
    cell = rnn.cell
    h = np.zeros((2, 4))
    for t in range(5):
        h = np.tanh(x[:, t] @ cell.W_xh.data + h @ cell.W_hh.data + cell.b.data)
        np.testing.assert_allclose(out.data[:, t], h, rtol=1e-12)
    assert rnn.parameters() == [cell.W_xh, cell.W_hh, cell.b]
    assert isinstance(cell, RNNCell) and cell(Tensor(x[:, 0]), Tensor(h)).shape == (2, 4)
    with pytest.raises(ValueError, match="batch, time"):
        rnn(Tensor(x[0]))


def test_rnn_gradients_through_time_match_central_differences():
    rng = np.random.default_rng(10)
    rnn = RNN(2, 3, seed=2)
    x, h0 = Tensor(rng.normal(size=(2, 4, 2))), Tensor(rng.normal(size=(2, 3)))
    upstream = rng.normal(size=(2, 4, 3))
    assert_grads_match_central_differences(lambda: rnn(x, h0), [x, h0, *rnn.parameters()], upstream)
    rnn(x, h0)[:, -1].sum().backward()  # only the last step's output: grads reach every earlier step
    assert all(np.any(h.grad != 0) for h in rnn.hs)


# -- optimisers on tensors ------------------------------------------------------------------------------


def test_sgd_with_momentum_and_weight_decay_on_tensors():
    p = Tensor([1.0, -2.0])
    opt = SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    v = np.zeros(2)
    data = p.data.copy()
    for grad in ([0.5, 0.5], [-1.0, 2.0]):
        p.grad[:] = grad
        g = np.array(grad) + 0.01 * data
        v = 0.9 * v + g
        data = data - 0.1 * v
        opt.step()
        np.testing.assert_allclose(p.data, data, rtol=1e-15)
    grad_array = p.grad
    opt.zero_grad()
    assert p.grad is grad_array and not p.grad.any()  # zeroed in place


def test_adam_on_tensors_follows_the_formula():
    p = Tensor(np.array([[0.5, -0.5]]))
    opt = Adam([p], lr=0.01)
    m = v = np.zeros((1, 2))
    data = p.data.copy()
    for t, grad in enumerate(([[0.1, -0.3]], [[0.2, 0.4]]), start=1):
        opt.zero_grad()
        p.grad = p.grad + np.array(grad)
        m = 0.9 * m + 0.1 * np.array(grad)
        v = 0.999 * v + 0.001 * np.array(grad) ** 2
        data = data - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        opt.step()
        np.testing.assert_allclose(p.data, data, rtol=1e-14)


def test_the_mlp_language_model_learns_names():
    words = load_names()
    stoi, _ = build_vocab(words)
    train, dev, _ = split_names(words, seed=42)
    Xtr, Ytr = build_dataset(train, 3, stoi)
    Xdev, Ydev = build_dataset(dev, 3, stoi)
    model = Sequential(Embedding(27, 10), FlattenConsecutive(3), Linear(30, 100), Tanh(), Linear(100, 27))
    model.layers[-1].weight.data *= 0.1  # a calm start: loss near -ln(1/27)
    assert abs(cross_entropy(model(Xdev), Ydev).item() - np.log(27)) < 0.3
    opt = SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    for _ in range(400):
        ix = rng.integers(0, len(Xtr), 32)
        loss = cross_entropy(model(Xtr[ix]), Ytr[ix])
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert cross_entropy(model(Xdev), Ydev).item() < 2.75
