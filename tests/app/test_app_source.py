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


async def open_source_at_the_product(app, pilot):
    """In chain-rule's backward pass, step to the `*` node and press v; returns the lesson screen."""
    await pilot.pause()
    app.open_lesson("chain-rule", step=3)  # the backward pass
    await pilot.pause()
    screen = app.screen
    while screen.run.state.current is None or screen.run.state.current.node._op != "*":
        await pilot.press("n")
    await pilot.press("v")
    await pilot.pause()
    return screen


async def test_v_opens_the_source_at_the_current_node_and_q_closes_it(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_source_at_the_product(app, pilot)
        source = app.screen
        assert isinstance(source, SourceScreen) and source.op == "*"
        body = source.query_one("#source-body")
        assert body.scroll_y > 0  # scrolled down to __mul__
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is screen


async def test_v_shows_the_operation_in_its_first_frame_never_line_1_first(make_app, monkeypatch):
    """The source view's first painted frame already shows the method: no frame at line 1, then a jump."""
    app = make_app()
    frames: list[str] = []
    display = app._display

    def record(screen, renderable):  # every frame the app paints (headless: computed, then not written)
        if isinstance(screen, SourceScreen):
            frames.append("\n".join(strip.text for strip in screen._compositor.render_strips()))
        return display(screen, renderable)

    monkeypatch.setattr(app, "_display", record)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_source_at_the_product(app, pilot)
        await pilot.pause()
        assert isinstance(app.screen, SourceScreen)
        with_code = [frame for frame in frames if "def " in frame or "A scalar value" in frame]
        assert with_code, frames
        assert "def __mul__" in with_code[0]  # the first frame with code is at the operation
        assert not any("A scalar value that remembers" in frame for frame in with_code)  # line 1 never shown
        rows = {next(i for i, line in enumerate(frame.splitlines()) if "def __mul__" in line) for frame in with_code}
        assert rows == {2}, rows  # below the title and one line of context, in every frame: no jump
        await pilot.press("k")  # and it still scrolls, up to the top
        for _ in range(200):
            await pilot.press("pageup")
            if app.screen.query_one("#source-body").scroll_y == 0:
                break
        await pilot.pause()
        assert "A scalar value that remembers" in "\n".join(s.text for s in app.screen._compositor.render_strips())
