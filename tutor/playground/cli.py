"""`python -m tutor play PROGRAM [--steps]`: a program's graph, grads and gradient check as text."""

from __future__ import annotations

import contextlib
import sys

from engine.explain import fmt, forward_formula, forward_numbers, node_names
from engine.trace import BackwardStep, backward_trace, forward_trace
from engine.value import Value
from tutor.graph_text import render_tree
from tutor.playground.program import GradCheck, ProgramError, gradient_check, parse
from tutor.step_text import chain_rule_line

__all__ = ["backward_lines", "forward_lines", "gradcheck_line", "play_text", "run_play"]

H = 1e-6


def run_play(program: str, steps: bool = False) -> int:
    """Print the graph, every input's grad and a gradient check; 0 on success.

    A refused or failing program prints one `error: ...` line to stderr
    (nothing to stdout) and returns 2.
    """
    try:
        text = play_text(program, steps)
    except ProgramError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _replace_unencodable(sys.stdout)
    print(text)
    return 0


def play_text(program: str, steps: bool = False) -> str:
    """Everything `run_play` prints, or ProgramError."""
    parsed = parse(program)
    built = parsed.build()
    root = built.result
    names = node_names(root)
    out: list[str] = []
    if steps:
        out += ["forward pass (inputs first):", *forward_lines(root, names), ""]
        with parsed.finite_grads():
            trace = list(backward_trace(root))
        out += ["backward pass (child.grad += node.grad × ∂node/∂child):", *backward_lines(trace, names), ""]
    else:
        built.backward()
    out += ["graph:", render_tree(root, names), ""]
    root_name = names[root]
    if built.inputs:
        out.append(f"grads (∂{root_name}/∂input):")
        for name, leaf in built.inputs.items():
            unused = "" if leaf in names else f"   ({name} is not used by {root_name})"
            out.append(f"{name}.grad = {fmt(leaf.grad)}{unused}")
        out += ["", f"gradient check (central difference, h = {H:g}·max(1, |x|)):"]
        out += [gradcheck_line(check) for check in gradient_check(parsed, H)]
    else:
        out.append("no inputs: assign a number to a name to get its grad, e.g. a = 2")
    return "\n".join(out)


def forward_lines(root: Value, names: dict[Value, str]) -> list[str]:
    """`n3 = a * b = 2 * (-3) = -6` for each computed node, in the order computed."""
    return [
        f"{names[s.node]} = {forward_formula(s.node, names)} = {forward_numbers(s.node)} = {fmt(s.value)}"
        for s in forward_trace(root)
        if s.node._prev
    ]


def backward_lines(trace: list[BackwardStep], names: dict[Value, str]) -> list[str]:
    """The chain rule, one input at a time, as the app's step panel says it."""
    if not trace:
        return []
    lines = [f"{names[trace[0].node]}.grad = {fmt(trace[0].upstream)}"]
    for step in trace:
        lines += [chain_rule_line(step, c, names) for c in step.contributions]
    return lines


def gradcheck_line(check: GradCheck) -> str:
    """`a: backprop 6, numerical 6, relative error 8.2e-11 ✓`."""
    if check.numerical is None or check.rel_error is None:
        return f"{check.name}: backprop {fmt(check.analytical)}, numerical not available ({check.note})"
    mark = "✓" if check.ok else "✗ (differs: a kink such as relu at 0, or a bug)"
    return (
        f"{check.name}: backprop {fmt(check.analytical)}, numerical {fmt(check.numerical)}, "
        f"relative error {check.rel_error:.1e} {mark}"
    )


def _replace_unencodable(stream: object) -> None:
    """Print `?` instead of failing on a terminal that cannot show ├ or ∂."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="replace")
