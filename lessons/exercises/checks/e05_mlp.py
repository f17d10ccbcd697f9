"""05-mlp: Neuron, Layer, MLP with tanh everywhere, and parameters() in order."""

from __future__ import annotations

import math
import random

import numpy as np

from lessons.exercises.numbers import close, num

NAME = "05-mlp"
TITLE = "Neuron, Layer, MLP (the lecture's tanh MLP), parameters()"
GRAPH = True
HINTS = (
    "A Neuron is w·x + b through tanh; a Layer is a list of Neurons all seeing the same x; an MLP feeds "
    "each layer's output to the next. parameters() just collects, in order.",
    "sum() takes a start value: sum((wi*xi for wi, xi in zip(self.w, x)), self.b) builds w·x + b as Values. "
    "MLP(3, [4, 4, 1]) has layers 3->4, 4->4, 4->1: zip the list of sizes with itself shifted by one.",
    "sizes = [nin] + nouts\nself.layers = [Layer(sizes[i], sizes[i+1]) for i in range(len(nouts))]\n"
    "def parameters(self):\n    return [p for layer in self.layers for p in layer.parameters()]",
)


def inputs(rng) -> dict:
    nin = rng.randint(2, 4)
    nouts = [rng.randint(2, 5), rng.randint(2, 4), 1]
    xs = [[round(rng.uniform(-2, 2), 3) for _ in range(nin)] for _ in range(3)]
    return {"seed": rng.randint(0, 10**6), "nin": nin, "nouts": nouts, "xs": xs}


def _floats(y) -> list[float]:
    return [float(v.data) for v in y] if isinstance(y, (list, tuple)) else [float(y.data)]


def probe(learner, inputs: dict) -> dict:
    random.seed(inputs["seed"])
    model = learner.MLP(inputs["nin"], inputs["nouts"])
    params = [float(p.data) for p in model.parameters()]
    outs = [_floats(model(x)) for x in inputs["xs"]]
    single = learner.Layer(inputs["nin"], 1)([1.0] * inputs["nin"])
    y = model(inputs["xs"][0])
    graph = y if not isinstance(y, (list, tuple)) else y[0]
    return {
        "params": params,
        "outs": outs,
        "single_is_value": not isinstance(single, (list, tuple)),
        "graph": graph,
    }


def _forward(params: list[float], nin: int, nouts: list[int], x: list[float]) -> list[float]:
    i = 0
    a = np.array(x, dtype=float)
    for nout in nouts:
        out = []
        for _ in range(nout):
            w = np.array(params[i : i + len(a)])
            b = params[i + len(a)]
            i += len(a) + 1
            out.append(math.tanh(float(w @ a) + b))
        a = np.array(out)
    return list(a)


def verdict(inputs: dict, obs: dict) -> list[str]:
    nin, nouts = inputs["nin"], inputs["nouts"]
    sizes = [nin, *nouts]
    count = sum((sizes[k] + 1) * sizes[k + 1] for k in range(len(nouts)))
    params = obs["params"]
    if len(params) != count:
        return [
            f"MLP({nin}, {nouts}).parameters() has {len(params)} Values, expected {count}"
            " (weights and a bias per neuron)"
        ]
    if not all(-1 <= p <= 1 for p in params) or len(set(params)) < count // 2:
        return ["the initial weights should be different random numbers in (-1, 1) (random.uniform(-1, 1))"]
    if not obs["single_is_value"]:
        return ["a Layer with one neuron should return that neuron's Value, not a list"]
    for x, got in zip(inputs["xs"], obs["outs"]):
        want = _forward(params, nin, nouts, x)
        if len(got) != len(want):
            return [f"MLP output for {x} has {len(got)} values, expected {len(want)}"]
        for g, w in zip(got, want):
            if not close(g, w):
                return [
                    f"MLP({nin}, {nouts}) at x = {x} gives {num(g, w)}, expected {num(w, g)} from its own parameters "
                    "(tanh in every layer; parameters() in order: layer, neuron, weights then bias)"
                ]
    return []
