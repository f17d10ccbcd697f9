"""engine.nn: micrograd's Neuron/Layer/MLP behaviour, activations, seeding, and the tiny layer library."""

from __future__ import annotations

import math
import random

import pytest

from engine import Value
from engine.nn import MLP, Dense, Layer, Linear, Module, Neuron, ReLU, Sequential, Sigmoid, Tanh


def test_mlp_like_micrograd():
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == 337
    out = model([Value(0.5), Value(-1.0)])
    assert isinstance(out, Value)  # a single output is a Value, not a list
    assert [len(layer.neurons) for layer in model.layers] == [16, 16, 1]
    assert [n.nonlin for n in model.layers[0].neurons] == [True] * 16
    assert not model.layers[-1].neurons[0].nonlin  # the last layer is linear


def test_mlp_repr_like_micrograd():
    model = MLP(3, [2, 1])
    assert repr(model) == "MLP of [Layer of [ReLUNeuron(3), ReLUNeuron(3)], Layer of [LinearNeuron(2)]]"
    assert repr(MLP(1, [1, 1], activation="tanh")) == "MLP of [Layer of [TanhNeuron(1)], Layer of [LinearNeuron(1)]]"


def test_mlp_takes_plain_numbers_as_in_the_lecture():
    model = MLP(3, [4, 4, 1])
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    ypred = [model(x) for x in xs]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    model.zero_grad()
    loss.backward()
    assert any(p.grad != 0 for p in model.parameters())
    assert model([2.0, 3.0, -1.0]).data == ypred[0].data


def test_multiple_outputs_are_a_list():
    out = MLP(2, [3, 2])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2


def test_neuron_computes_activation_of_weighted_sum():
    n = Neuron(3, seed=5)
    n.b.data = 0.25
    x = [1.0, -2.0, 0.5]
    pre = sum(w.data * xi for w, xi in zip(n.w, x)) + 0.25
    assert n(x).data == pytest.approx(max(0.0, pre), abs=1e-15)
    assert n(x)._op == "relu" and n(x)._prev[0]._op == "dot"  # one dot node, not 2n nodes
    for activation, f in [("tanh", math.tanh), ("sigmoid", lambda z: 1 / (1 + math.exp(-z))), ("linear", lambda z: z)]:
        m = Neuron(3, activation=activation, seed=5)
        m.b.data = 0.25
        assert m(x).data == pytest.approx(f(pre), rel=1e-12)
    lin = Neuron(3, nonlin=False, seed=5)
    assert lin(x)._op == "dot" and repr(lin) == "LinearNeuron(3)"


def test_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        MLP(2, [4, 1], activation="gelu")


def test_initial_weights_come_from_the_global_random_state_as_in_micrograd():
    random.seed(3)
    a = MLP(2, [8, 1])
    random.seed(3)
    assert [p.data for p in MLP(2, [8, 1]).parameters()] == [p.data for p in a.parameters()]  # random.seed rules
    b = MLP(2, [8, 1])  # built after a, from where the global state has moved on
    assert [p.data for p in b.parameters()] != [p.data for p in a.parameters()]
    assert [w.data for w in Neuron(3).w] != [w.data for w in Neuron(3).w]  # separately built neurons differ
    weights = [w.data for n in a.layers[0].neurons for w in n.w]
    assert len(set(weights)) == len(weights)  # neurons are not copies of each other
    assert all(-1 <= w <= 1 for w in weights)
    assert all(n.b.data == 0.0 for layer in a.layers for n in layer.neurons)


def test_an_explicit_seed_or_rng_gives_fixed_weights_and_leaves_the_global_state_alone():
    state = random.getstate()
    c = MLP(2, [8, 1], seed=7)
    assert [p.data for p in c.parameters()] == [p.data for p in MLP(2, [8, 1], seed=7).parameters()]
    assert [p.data for p in MLP(2, [8, 1], rng=random.Random(7)).parameters()] == [p.data for p in c.parameters()]
    assert [w.data for w in Neuron(3, seed=1).w] == [w.data for w in Neuron(3, seed=1).w]
    assert [w.data for row in Linear(3, 2, seed=1).weights for w in row] == [
        w.data for row in Linear(3, 2, seed=1).weights for w in row
    ]
    assert random.getstate() == state


def test_zero_grad():
    model = MLP(2, [4, 1])
    model([1.0, 2.0]).backward()
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert Module().parameters() == []


def test_layer_shares_converted_inputs_among_its_neurons():
    layer = Layer(2, 3, seed=1)
    outs = layer([1.0, 2.0])
    leaves = {id(x) for out in outs for x in out._prev[0]._prev[2:4]}
    assert len(leaves) == 2  # one leaf per input number, not one per neuron


def test_sequential_tiny_library():
    model = Sequential(Linear(2, 4, seed=1), ReLU(), Linear(4, 3, seed=2), Tanh(), Dense(3, 1), Sigmoid())
    assert len(model.parameters()) == (2 * 4 + 4) + (4 * 3 + 3) + (3 + 1)
    out = model([0.5, -0.25])
    assert isinstance(out, list) and len(out) == 1 and 0 < out[0].data < 1
    out[0].backward()
    assert all(math.isfinite(p.grad) for p in model.parameters())
    assert any(p.grad for p in model.parameters())
    assert repr(model) == "Sequential(Linear(2, 4), ReLU(), Linear(4, 3), Tanh(), Linear(3, 1), Sigmoid())"


def test_linear_layer():
    layer = Linear(3, 2, seed=3)
    bound = 1 / math.sqrt(3)
    assert all(-bound <= w.data <= bound for row in layer.weights for w in row)
    layer.biases[1].data = 1.0
    x = [1.0, 2.0, 3.0]
    out = layer(x)
    for row, b, o in zip(layer.weights, layer.biases, out):
        assert o.data == pytest.approx(sum(w.data * xi for w, xi in zip(row, x)) + b.data)
    assert Dense is Linear


def test_activation_layers_on_lists_and_single_values():
    xs = [Value(-1.0), Value(2.0)]
    assert [v.data for v in ReLU()(xs)] == [0.0, 2.0]
    assert Tanh()(Value(0.0)).data == 0.0
    assert Sigmoid()([0.0])[0].data == 0.5
    assert ReLU().parameters() == []


def test_mlp_learns_a_tiny_regression():
    model = MLP(1, [8, 1], activation="tanh", seed=3)
    xs = [[-1.0], [-0.5], [0.0], [0.5], [1.0]]
    ys = [1.0, 0.25, 0.0, 0.25, 1.0]  # y = x²
    first = None
    for _ in range(200):
        loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys)) * (1 / len(xs))
        first = first if first is not None else loss.data
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
    assert loss.data < first / 10
