"""Tensor.backward as a whole: PyTorch semantics, broadcasting, deep graphs, no cycles, the step trace, errors."""

from __future__ import annotations

import dataclasses
import gc
import weakref

import numpy as np
import pytest

from engine.graph import count_nodes, node_ids, reversed_topological_order, topological_order
from engine.optim import SGD
from engine.tensor import Tensor, cat, cross_entropy, embedding, stack
from engine.tensor_trace import TensorBackwardStep, backward_trace, forward_trace, replay


def mlp_graph(seed: int = 0):
    """A small language-model step using most operations: embedding, matmul, BatchNorm-like stats, tanh, loss."""
    rng = np.random.default_rng(seed)
    C = Tensor(rng.standard_normal((7, 3)), label="C")
    W1 = Tensor(rng.standard_normal((6, 5)), label="W1")
    b1 = Tensor(rng.standard_normal(5), label="b1")
    W2 = Tensor(rng.standard_normal((5, 7)), label="W2")
    X, Y = rng.integers(0, 7, (4, 2)), rng.integers(0, 7, 4)
    emb = embedding(C, X).view(4, 6)
    hpre = emb @ W1 + b1
    hnorm = (hpre - hpre.mean(0, keepdims=True)) / (hpre.var(0, keepdims=True) + 1e-5) ** 0.5
    h = cat([hnorm[:, :2].tanh(), hnorm[:, 2:].relu()], axis=1)
    logits = h @ W2 + stack([h.max(axis=1), h.sum(1)], axis=1).mean(1, keepdims=True)
    loss = cross_entropy(logits, Y) + logits.softmax().exp().mean() * 0.1 + logits.log_softmax().sigmoid().sum() * 0.01
    return loss, [C, W1, b1, W2]


def all_grads(root: Tensor) -> dict[Tensor, np.ndarray]:
    return {node: np.array(node.grad) for node in topological_order(root)}


