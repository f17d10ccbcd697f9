"""What the step panel says at each point of a step-through: the chain rule in numbers.

Plain strings (no markup), built from the engine's trace records, so the
command line and the app say the same thing.
"""

from __future__ import annotations

from typing import Any

from engine.explain import fmt, forward_formula, forward_numbers, local_formula
from engine.trace import BackwardStep, Contribution, ForwardStep
from engine.value import Value
from tutor.node_words import describe, formula, is_tensor


def _paren(x: float) -> str:
    text = fmt(x)
    return f"({text})" if text.startswith("-") else text


def chain_rule_line(step: BackwardStep, c: Contribution, names: dict[Value, str]) -> str:
    """`a.grad += e.grad × ∂e/∂a = -2 × b = -2 × (-3) = 6 → a.grad = 6`: the chain rule in names, then numbers."""
    node, child = names[step.node], names[c.child]
    if step.custom:  # the learner's own _backward ran: what it did, not how
        before, after = fmt(c.grad_before), fmt(c.grad_after)
        return f"{child}.grad: {before} → {after} by {node}'s own _backward (custom, not shown in numbers)"
    symbolic = local_formula(step.node, c.position, names)
    upstream = fmt(step.upstream)
    line = f"{child}.grad += {node}.grad × ∂{node}/∂{child} = {upstream} × "
    if symbolic != fmt(c.local):
        line += f"{symbolic} = {upstream} × "
    line += f"{_paren(c.local)} = {fmt(c.added)}"
    if c.grad_before == 0:
        return line + f" → {child}.grad = {fmt(c.grad_after)}"
    return line + f" → {child}.grad = {fmt(c.grad_before)} + {_paren(c.added)} = {fmt(c.grad_after)}"


def tensor_chain_rule_line(step: Any, c: Any, names: dict[Any, str]) -> str:
    """`W.grad += x.T @ g → 3×4 mean 0.1 max|·| 2`: the rule in names, then what it added."""
    from engine.tensor_explain import grad_formula

    node, child = names[step.node], names[c.child]
    rule = grad_formula(step.node, c.position, names)
    return f"{child}.grad += {rule}   (g = {node}.grad) → adds {describe(c.added)}"


def backward_lines(step: BackwardStep | None, root: Value, names: dict[Value, str], total: int) -> list[str]:
    """The step panel during a backward step-through."""
    if step is not None and is_tensor(step.node):
        return _tensor_backward_lines(step, root, names, total)
    if step is None:
        return [
            f"Backprop starts at the output: {names[root]}.grad = ∂{names[root]}/∂{names[root]} = 1.",
            f"{total} nodes to visit, each after every node that uses it. Press n to visit the first.",
        ]
    node = names[step.node]
    head = f"Step {step.index + 1}/{total}: {node}"
    if step.node._op:
        head += f" = {forward_formula(step.node, names)}"
    lines = [head + f"   {node}.grad = {fmt(step.upstream)} is complete (= ∂{names[root]}/∂{node})"]
    if not step.contributions:
        lines.append(f"{node} is a leaf (an input or a parameter): nothing to pass back; its grad is final.")
        return lines
    lines += [chain_rule_line(step, c, names) for c in step.contributions]
    return lines


def _tensor_backward_lines(step: Any, root: Any, names: dict[Any, str], total: int) -> list[str]:
    node = names[step.node]
    head = f"Step {step.index + 1}/{total}: {node}"
    if step.node._op:
        head += f" = {formula(step.node, names)}"
    lines = [head + f"   {node}.grad is complete: {describe(step.upstream)}"]
    if not step.contributions:
        lines.append(f"{node} is a leaf (an input or a parameter): nothing to pass back; its grad is final.")
    lines += [tensor_chain_rule_line(step, c, names) for c in step.contributions]
    return lines


def prediction_lines(
    step: BackwardStep, c: Contribution, names: dict[Value, str], done: BackwardStep | None
) -> list[str]:
    """The question of a predicting backward step-through: what will this input's grad be?"""
    node, child = names[step.node], names[c.child]
    lines = []
    if done is not None and done.contributions:
        lines.append("Revealed: " + chain_rule_line(done, done.contributions[-1], names))
    head = f"{node}"
    if step.node._op:
        head += f" = {forward_formula(step.node, names)}"
    lines.append(f"Now at {head}, with {node}.grad = {fmt(step.upstream)} (complete).")
    lines.append(
        f"Predict: what is {child}.grad after {node} passes its grad back? ({child}.grad is {fmt(c.grad_before)} now)"
    )
    return lines


def prediction_hint(step: BackwardStep, c: Contribution, names: dict[Value, str]) -> str:
    node, child = names[step.node], names[c.child]
    symbolic = local_formula(step.node, c.position, names)
    return (
        f"{child}.grad += {node}.grad × ∂{node}/∂{child}, and ∂{node}/∂{child} = {symbolic}"
        f" for {forward_formula(step.node, names) or node}."
    )


def forward_lines(step: ForwardStep | None, names: dict[Value, str], total: int) -> list[str]:
    """The step panel during a forward step-through."""
    if step is None:
        return [f"The forward pass computes the {total} nodes in order, inputs first. Press n to compute the first."]
    node = step.node
    if is_tensor(node):
        what = f"= {formula(node, names)} " if node._op else "is an input (a leaf): "
        return [f"Step {step.index + 1}/{total}: {names[node]} {what}→ {describe(step.value)}"]
    head = f"Step {step.index + 1}/{total}: "
    if not node._op:
        return [head + f"{names[node]} = {fmt(step.value)} is an input (a leaf): given, not computed."]
    return [head + f"{names[node]} = {forward_formula(node, names)} = {forward_numbers(node)} = {fmt(step.value)}"]


def node_details(node: Value, names: dict[Value, str]) -> list[str]:
    """What free exploration shows for the node under the cursor."""
    name = names.get(node, "?")
    if is_tensor(node):
        return _tensor_details(node, name, names)
    if not node._op:
        lines = [f"{name} is a leaf: data {fmt(node.data)}, grad {fmt(node.grad)}"]
    else:
        formula = f"{forward_formula(node, names)} = {forward_numbers(node)}"
        lines = [f"{name} = {formula} = {fmt(node.data)}   grad {fmt(node.grad)}"]
        if node._local is None:
            lines.append(f"  {name} has a _backward of its own (custom, not shown in numbers)")
        for i, (child, local) in enumerate(zip(node._prev, node._local or ())):
            symbolic = local_formula(node, i, names)
            lines.append(f"  ∂{name}/∂{names.get(child, '?')} = {symbolic} = {fmt(local)}")
    return lines


def _tensor_details(node: Any, name: str, names: dict[Any, str]) -> list[str]:
    from engine.tensor_explain import grad_formula

    head = f"{name} = {formula(node, names)}" if node._op else f"{name} is a leaf"
    lines = [f"{head}: data {describe(node.data)}", f"  grad {describe(node.grad)}"]
    for i, child in enumerate(node._prev):
        lines.append(f"  ∂L/∂{names.get(child, '?')} = {grad_formula(node, i, names)}   (g = {name}.grad)")
    return lines


def expression_help(quiz: Any) -> list[str]:
    """What an expression quiz lets the learner use: its arrays (with shapes) and the functions."""
    from lessons.expressions import FUNCTIONS

    names = quiz.names() if quiz.names else {}
    parts = [f"{name} {describe(value, brief=True)}" for name, value in names.items()]
    return [
        "You can use: " + ", ".join(parts),
        "with + - * / ** @  .T  and " + " ".join(FUNCTIONS) + "   (axis=, keepdims=True)",
    ]
