"""The playground screen driven through the real app: type, run, step, check, refuse, recall.

Every number the screen shows is compared with a graph built directly with
`engine.Value`, not with the screen's own objects.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets.tree import TreeNode

import tutor
from engine.explain import fmt, node_names
from engine.trace import backward_trace
from engine.value import Value
from lessons.catalog import load_catalog
from tutor.app import TutorApp
from tutor.components.graph_tree import GraphTree
from tutor.components.program_input import ProgramInput
from tutor.playground.program import gradient_check, parse
from tutor.progress import Progress
from tutor.screens.playground import PlaygroundHelp, PlaygroundScreen

TUTOR_DIR = Path(tutor.__file__).parent
PROGRAM = "a = 2.0; b = -3; c = 10; L = tanh(a*b + c)"


class PlaygroundApp(TutorApp):
    """The tutor app with the playground's stylesheet, whether or not the app lists it yet."""

    CSS_PATH = [TUTOR_DIR / "tutor.tcss", *[p for p in [TUTOR_DIR / "playground.tcss"] if p.exists()]]


@pytest.fixture
def app(tmp_path: Path) -> PlaygroundApp:
    return PlaygroundApp(load_catalog(), Progress.load(tmp_path))


def reference() -> tuple[Value, dict[str, Value]]:
    """PROGRAM built by hand on the engine, with the same operations in the same order."""
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    L = (a * b + c).tanh()
    L.label = "L"
    return L, {"a": a, "b": b, "c": c, "L": L}


async def open_playground(app: PlaygroundApp, pilot, history: list[str] | None = None) -> PlaygroundScreen:
    screen = PlaygroundScreen(history=history)
    await app.push_screen(screen)
    await pilot.pause()
    return screen


async def type_and_run(pilot, screen: PlaygroundScreen, text: str) -> None:
    """Go to the box, put `text` in it and press Enter (typing it key by key is tested once, below)."""
    box = screen.query_one(ProgramInput)
    if screen.focused is not box:
        await pilot.press("i")
    assert screen.focused is box
    box.value = text
    await pilot.press("enter")


def tree_nodes(tree: GraphTree) -> list[TreeNode[Value]]:
    out, todo = [], [tree.root]
    while todo:
        node = todo.pop()
        out.append(node)
        todo.extend(node.children)
    return out


def shown_labels(tree: GraphTree) -> dict[str, str]:
    """Each node's name -> its label text, for the node's home line (not the ↺ references)."""
    labels = {}
    for node in tree_nodes(tree):
        text = str(node.label)
        if node.data is not None and not text.startswith("↺"):
            labels[text.split(" ", 1)[0]] = text
    return labels


def status_text(screen: PlaygroundScreen) -> str:
    return str(screen.query_one("#playground-status").content)


def detail_text(screen: PlaygroundScreen) -> str:
    return str(screen.query_one("#detail").content)


async def test_run_shows_the_graph_with_the_engines_data_and_grads(app: PlaygroundApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app, pilot)
        await type_and_run(pilot, screen, PROGRAM)
        tree = screen.query_one(GraphTree)

        ref_root, ref = reference()
        ref_root.backward()
        root = tree.root.data
        assert root is not None and root.label == "L"
        assert root.data == pytest.approx(ref_root.data, rel=1e-12)
        labels = shown_labels(tree)
        assert labels["L"].startswith("L = tanh(")
        for name, value in ref.items():
            assert f"data {fmt(value.data)}" in labels[name]
            assert f"grad {fmt(value.grad)}" in labels[name]
        by_label = {n.data.label: n.data for n in tree_nodes(tree) if n.data is not None and n.data.label}
        for name in "abc":
            assert by_label[name].grad == pytest.approx(ref[name].grad, rel=1e-12)
        assert f"L = {fmt(ref_root.data)}" in status_text(screen)
        assert "6 nodes, 3 inputs" in status_text(screen)
        assert screen.focused is tree  # the keys go to the graph after a run
        assert tree.border_title == f"graph of: {PROGRAM}"