def assert_same_grads(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for node in a:
        assert np.array_equal(a[node], b[node]), node


# -- semantics ---------------------------------------------------------------------------------


def test_interior_grads_are_recomputed_and_leaf_grads_accumulate():
    loss, params = mlp_graph()
    loss.backward()
    first = all_grads(loss)
    loss.backward()
    for node, g in first.items():
        if node._prev:
            np.testing.assert_array_equal(node.grad, g)  # recomputed, not doubled
        else:
            np.testing.assert_allclose(node.grad, 2 * g)  # accumulated
    for p in params:
        assert p.grad.shape == p.shape


def test_backward_of_a_leaf_adds_one_and_a_tensor_needs_a_grad():
    x = Tensor(3.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0
    y = Tensor([1.0, 2.0]) * 3.0
    with pytest.raises(ValueError, match=r"shape \(2,\) needs grad="):
        y.backward()
    with pytest.raises(ValueError, match=r"grad of shape \(3,\)"):
        y.backward(np.ones(3))
    y.backward(np.array([1.0, -1.0]))
    np.testing.assert_array_equal(y._prev[0].grad, [3.0, -3.0])


def test_grads_are_summed_over_broadcast_axes():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    row, col, one = Tensor(np.ones(3)), Tensor(np.ones((2, 1))), Tensor(2.0)
    upstream = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    (x * one + row + col).backward(upstream)
    np.testing.assert_array_equal(row.grad, [5.0, 7.0, 9.0])
    np.testing.assert_array_equal(col.grad, [[6.0], [15.0]])
    assert one.grad.shape == () and one.grad == (upstream * x.data).sum()
    np.testing.assert_array_equal(x.grad, upstream * 2.0)


def test_a_tensor_used_twice_gets_both_contributions():
    a = Tensor([1.0, -2.0])
    (a * a + a).sum().backward()
    np.testing.assert_array_equal(a.grad, 2 * a.data + 1)
    w = Tensor(np.ones((3, 2)))
    embedding(w, [[0, 0], [2, 0]]).sum().backward()
    np.testing.assert_array_equal(w.grad, [[3, 3], [0, 0], [1, 1]])


def test_a_deep_graph_needs_no_recursion():
    x = Tensor(np.full(3, 0.5))
    y = x
    for _ in range(5000):
        y = (y * 0.9).tanh()
    y.sum().backward()
    assert count_nodes(y) == 3 * 5000 + 1
    assert np.all(np.isfinite(x.grad)) and np.all(x.grad > 0)


def test_graph_helpers_work_on_tensors():
    loss, params = mlp_graph()
    order = topological_order(loss)
    assert order[-1] is loss and set(params) <= set(order)
    ids = node_ids(loss)
    for node in order:
        assert all(ids[c] < ids[node] for c in node._prev)
    assert reversed_topological_order(loss)[0] is loss


def test_a_graph_is_freed_without_the_garbage_collector():
    gc.collect()
    gc.disable()
    try:
        loss, params = mlp_graph()
        loss.backward()
        steps = list(backward_trace(loss))
        probes = [weakref.ref(node) for node in topological_order(loss) if node._prev]
        assert all(p() is not None for p in probes)
        del loss, steps  # the records point at the nodes: they must go too
        assert all(p() is None for p in probes)  # reference counting alone freed every node
        assert all(p.grad.shape == p.shape for p in params)  # the leaves are still ours
    finally:
        gc.enable()


def test_numpy_on_the_left_gives_a_tensor():
    t = Tensor([1.0, 2.0])
    for out in (np.ones(2) * t, np.float64(2.0) + t, np.ones((3, 2)) @ t, 1.0 - t, 2.0 / t):
        assert isinstance(out, Tensor)


def test_helpers_item_numpy_detach_repr():
    t = Tensor([[1.0, 2.0]], label="t")
    assert t.shape == (1, 2) and t.ndim == 2 and t.size == 2 and len(t) == 1
    assert t.sum().item() == 3.0
    copy = t.numpy()
    copy[0, 0] = 9.0
    assert t.data[0, 0] == 1.0
    d = (t * 2).detach()
    assert d._prev == () and d._op == "" and np.array_equal(d.data, [[2.0, 4.0]])
    assert "label='t'" in repr(t) and "op='*'" in repr(t * 2)
    assert "shape=(100,)" in repr(Tensor(np.zeros(100)))
    source = np.ones(2)
    owned = Tensor(source)
    source[0] = 5.0
    assert owned.data[0] == 1.0  # a tensor owns a copy of its numbers


# -- the step trace ---------------------------------------------------------------------------


def set_leaf_grads(root: Tensor, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for node in topological_order(root):
        if not node._prev:
            node.grad = rng.standard_normal(node.shape)  # leaf grads accumulate: start from something


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_trace_and_replay_reproduce_backward_exactly(seed):
    loss, _ = mlp_graph(seed)
    set_leaf_grads(loss, seed)
    loss.backward()
    expected = all_grads(loss)

    set_leaf_grads(loss, seed)
    steps = list(backward_trace(loss))
    assert_same_grads(all_grads(loss), expected)
    assert [s.node for s in steps] == reversed_topological_order(loss)

    set_leaf_grads(loss, seed)
    replay(loss, steps)
    assert_same_grads(all_grads(loss), expected)


def test_trace_of_a_tensor_root_with_a_grad():
    x = Tensor(np.arange(3.0))
    y = x.exp() * 2.0
    upstream = np.array([1.0, 0.5, -1.0])
    y.backward(upstream)
    expected = x.grad.copy()
    x.grad = np.zeros(3)
    steps = list(backward_trace(y, upstream))
    np.testing.assert_array_equal(x.grad, expected)
    np.testing.assert_array_equal(steps[0].upstream, upstream)


def test_steps_record_the_chain_rule_and_undo_and_apply_walk_it():
    loss, params = mlp_graph()
    start = {p: p.grad.copy() for p in params}
    steps = list(backward_trace(loss))
    final = all_grads(loss)
    for step in steps:
        assert isinstance(step, TensorBackwardStep)
        np.testing.assert_array_equal(step.upstream, final[step.node])
        for c in step.contributions:
            assert c.child is step.node._prev[c.position]
            np.testing.assert_array_equal(c.grad_before + c.added, c.grad_after)
            assert c.added.shape == c.child.shape
    for step in reversed(steps):  # all the way back
        step.undo()
    for p in params:
        np.testing.assert_array_equal(p.grad, start[p])
    for step in steps:  # and forward again
        step.apply()
    for node in final:
        np.testing.assert_allclose(node.grad, final[node], rtol=0, atol=0)


def test_records_are_immutable_and_survive_the_optimiser():
    loss, params = mlp_graph()
    steps = list(backward_trace(loss))
    leaf_steps = [s for s in steps if s.contributions and not s.contributions[0].child._prev]
    recorded = leaf_steps[0].contributions[0]
    kept = recorded.grad_after.copy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        recorded.added = None
    with pytest.raises(ValueError):
        recorded.added[...] = 0.0  # read-only arrays
    opt = SGD(params, lr=0.1)
    opt.step()
    opt.zero_grad()  # fills the leaves' grads in place
    np.testing.assert_array_equal(recorded.grad_after, kept)
    for step in steps:
        step.apply()  # apply gives the tensors their own copies
    opt.zero_grad()
    np.testing.assert_array_equal(recorded.grad_after, kept)


def test_forward_trace_lists_inputs_before_outputs_with_copies_of_the_data():
    loss, _ = mlp_graph()
    trace = forward_trace(loss)
    assert [s.node for s in trace] == topological_order(loss)
    position = {s.node: s.index for s in trace}
    for s in trace:
        assert all(position[c] < s.index for c in s.node._prev)
        np.testing.assert_array_equal(s.value, s.node.data)
        assert not s.value.flags.writeable


# -- errors -------------------------------------------------------------------------------------


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(3, 4\) and \(5, 2\)"):
        Tensor(np.ones((3, 4))) @ Tensor(np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"\(2, 3, 4\) and \(3, 4, 5\).*batch"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((3, 4, 5)))
    with pytest.raises(ValueError, match="at least one dimension"):
        Tensor(2.0) @ Tensor(np.ones(2))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_infinite_inputs_are_refused(bad):
    with pytest.raises(ValueError, match=r"must be finite.*index \(1, 0\)"):
        Tensor([[1.0, 2.0], [bad, 3.0]])
    with pytest.raises(ValueError, match="finite"):
        Tensor([1.0]) + np.array([bad])


def test_domain_errors():
    with pytest.raises(ValueError, match="log of -1"):
        Tensor([1.0, -1.0]).log()
    with pytest.raises(ValueError, match="log of 0"):
        Tensor([0.0]).log()
    with pytest.raises(ZeroDivisionError):
        Tensor([1.0]) / Tensor([0.0])
    with pytest.raises(ValueError, match="fractional exponent"):
        Tensor([-1.0]) ** 0.5
    with pytest.raises(ZeroDivisionError):
        Tensor([0.0]) ** -1
    with pytest.raises(TypeError, match="needs a number"):
        Tensor([1.0]) ** Tensor([2.0])
    with pytest.raises(OverflowError, match="exp"):
        Tensor([800.0]).exp()
    with pytest.raises(ValueError, match="out of range"):
        Tensor(np.ones((2, 3))).sum(axis=2)
    with pytest.raises(ValueError, match="divides by 0"):
        Tensor([1.0]).var()
    with pytest.raises(ValueError, match=r"6 numbers \(shape \(2, 3\)\) in shape \(4, 2\)"):
        Tensor(np.ones((2, 3))).reshape(4, 2)
    with pytest.raises(ValueError, match="one element"):
        Tensor([1.0, 2.0]).item()
    with pytest.raises(ValueError, match="shape"):
        stack([Tensor([1.0]), Tensor([1.0, 2.0])])


def test_index_and_target_errors():
    logits = Tensor(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"targets of shape \(4,\)"):
        cross_entropy(logits, np.zeros(3, dtype=int))
    with pytest.raises(IndexError, match="target 3"):
        cross_entropy(logits, np.array([0, 1, 2, 3]))
    with pytest.raises(TypeError, match="integers"):
        cross_entropy(logits, np.zeros(4))
    with pytest.raises(IndexError, match="index 7"):
        embedding(Tensor(np.zeros((7, 2))), [0, 7])
    with pytest.raises(TypeError, match="not a Tensor"):
        logits[Tensor([0.0])]
    with pytest.raises(TypeError, match="boolean"):
        logits[np.array([True, False, True, False])]


def test_cross_entropy_is_stable_for_huge_logits():
    logits = Tensor([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]])
    loss = cross_entropy(logits, np.array([0, 2]))
    loss.backward()
    assert loss.item() == pytest.approx(np.log(3) / 2)
    assert np.all(np.isfinite(logits.grad))
    assert Tensor([[1000.0, 0.0]]).softmax().data[0, 0] == 1.0
    assert np.isfinite(Tensor([[1000.0, -1000.0]]).log_softmax().data).all()
    assert Tensor([-1000.0, 1000.0]).sigmoid().data.tolist() == [0.0, 1.0]
