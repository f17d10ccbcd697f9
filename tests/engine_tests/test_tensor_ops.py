"""Every tensor operation against the scalar engine and against central differences.

Each case computes the same thing twice on small random inputs: once with
`Tensor`s, once with NumPy object arrays of `Value`s (NumPy runs `+`, `@`,
`np.tanh`, ... on the Values one number at a time). Backward starts from the
same random upstream grad on both sides; the data and the grad of every input
must agree to rounding, and the tensor grads must also agree with central
differences. A last test checks that these cases cover every rule in RULES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from engine import Value
from engine.explain import node_names
from engine.graph import topological_order
from engine.tensor import RULES, Tensor, cat, cross_entropy, embedding, pad, stack, windows
from engine.tensor_check import numerical_grad
from engine.tensor_explain import forward_formula, grad_formula

# -- the scalar side: object arrays of Values -------------------------------------------------


def as_values(a: np.ndarray) -> np.ndarray:
    """An object array of fresh Value leaves holding the numbers of `a`."""
    out = np.empty(a.shape, dtype=object)
    for i in np.ndindex(a.shape):
        out[i] = Value(float(a[i]))
    return out


def numbers(v) -> np.ndarray:
    """The numbers of an object array (or a single Value); plain numbers (padding) as they are."""
    v = np.asarray(v, dtype=object)
    return np.vectorize(lambda x: x.data if isinstance(x, Value) else float(x), otypes=[float])(v).reshape(v.shape)


def grads(v: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda x: x.grad, otypes=[float])(v).reshape(v.shape)


def v_relu(a):
    return np.vectorize(Value.relu, otypes=[object])(a)


def v_sigmoid(a):
    return np.vectorize(Value.sigmoid, otypes=[object])(a)


def v_mean(a, axis=None, keepdims=False):
    n = a.size if axis is None else np.prod([a.shape[i] for i in np.atleast_1d(axis)])
    return np.sum(a, axis=axis, keepdims=keepdims) * (1.0 / n)


def v_max(a, axis=None, keepdims=False):
    """The Value holding the largest number along `axis` (random inputs have no ties)."""
    if axis is None:
        return np.asarray(a.ravel()[np.argmax(numbers(a))], dtype=object)
    picked = np.take_along_axis(a, np.expand_dims(np.argmax(numbers(a), axis=axis), axis), axis=axis)
    return picked if keepdims else np.squeeze(picked, axis=axis)


def v_var(a, axis=None, keepdims=False, correction=1):
    n = a.size if axis is None else np.prod([a.shape[i] for i in np.atleast_1d(axis)])
    d = a - v_mean(a, axis, keepdims=True)
    return np.sum(d * d, axis=axis, keepdims=keepdims) * (1.0 / (n - correction))


def v_softmax(a, axis=-1):
    e = np.exp(a - numbers(a).max(axis=axis, keepdims=True))  # shifting by a constant changes nothing
    return e / np.sum(e, axis=axis, keepdims=True)


def v_log_softmax(a, axis=-1):
    shifted = a - numbers(a).max(axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def v_cross_entropy(logits, targets):
    lp = v_log_softmax(logits, -1).reshape(-1, logits.shape[-1])
    picked = lp[np.arange(targets.size), targets.ravel()]
    return np.asarray(-np.sum(picked) * (1.0 / targets.size), dtype=object)


def v_windows(a, kernel, stride):
    view = np.lib.stride_tricks.sliding_window_view(a, kernel, axis=tuple(range(a.ndim - len(kernel), a.ndim)))
    return view[(..., *(slice(None, None, s) for s in stride), *(slice(None),) * len(kernel))]


# -- the cases --------------------------------------------------------------------------------

IX = np.array([[0, 2, 4], [1, 1, 0], [4, 4, 4], [3, 0, 2]])  # embedding rows, with repeats
T2 = np.array([1, 0, 4, 2])  # cross-entropy targets for 4 rows of 5 classes
T3 = np.array([[0, 4, 1], [2, 2, 3]])


@dataclass(frozen=True)
class Case:
    name: str
    tensor: Callable[..., Tensor]
    scalar: Callable[..., np.ndarray]
    shapes: tuple[tuple[int, ...], ...]
    domain: str = "any"  # "any": normal; "positive": in [0.5, 2]; "away": |x| in [0.3, 2]


C = Case
CASES = [
    # elementwise arithmetic, with broadcasting and plain-number operands
    C("add", lambda a, b: a + b, lambda a, b: a + b, ((3, 4), (3, 4))),
    C("add row", lambda a, b: a + b, lambda a, b: a + b, ((3, 4), (4,))),
    C("add column", lambda a, b: a + b, lambda a, b: a + b, ((3, 4), (3, 1))),
    C("add both ways", lambda a, b: a + b, lambda a, b: a + b, ((2, 1, 4), (3, 1))),
    C("add scalar tensor", lambda a, b: a + b, lambda a, b: a + b, ((2, 3), ())),
    C("add number", lambda a: a + 2.5, lambda a: a + 2.5, ((2, 3),)),
    C("radd number", lambda a: 2.5 + a, lambda a: 2.5 + a, ((2, 3),)),
    C("add array", lambda a: np.arange(3.0) + a, lambda a: np.arange(3.0) + a, ((2, 3),)),
    C("sub", lambda a, b: a - b, lambda a, b: a - b, ((3, 4), (3, 4))),
    C("sub broadcast", lambda a, b: a - b, lambda a, b: a - b, ((4,), (3, 4))),
    C("rsub number", lambda a: 1.5 - a, lambda a: 1.5 - a, ((2, 3),)),
    C("mul", lambda a, b: a * b, lambda a, b: a * b, ((3, 4), (3, 4))),
    C("mul broadcast", lambda a, b: a * b, lambda a, b: a * b, ((2, 3, 4), (3, 1))),
    C("mul self", lambda a: a * a, lambda a: a * a, ((3, 2),)),
    C("rmul number", lambda a: -1.5 * a, lambda a: -1.5 * a, ((2, 3),)),
    C("div", lambda a, b: a / b, lambda a, b: a / b, ((3, 4), (3, 4)), "away"),
    C("div broadcast", lambda a, b: a / b, lambda a, b: a / b, ((3, 4), (4,)), "away"),
    C("rdiv number", lambda a: 1.5 / a, lambda a: 1.5 / a, ((2, 3),), "away"),
    C("neg", lambda a: -a, lambda a: -a, ((3, 4),)),
    C("pow 2", lambda a: a**2, lambda a: a**2, ((3, 4),)),
    C("pow 3", lambda a: a**3, lambda a: a**3, ((3, 4),)),
    C("pow 0.5", lambda a: a**0.5, lambda a: a**0.5, ((3, 4),), "positive"),
    C("pow -1", lambda a: a**-1, lambda a: a**-1, ((3, 4),), "away"),
    C("pow -1.5", lambda a: a**-1.5, lambda a: a**-1.5, ((3, 4),), "positive"),
    C("pow 0", lambda a: a**0 + a, lambda a: a**0 + a, ((2, 2),)),
    # matrix products
    C("matmul", lambda a, b: a @ b, lambda a, b: a @ b, ((3, 4), (4, 2))),
    C("matmul vector left", lambda a, b: a @ b, lambda a, b: a @ b, ((4,), (4, 2))),
    C("matmul vector right", lambda a, b: a @ b, lambda a, b: a @ b, ((3, 4), (4,))),
    C("matmul vectors", lambda a, b: a @ b, lambda a, b: np.asarray(a @ b, dtype=object), ((4,), (4,))),
    C("matmul batch @ matrix", lambda a, b: a @ b, lambda a, b: a @ b, ((2, 3, 4), (4, 5))),
    C("matmul batch @ batch", lambda a, b: a @ b, lambda a, b: a @ b, ((2, 3, 4), (2, 4, 5))),
    C("matmul matrix @ batch", lambda a, b: a @ b, lambda a, b: a @ b, ((3, 4), (2, 4, 5))),
    C("matmul broadcast batch", lambda a, b: a @ b, lambda a, b: a @ b, ((2, 1, 3, 4), (3, 4, 2))),
    C("rmatmul array", lambda a: np.ones((2, 3)) @ a, lambda a: np.ones((2, 3)) @ a, ((3, 4),)),
    # reductions
    C("sum all", lambda a: a.sum(), lambda a: np.asarray(np.sum(a), dtype=object), ((3, 4),)),
    C("sum axis 0", lambda a: a.sum(0), lambda a: np.sum(a, axis=0), ((3, 4),)),
    C(
        "sum axes keepdims",
        lambda a: a.sum((0, 2), keepdims=True),
        lambda a: np.sum(a, (0, 2), keepdims=True),
        ((2, 3, 4),),
    ),
    C("sum axis -1", lambda a: a.sum(-1), lambda a: np.sum(a, axis=-1), ((2, 3, 4),)),
    C("mean all", lambda a: a.mean(), lambda a: np.asarray(v_mean(a), dtype=object), ((3, 4),)),
    C("mean axis 1 keepdims", lambda a: a.mean(1, keepdims=True), lambda a: v_mean(a, 1, True), ((3, 4),)),
    C("mean axes", lambda a: a.mean((0, 1)), lambda a: v_mean(a, (0, 1)), ((2, 3, 4),)),
    C("max all", lambda a: a.max(), lambda a: v_max(a), ((3, 4),)),
    C("max axis 0", lambda a: a.max(0), lambda a: v_max(a, 0), ((3, 4),)),
    C("max axis -1 keepdims", lambda a: a.max(-1, keepdims=True), lambda a: v_max(a, -1, True), ((2, 3, 4),)),
    C("var all", lambda a: a.var(), lambda a: np.asarray(v_var(a), dtype=object), ((3, 4),)),
    C("var axis 0 keepdims", lambda a: a.var(0, keepdims=True), lambda a: v_var(a, 0, True), ((5, 3),)),
    C("var biased", lambda a: a.var(0, correction=0), lambda a: v_var(a, 0, correction=0), ((5, 3),)),
    C("var axes", lambda a: a.var((0, 1), True, 0), lambda a: v_var(a, (0, 1), True, 0), ((2, 3, 4),)),
    # shapes
    C("reshape", lambda a: a.reshape(2, 6), lambda a: a.reshape(2, 6), ((3, 4),)),
    C("view -1", lambda a: a.view((-1,)), lambda a: a.reshape(-1), ((2, 3, 2),)),
    C("transpose", lambda a: a.T, lambda a: a.T, ((3, 4),)),
    C("transpose axes", lambda a: a.transpose(1, 0, 2), lambda a: a.transpose(1, 0, 2), ((2, 3, 4),)),
    C("cat axis 0", lambda a, b: cat([a, b]), lambda a, b: np.concatenate([a, b]), ((2, 3), (1, 3))),
    C(
        "cat axis 1",
        lambda a, b, c: cat([a, b, c], 1),
        lambda a, b, c: np.concatenate([a, b, c], 1),
        ((2, 1), (2, 3), (2, 2)),
    ),
    C("cat same twice", lambda a: cat([a, a], -1), lambda a: np.concatenate([a, a], -1), ((2, 3),)),
    C("stack axis 0", lambda a, b: stack([a, b]), lambda a, b: np.stack([a, b]), ((2, 3), (2, 3))),
    C("stack axis 1", lambda a, b, c: stack([a, b, c], 1), lambda a, b, c: np.stack([a, b, c], 1), ((2, 3),) * 3),
    # picking numbers out
    C("index int", lambda a: a[1], lambda a: a[1], ((3, 4),)),
    C("index slices", lambda a: a[:, 1:3], lambda a: a[:, 1:3], ((3, 4),)),
    C("index step newaxis", lambda a: a[::2, None], lambda a: a[::2, None], ((3, 4),)),
    C("index negative", lambda a: a[-1, ..., 0], lambda a: a[-1, ..., 0], ((2, 3, 4),)),
    C("index int array", lambda a: a[[0, 2, 0]], lambda a: a[[0, 2, 0]], ((3, 4),)),
    C("index pairs", lambda a: a[np.arange(4), T2 % 3], lambda a: a[np.arange(4), T2 % 3], ((4, 3),)),
    C("index mixed", lambda a: a[..., [1, 1, 3]], lambda a: a[..., [1, 1, 3]], ((2, 4),)),
    C("embedding", lambda w: embedding(w, IX), lambda w: w[IX], ((5, 3),)),
    C("embedding 1-d", lambda w: embedding(w, [2, 2, 0]), lambda w: w[[2, 2, 0]], ((4, 2),)),
    # elementwise functions
    C("tanh", lambda a: a.tanh(), np.tanh, ((3, 4),)),
    C("relu", lambda a: a.relu(), v_relu, ((3, 4),), "away"),
    C("sigmoid", lambda a: a.sigmoid(), v_sigmoid, ((3, 4),)),
    C("exp", lambda a: a.exp(), np.exp, ((3, 4),)),
    C("log", lambda a: a.log(), np.log, ((3, 4),), "positive"),
    # softmax and cross-entropy
    C("softmax", lambda a: a.softmax(), v_softmax, ((3, 5),)),
    C("softmax axis 0", lambda a: a.softmax(0), lambda a: v_softmax(a, 0), ((3, 5),)),
    C("log_softmax", lambda a: a.log_softmax(), v_log_softmax, ((3, 5),)),
    C("log_softmax axis 1", lambda a: a.log_softmax(1), lambda a: v_log_softmax(a, 1), ((2, 3, 4),)),
    C("cross_entropy", lambda a: cross_entropy(a, T2), lambda a: v_cross_entropy(a, T2), ((4, 5),)),
    C("cross_entropy 3-d", lambda a: cross_entropy(a, T3), lambda a: v_cross_entropy(a, T3), ((2, 3, 5),)),
    # padding and windows (what convolutions are made of)
    C("pad", lambda a: pad(a, ((1, 0), (2, 1))), lambda a: np.pad(a, ((1, 0), (2, 1))), ((2, 3),)),
    C("windows 1-d", lambda a: windows(a, (3,), (2,)), lambda a: v_windows(a, (3,), (2,)), ((2, 7),)),
    C("windows 2-d", lambda a: windows(a, (2, 3), (1, 2)), lambda a: v_windows(a, (2, 3), (1, 2)), ((2, 4, 5),)),
    C("windows overlap", lambda a: windows(a, (2, 2), (1, 1)), lambda a: v_windows(a, (2, 2), (1, 1)), ((3, 3),)),
]


def draw(rng: np.random.Generator, shape: tuple[int, ...], domain: str) -> np.ndarray:
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "away":
        return rng.uniform(0.3, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return rng.standard_normal(shape)


def run_case(case: Case, seed: int):
    rng = np.random.default_rng(seed)
    arrays = [draw(rng, shape, case.domain) for shape in case.shapes]
    tensors = [Tensor(a) for a in arrays]
    out = case.tensor(*tensors)
    upstream = rng.standard_normal(out.shape)
    return arrays, tensors, out, upstream


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_op_agrees_with_the_scalar_engine(case: Case, seed: int):
    arrays, tensors, out, upstream = run_case(case, seed)
    out.backward(upstream)

    values = [as_values(a) for a in arrays]
    v_out = np.asarray(case.scalar(*values), dtype=object)
    assert out.shape == v_out.shape
    np.testing.assert_allclose(out.data, numbers(v_out), rtol=1e-12, atol=1e-12)
    # the same upstream grad on the scalar side: L = Σ upstream · out, one dot node
    pairs = [(v, float(u)) for v, u in zip(v_out.ravel(), upstream.ravel()) if isinstance(v, Value)]
    Value.dot([v for v, _ in pairs], [u for _, u in pairs]).backward()
    for t, v in zip(tensors, values):
        assert t.grad.shape == t.shape
        np.testing.assert_allclose(t.grad, grads(v), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_op_agrees_with_central_differences(case: Case):
    _, tensors, out, upstream = run_case(case, seed=2)
    out.backward(upstream)
    for t in tensors:
        numerical = numerical_grad(lambda: float((case.tensor(*tensors).data * upstream).sum()), t)
        np.testing.assert_allclose(t.grad, numerical, rtol=1e-6, atol=1e-7)


def test_the_cases_cover_every_rule_and_every_formula_fills_in():
    covered = set()
    for case in CASES:
        _, _, out, _ = run_case(case, seed=0)
        names = node_names(out)
        for node in topological_order(out):
            if node._op:
                covered.add(node._op)
                assert forward_formula(node, names)
                for i in range(len(node._prev)):
                    assert "{" not in grad_formula(node, i, names)
    assert covered == set(RULES)


def test_formulas_read_like_the_math():
    hpre = Tensor(np.ones((2, 3)), label="hpre")
    h = hpre.tanh()
    h.label = "h"
    names = node_names(h)
    assert forward_formula(h, names) == "tanh(hpre)"
    assert grad_formula(h, 0, names) == "g * (1 - h²)"
    a, b = Tensor(np.ones((2, 3)), label="a"), Tensor(np.ones((3, 4)), label="W")
    out = a @ b
    names = node_names(out)
    assert forward_formula(out, names) == "a @ W"
    assert [grad_formula(out, i, names) for i in range(2)] == ["g @ Wᵀ", "aᵀ @ g"]
    assert forward_formula(a, names) == ""
