"""The show screen at 80x24: the learner's graph in the tree, stepped with n/p/e/w, the wrong node marked ✗."""

from __future__ import annotations

from pathlib import Path

from learner_scripts import write
from lecture_scripts import lecture_value

from tutor.components.walk_tree import WalkTree
from tutor.learner.show_app import ShowApp
from tutor.learner.walk import capture_script
from tutor.screens.show import ShowScreen

SCRIPT = """
from mygrad import Value

a = Value(0.5, label="a")
w = Value(-2.0, label="w")
h = (a * w).tanh(); h.label = "h"
L = h * Value(3.0, label="k"); L.label = "L"
print("built the graph")
"""


def labels(tree: WalkTree) -> dict[str, str]:
    """Each shown node's label text, by the node's name."""
    assert tree.walk is not None
    return {tree.walk.nodes[i].name: t.label.plain for i, t in tree._shown_at.items()}


def capture(tmp_path: Path, **mistakes: str):
    write(tmp_path, "mygrad.py", lecture_value(**mistakes))
    path = write(tmp_path, "net.py", SCRIPT)
    shown = capture_script(path)
    assert shown.walk is not None, shown.message
    return path, shown


async def test_a_wrong_tanh_is_marked_in_the_tree_and_explained_in_the_panel(tmp_path):
    path, shown = capture(tmp_path, tanh_local="1 + t**2")
    app = ShowApp(path, shown, theme="ansi-dark")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ShowScreen)
        tree = screen.query_one(WalkTree)
        assert labels(tree)["h"].startswith("✗ h = tanh(")
        assert not labels(tree)["L"].startswith("✗")
        assert "1 wrong" in str(screen.query_one("#show-status").content)
        assert "built the graph" in str(screen.query_one("#show-output").content)

        await pilot.press("n")  # L's _backward: right
        await pilot.pause()
        detail = str(screen.query_one("#detail").content)
        assert detail.startswith("step 1: L = ")
        assert "✓" in detail.splitlines()[0]
        assert labels(tree)["h"].endswith("grad 3")  # h.grad 0 → 3 (k)

        await pilot.press("n")  # h's _backward: wrong
        await pilot.pause()
        detail = str(screen.query_one("#detail").content)
        assert detail.startswith("step 2: h = tanh(")
        assert "✗ wrong:" in detail and "expected" in detail
        assert labels(tree)["h"].startswith("» ✗ h")

        await pilot.press("p")
        await pilot.pause()
        assert str(screen.query_one("#detail").content).startswith("step 1: L = ")
        assert labels(tree)["h"].startswith("✗ h")

        await pilot.press("e")
        await pilot.pause()
        assert screen.cursor.position == len(shown.walk.steps)
        assert "That was the last one" in str(screen.query_one("#detail").content)
        final = {shown.walk.nodes[i].name: g for i, g in enumerate(screen.cursor.grads)}
        assert final["a"] == shown.walk.nodes[next(n.id for n in shown.walk.nodes if n.label == "a")].grad
        assert labels(tree)["a"].endswith(f"grad {final['a']:.4g}")

        await pilot.press("q")
    assert app.return_code == 0


async def test_w_jumps_to_the_wrong_node_and_a_right_graph_has_none(tmp_path):
    path, shown = capture(tmp_path, mul_upstream="")
    app = ShowApp(path, shown, theme="ansi-dark")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("w")
        await pilot.pause()
        check = screen.checks[screen.cursor.position - 1]
        assert check.wrong and check.op == "*"
        assert "✗ wrong:" in str(screen.query_one("#detail").content)

    right_dir = tmp_path / "right"
    path, shown = capture(right_dir)
    app = ShowApp(path, shown, theme="ansi-dark")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert not screen.check_action("next_wrong", ())
        assert "0 wrong" in str(screen.query_one("#show-status").content)
        await pilot.press("o")
        await pilot.pause()
        assert not screen.query_one("#show-output").display


async def test_a_large_walk_is_checked_after_the_first_frame_and_then_marked(tmp_path, monkeypatch):
    import tutor.screens.show as show_screen

    monkeypatch.setattr(show_screen, "BACKGROUND_CHECK", 1)  # this small walk counts as large
    path, shown = capture(tmp_path, tanh_local="1 + t**2")
    app = ShowApp(path, shown, theme="ansi-dark")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.checks is not None
        tree = screen.query_one(WalkTree)
        assert labels(tree)["h"].startswith("✗ h = tanh(")
        assert "1 wrong" in str(screen.query_one("#show-status").content)
        await pilot.press("w")
        await pilot.pause()
        assert "✗ wrong:" in str(screen.query_one("#detail").content)
