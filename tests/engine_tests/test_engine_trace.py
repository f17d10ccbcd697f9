"""Traces on random graphs: replaying backward_trace reproduces backward() exactly; apply/undo restore grads."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine import Value
from engine.graph import reversed_topological_order, topological_order
from engine.trace import BackwardStep, Contribution, ForwardStep, backward_trace, forward_trace, replay

SETTINGS = settings(max_examples=80, deadline=None)

UNARY = ["tanh", "sigmoid", "relu", "square", "neg", "exp_small"]
BINARY = ["+", "*", "-", "dot"]


@st.composite
def random_graphs(draw) -> tuple[Value, list[Value]]:
    """A random DAG: a few leaves, then ops that each pick their inputs among all earlier nodes."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(draw(st.lists(st.floats(-2, 2), min_size=1, max_size=4)))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 14))):
        pick = st.integers(0, len(nodes) - 1)
        try:
            if draw(st.booleans()):
                a = nodes[draw(pick)]
                op = draw(st.sampled_from(UNARY))
                out = {
                    "tanh": a.tanh,
                    "sigmoid": a.sigmoid,
                    "relu": a.relu,
                    "square": lambda a=a: a**2,
                    "neg": lambda a=a: -a,
                    "exp_small": lambda a=a: (a * 0.1).exp(),
                }[op]()
            else:
                a, b = nodes[draw(pick)], nodes[draw(pick)]  # may be the same node twice
                op = draw(st.sampled_from(BINARY))
                if op == "dot":
                    c = nodes[draw(pick)]
                    out = Value.dot([a, b], [c, a], nodes[draw(pick)])
                else:
                    out = {"+": a + b, "*": a * b, "-": a - b}[op]
        except (ValueError, OverflowError):
            assume(False)
        nodes.append(out)
    # the root uses the last node and sometimes an earlier one, so some nodes may be unused
    root = nodes[-1] + nodes[draw(st.integers(0, len(nodes) - 1))] * 0.5
    return root, leaves


def grads(root: Value) -> dict[Value, float]:
    return {node: node.grad for node in topological_order(root)}


def reset(root: Value, start: list[float]) -> None:
    """Set the grad of every leaf of the graph (constants made by ops included), cycling through `start`."""
    graph_leaves = [node for node in topological_order(root) if not node._prev]
    for i, leaf in enumerate(graph_leaves):
        leaf.grad = start[i % len(start)]


@SETTINGS
@given(random_graphs(), st.lists(st.floats(-1, 1), min_size=4, max_size=4))
def test_backward_trace_reproduces_backward_exactly(graph, leaf_start):
    root, _ = graph
    reset(root, leaf_start)  # leaf grads accumulate: start from something non-zero
    root.backward()
    expected = grads(root)

    reset(root, leaf_start)
    steps = list(backward_trace(root))
    assert grads(root) == expected

    reset(root, leaf_start)
    replay(root, steps)
    assert grads(root) == expected


@SETTINGS
@given(random_graphs())
def test_steps_follow_backprop_order_and_record_the_chain_rule(graph):
    root, _ = graph
    steps = list(backward_trace(root))
    order = reversed_topological_order(root)
    assert [s.node for s in steps] == order
    assert [s.index for s in steps] == list(range(len(order)))
    assert steps[0].node is root and steps[0].upstream == 1.0
    for step in steps:
        assert len(step.contributions) == len(step.node._prev)
        for position, c in enumerate(step.contributions):
            assert c.child is step.node._prev[position] and c.position == position
            assert c.local == step.node._local[position]
            assert c.added == c.local * step.upstream
            if step.upstream:
                assert c.grad_after == c.grad_before + c.added
            else:
                assert c.grad_after == c.grad_before  # a zero grad sends nothing back


@SETTINGS
@given(random_graphs())
def test_undo_and_apply_walk_the_grads_back_and_forth(graph):
    root, _ = graph
    reset(root, [0.0])
    nodes = topological_order(root)
    # before the first step, backward's set-up has zeroed the interior and seeded the root
    snapshots = [{n: 1.0 if n is root else 0.0 for n in nodes}]
    steps: list[BackwardStep] = []
    for step in backward_trace(root):
        steps.append(step)
        snapshots.append({n: n.grad for n in nodes})
    for i in range(len(steps) - 1, -1, -1):
        steps[i].undo()
        assert {n: n.grad for n in nodes} == snapshots[i]
    for i, step in enumerate(steps):
        step.apply()
        assert {n: n.grad for n in nodes} == snapshots[i + 1]


def test_records_are_immutable():
    a, b = Value(2.0), Value(-3.0)
    steps = list(backward_trace(a * b))
    with pytest.raises(AttributeError):
        steps[0].upstream = 5.0
    with pytest.raises(AttributeError):
        steps[0].contributions[0].added = 5.0
    assert isinstance(steps[0].contributions[0], Contribution)


def test_a_small_trace_in_numbers():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    first, *rest = backward_trace(c)
    assert first.node is c and first.upstream == 1.0
    ca, cb = first.contributions
    assert (ca.child, ca.local, ca.added, ca.grad_before, ca.grad_after) == (a, -3.0, -3.0, 0.0, -3.0)
    assert (cb.child, cb.local, cb.added) == (b, 2.0, 2.0)
    assert [s.node for s in rest] == [b, a] and all(not s.contributions for s in rest)  # forward order, reversed


@SETTINGS
@given(random_graphs())
def test_forward_trace_lists_each_node_after_its_inputs(graph):
    root, _ = graph
    trace = forward_trace(root)
    position = {step.node: step.index for step in trace}
    assert [s.index for s in trace] == list(range(len(trace)))
    assert len(position) == len(trace)  # each node once
    assert trace[-1].node is root
    for step in trace:
        assert isinstance(step, ForwardStep) and step.value == step.node.data
        for child in step.node._prev:
            assert position[child] < step.index


def test_forward_trace_follows_the_order_of_the_inputs():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    assert [s.node for s in forward_trace(d)] == [a, b, c, d]