async def test_backward_steps_match_the_engine_at_every_step_and_step_back(app: PlaygroundApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app, pilot)
        await type_and_run(pilot, screen, PROGRAM)
        tree = screen.query_one(GraphTree)
        await pilot.press("b")
        assert screen.mode == "backward"
        assert "Backprop starts at the output: L.grad" in detail_text(screen)
        labels = shown_labels(tree)
        assert "grad 1" in labels["L"]
        assert all("grad ?" in labels[name] for name in "abc")

        ref_root, _ = reference()
        ref_names = {v: k for k, v in node_names(ref_root).items()}  # name -> reference node
        steps = list(backward_trace(ref_root))
        for record in reversed(steps):
            record.undo()
        snapshots = []
        for k, record in enumerate(steps, start=1):
            await pilot.press("n")
            record.apply()
            detail = detail_text(screen)
            assert detail.startswith(f"Step {k}/{len(steps)}: {node_names(ref_root)[record.node]}")
            labels = shown_labels(tree)
            assert set(labels) == set(ref_names)
            visited = {node_names(ref_root)[s.node] for s in steps[:k]}
            for name, node in ref_names.items():
                if name in visited:
                    assert f"grad {fmt(node.grad)}" in labels[name], (k, name, labels[name])
            node_name = node_names(ref_root)[record.node]
            for c in record.contributions:  # the chain rule line of each input, with the engine's numbers
                child = node_names(ref_root)[c.child]
                [line] = [x for x in detail.splitlines() if x.startswith(f"{child}.grad += {node_name}.grad")]
                assert f"= {fmt(c.added)}" in line and line.endswith(f"= {fmt(c.grad_after)}")
            assert tree.current is not None and tree.current.label == record.node.label
            snapshots.append(dict(labels))

        # step back: each label is exactly as it was one step earlier
        for k in range(len(steps) - 1, 0, -1):
            await pilot.press("p")
            assert shown_labels(tree) == snapshots[k - 1]
            assert detail_text(screen).startswith(f"Step {k}/{len(steps)}")
        await pilot.press("left")
        assert "Backprop starts at the output" in detail_text(screen)
        await pilot.press("e")
        assert detail_text(screen).startswith(f"Step {len(steps)}/{len(steps)}")
        await pilot.press("c")
        assert screen.mode == "result"
        assert "Gradient check" in detail_text(screen)


async def test_forward_steps_reveal_the_data_in_order(app: PlaygroundApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app, pilot)
        await type_and_run(pilot, screen, "a = 2; b = -3; L = a * b")
        tree = screen.query_one(GraphTree)
        await pilot.press("f")
        assert "computes the 3 nodes in order" in detail_text(screen)
        assert "data ?" in shown_labels(tree)["L"]
        await pilot.press("n", "right", "n")
        assert detail_text(screen) == "Step 3/3: L = a * b = 2 * (-3) = -6"
        assert "data -6" in shown_labels(tree)["L"] and "grad ?" in shown_labels(tree)["L"]
        await pilot.press("p")
        assert "data ?" in shown_labels(tree)["L"]


async def test_gradient_check_numbers_are_shown(app: PlaygroundApp) -> None:
    text = "x = 0.5; w = -1.5; y = sigmoid(x * w) + log(x) * exp(w)"
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app, pilot)
        await type_and_run(pilot, screen, text)
        detail = detail_text(screen)
        assert detail.startswith("Gradient check of ∂y/∂x: backprop vs numerical")
        x, w = Value(0.5), Value(-1.5)
        y = (x * w).sigmoid() + x.log() * w.exp()
        y.backward()
        checks = {c.name: c for c in gradient_check(parse(text), 1e-6)}
        rows = {line.split()[0]: line.split() for line in detail.splitlines()[2:]}
        for name, leaf in (("x", x), ("w", w)):
            # input, value, backprop, numerical, relative error, mark
            assert rows[name][1:6] == [
                fmt(leaf.data),
                fmt(leaf.grad),
                fmt(checks[name].numerical),
                f"{checks[name].rel_error:.1e}",
                "✓",
            ]
            assert checks[name].numerical == pytest.approx(leaf.grad, rel=1e-5)
        assert "gradient check 2/2 ✓" in status_text(screen)


async def test_a_kink_and_an_unused_input_are_flagged(app: PlaygroundApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app, pilot)
        await type_and_run(pilot, screen, "a = 0; b = 4; L = relu(a)")
        detail = detail_text(screen)
        rows = {line.split()[0]: line for line in detail.splitlines()[2:]}
        assert "✗ differs" in rows["a"]
        assert "not used by L" in rows["b"]
        assert "gradient check 1/2 ✓" in status_text(screen)


async def test_refused_input_shows_the_column_and_keeps_the_graph(app: PlaygroundApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app, pilot)
        await type_and_run(pilot, screen, PROGRAM)
        tree = screen.query_one(GraphTree)
        root, labels = tree.root.data, shown_labels(tree)

        await type_and_run(pilot, screen, "__import__('os').system('touch pwned')")
        status = status_text(screen)
        assert status.startswith("✗ refused: column 1: calling '__import__' is not allowed")
        assert "\n" not in status
        assert tree.root.data is root and shown_labels(tree) == labels
        assert tree.border_title == f"graph of: {PROGRAM}"
        box = screen.query_one(ProgramInput)
        assert screen.focused is box and box.cursor_position == 0

        await type_and_run(pilot, screen, "a = 2; L = a.__class__")
        assert status_text(screen) == "✗ refused: column 14: attribute access '.__class__' is not allowed"
        assert box.cursor_position == 13  # on the refused construct, ready to fix
        assert tree.root.data is root and shown_labels(tree) == labels
        assert screen.error is not None and screen.error.column == 14

        # fixing it runs again and clears the error
        await type_and_run(pilot, screen, "a = 2; L = a.tanh()")
        assert status_text(screen).startswith("✓ L = 0.964")
        assert screen.error is None and tree.root.data is not root


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a = 1; L = log(0 - a)", "✗ cannot compute: column 12: log(-1.0): the logarithm needs a positive number"),
        ("a = 0; L = 3 / a", "✗ cannot compute: column 14: division by zero"),
        ("a = 1000; L = exp(a)", "✗ cannot compute: column 15: exp(1000) is too large"),
        ("a = 2; L = a ** 9 ** 9 ** 9", "✗ cannot compute: column"),
    ],
)
async def test_engine_errors_are_shown_not_raised(app: PlaygroundApp, text: str, expected: str) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app, pilot)
        await type_and_run(pilot, screen, PROGRAM)
        root = screen.query_one(GraphTree).root.data
        await type_and_run(pilot, screen, text)
        assert status_text(screen).startswith(expected)
        assert screen.query_one("#playground-status").has_class("-error")
        assert screen.query_one(GraphTree).root.data is root
        assert app.screen is screen  # still running, still here


