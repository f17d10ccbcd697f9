"""Reading the engine inside the tutor: `v` opens engine/value.py at the operation on screen."""

from __future__ import annotations

import inspect

from engine import value as value_module
from tutor.screens.source import SourceScreen, lines_of


def test_each_op_maps_to_the_method_with_its_formula_and_derivative():
    for op, needle in [
        ("+", "out = a + b"),
        ("*", "out = a * b"),
        ("**", "out = a**k"),
        ("tanh", "1 - out²"),
        ("relu", "max(0, a)"),
        ("exp", "e^a"),
        ("log", "1 / a"),
        ("**", "ln(a)"),
        ("dot", "Σ"),
        ("sigmoid", "out * (1 - out)"),
    ]:
        lines = inspect.getsource(value_module).splitlines()
        text = "\n".join(lines[i - 1] for i in lines_of(op))
        assert needle in text, op
    assert not lines_of("")  # a leaf: the top of the file
    assert not lines_of("sin")  # an op a learner added: not in the engine


async def test_v_opens_the_source_at_the_current_node_and_q_closes_it(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_lesson("chain-rule", step=3)  # the backward pass
        await pilot.pause()
        screen = app.screen
        while screen.run.state.current is None or screen.run.state.current.node._op != "*":
            await pilot.press("n")
        await pilot.press("v")
        await pilot.pause()
        source = app.screen
        assert isinstance(source, SourceScreen) and source.op == "*"
        body = source.query_one("#source-body")
        assert body.scroll_y > 0  # scrolled down to __mul__
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is screen