async def test_history_recall_with_up_and_down(app: PlaygroundApp) -> None:
    history: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app, pilot, history)
        box = screen.query_one(ProgramInput)
        first, second, bad = "a = 1; L = a * 2", "b = 3; L = b + b", "L = ("
        for text in (first, second, bad):
            await type_and_run(pilot, screen, text)
        assert history == [first, second, bad]  # refused programs too, to fix them
        await pilot.press("end", "ctrl+u", *"draft")
        await pilot.press("up")
        assert box.value == bad
        await pilot.press("up", "up")
        assert box.value == first
        await pilot.press("up")  # the oldest stays
        assert box.value == first and "1 of 3" in str(box.border_subtitle)
        await pilot.press("down")
        assert box.value == second
        await pilot.press("down", "down")
        assert box.value == "draft"
        await pilot.press("up", "up", "enter")  # run a recalled program
        assert screen.query_one(GraphTree).root.data.data == 6
        assert history == [first, second, bad, second]

    # the history outlives the screen: a new playground starts from the last program
    app2 = PlaygroundApp(app.catalog, app.progress)
    async with app2.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app2, pilot, history)
        box = screen.query_one(ProgramInput)
        assert box.value == second
        await pilot.press("up")
        assert box.value == second
        await pilot.press("up")
        assert box.value == bad


async def test_letters_type_into_the_box_and_keys_work_on_the_graph(app: PlaygroundApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app, pilot)
        box = screen.query_one(ProgramInput)
        assert screen.focused is box
        await pilot.press("end", "ctrl+u", *"b = 2; q = b * b", "?")
        assert box.value == "b = 2; q = b * b?"  # b, q and ? are text here
        assert isinstance(app.screen, PlaygroundScreen) and screen.mode == "result"
        await pilot.press("backspace", "enter")
        assert "q = 4" in status_text(screen)
        await pilot.press("b")  # now on the graph: b steps backward
        assert screen.mode == "backward"
        await pilot.press("i")
        assert screen.focused is box
        await pilot.press("tab")
        assert screen.focused is screen.query_one(GraphTree)
        await pilot.press("question_mark")
        assert isinstance(app.screen, PlaygroundHelp)
        await pilot.press("q")
        assert app.screen is screen
        await pilot.press("q")
        assert app.screen is not screen  # back to the lesson browser


async def test_before_any_run_the_step_keys_do_nothing_and_q_leaves(app: PlaygroundApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app, pilot)
        await pilot.press("escape")  # out of the box, onto the (empty) graph
        assert screen.focused is screen.query_one(GraphTree)
        await pilot.press("b", "f", "n", "e", "c")
        assert screen.last is None and screen.mode == "result"
        assert "graph appears here" in detail_text(screen)
        await pilot.press("q")
        assert app.screen is not screen


async def test_wide_layout_puts_the_panel_beside_the_graph(app: PlaygroundApp) -> None:
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await open_playground(app, pilot)
        await type_and_run(pilot, screen, PROGRAM)
        assert screen.has_class("-wide")
        tree, detail = screen.query_one(GraphTree), screen.query_one("#detail")
        assert detail.region.x >= tree.region.right
        assert "Gradient check" in detail_text(screen)


async def test_a_pasted_program_of_several_lines_becomes_one(app: PlaygroundApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app, pilot)
        box = screen.query_one(ProgramInput)
        box.value = ""
        box.post_message(events.Paste("a = 2\n\n  b = -3\nL = a * b\n"))
        await pilot.pause()
        assert box.value == "a = 2; b = -3; L = a * b"
        await pilot.press("enter")
        assert screen.query_one(GraphTree).root.data.data == -6


async def test_the_palette_offers_the_playground_actions_that_apply(app: PlaygroundApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app, pilot)
        titles = [command.title for command in app.get_system_commands(screen)]
        assert "Playground: edit the program" in titles and "Playground: help" in titles
        assert "Playground: step backward" not in titles  # nothing to step before a program ran
        await type_and_run(pilot, screen, PROGRAM)
        commands = {command.title: command for command in app.get_system_commands(screen)}
        for title in ("Playground: step backward", "Playground: step forward", "Playground: gradient check"):
            assert title in commands
        commands["Playground: step backward"].callback()
        await pilot.pause()
        assert screen.mode == "backward"
        commands["Playground: gradient check"].callback()
        await pilot.pause()
        assert screen.mode == "result" and "Gradient check" in detail_text(screen)
