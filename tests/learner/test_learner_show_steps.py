"""`python -m tutor show FILE --steps`: the learner's graph stepped in their own code, each _backward checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from learner_scripts import write
from lecture_scripts import LEAVES, NEURON, lecture_value

from engine.value import Value as EngineValue
from tutor.learner.check_walk import NOT_CHECKED, RIGHT, WRONG, check_walk
from tutor.learner.process import Limits
from tutor.learner.walk import capture_script

ROOT = Path(__file__).resolve().parents[2]


def show(path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tutor", "show", str(path), "--steps", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def leaf_grads(walk) -> dict[str, float]:
    return {node.label: node.grad for node in walk.nodes if not node.children and node.label}


def engine_leaf_grads() -> dict[str, float]:
    scope: dict = {"Value": EngineValue}
    exec(NEURON.format(import_line=""), scope)  # our own test script, with the engine's Value
    scope["L"].backward()
    leaves = {}
    todo, seen = [scope["L"]], set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if not node._prev and node.label:
            leaves[node.label] = node.grad
        todo.extend(node._prev)
    return leaves


def lecture_script(tmp_path: Path, **mistakes: str) -> Path:
    write(tmp_path, "mygrad.py", lecture_value(**mistakes))
    return write(tmp_path, "neuron.py", NEURON.format(import_line="from mygrad import Value"))


def test_the_lectures_closure_value_gives_the_engines_grads_and_every_node_is_right(tmp_path):
    path = lecture_script(tmp_path)
    shown = capture_script(path)
    assert shown.walk is not None, shown.message
    expected = engine_leaf_grads()
    assert set(expected) == set(LEAVES)
    assert leaf_grads(shown.walk) == pytest.approx(expected)
    checks = check_walk(shown.walk)
    assert {c.status for c in checks} == {RIGHT}
    done = show(path)
    assert done.returncode == 0, done.stderr
    assert f"w1.grad = {expected['w1']:.4g}" in done.stdout
    assert "0 wrong, 0 not checked" in done.stdout


def test_this_engines_value_gives_the_same_grads(tmp_path):
    path = write(tmp_path, "neuron.py", NEURON.format(import_line="from engine.value import Value"))
    shown = capture_script(path)
    assert shown.walk is not None, shown.message
    assert leaf_grads(shown.walk) == pytest.approx(engine_leaf_grads())
    checks = check_walk(shown.walk)
    if shown.walk.whole:  # an engine without _backward(): one root.backward(), nothing to check node by node
        assert {c.status for c in checks} == {NOT_CHECKED}
    else:  # an engine whose Values have _backward(): stepped node by node, and every node is right
        assert {c.status for c in checks} == {RIGHT}
    assert show(path).returncode == 0


def test_micrograd_0_1_0_gives_the_same_grads(tmp_path):
    pytest.importorskip("micrograd.engine", reason="micrograd 0.1.0 is in the test extra")
    # micrograd has no labels, no tanh and no division by a Value: relu and numbers kept apart by their data.
    path = write(
        tmp_path,
        "mg.py",
        """
        from micrograd.engine import Value
        x1, w1, x2, w2, b = Value(2.0), Value(-3.0), Value(0.5), Value(1.25), Value(7.0)
        h = (x1 * w1 + x2 * w2 + b).relu()
        a = Value(1.5)
        loss = h * (a + a) ** 2 - h / 4
    """,
    )
    shown = capture_script(path)
    assert shown.walk is not None, shown.message
    by_data = {node.data: node.grad for node in shown.walk.nodes if not node.children}
    x1, w1, x2, w2, b = (EngineValue(v) for v in (2.0, -3.0, 0.5, 1.25, 7.0))
    h = (x1 * w1 + x2 * w2 + b).relu()
    a = EngineValue(1.5)
    loss = h * (a + a) ** 2 - h / 4
    loss.backward()
    for leaf in (x1, w1, x2, w2, b, a):
        assert by_data[leaf.data] == pytest.approx(leaf.grad)
    assert {c.status for c in check_walk(shown.walk)} == {RIGHT}
    assert show(path).returncode == 0


def wrong_nodes(path: Path):
    shown = capture_script(path)
    assert shown.walk is not None, shown.message
    walk = shown.walk
    return walk, [c for c in check_walk(walk) if c.status == WRONG]


def test_a_wrong_tanh_derivative_is_flagged_on_the_tanh_node(tmp_path):
    path = lecture_script(tmp_path, tanh_local="1 + t**2")
    walk, wrong = wrong_nodes(path)
    assert [c.op for c in wrong] == ["tanh"]
    (check,) = wrong
    (given,) = check.inputs
    assert walk.nodes[given.child].op == "+"  # the tanh's input n
    assert given.given == pytest.approx((1 + 0.5) * check.upstream)  # tanh(n) = 0.7071..., t² = 0.5
    assert given.expected == pytest.approx((1 - 0.5) * check.upstream)
    done = show(path)
    assert done.returncode == 1
    assert "✗" in done.stdout and "1 wrong" in done.stdout
    assert "(op 'tanh')" in done.stdout


def test_assigning_instead_of_adding_is_flagged_on_the_node_that_reuses_a_value(tmp_path):
    path = lecture_script(tmp_path, add_assign="=")
    walk, wrong = wrong_nodes(path)
    assert [(c.op, [walk.nodes[i.child].label for i in c.inputs]) for c in wrong] == [("+", ["a"])]
    (check,) = wrong
    assert check.inputs[0].given == pytest.approx(check.upstream)  # a.grad = out.grad: only one of the two
    assert check.inputs[0].expected == pytest.approx(2 * check.upstream)
    done = show(path)
    assert done.returncode == 1
    assert "a.grad got" in done.stdout


def test_a_missing_out_grad_factor_is_flagged_on_every_product_whose_grad_is_not_one(tmp_path):
    path = lecture_script(tmp_path, mul_upstream="")
    walk, wrong = wrong_nodes(path)
    assert wrong, "no node was flagged"
    assert {c.op for c in wrong} == {"*"}
    root_check = check_walk(walk)[0]
    assert walk.nodes[root_check.node].op == "*" and root_check.status == RIGHT  # grad 1: the bug does not show yet
    for check in wrong:
        assert check.upstream != pytest.approx(1.0)
        bad = [i for i in check.inputs if not i.ok]
        assert all(i.expected == pytest.approx(i.given * check.upstream) for i in bad)
    assert show(path).returncode == 1


def test_a_script_that_never_ends_stops_at_the_timeout_with_exit_2(tmp_path):
    path = write(tmp_path, "forever.py", "while True:\n    pass\n")
    done = show(path, "--timeout", "1")
    assert done.returncode == 2
    assert "longer than 1 s" in done.stderr


def test_a_cycle_in_prev_is_reported(tmp_path):
    write(tmp_path, "mygrad.py", lecture_value())
    path = write(
        tmp_path,
        "loop.py",
        """
        from mygrad import Value
        a = Value(1.0, label="a")
        b = a * 2; b.label = "b"
        L = b + 1; L.label = "L"
        a._prev = {L}
    """,
    )
    done = show(path)
    assert done.returncode == 2
    assert "the graph has a cycle" in done.stderr
    assert "label 'a'" in done.stderr and "label 'L'" in done.stderr


def test_a_script_that_prints_a_lot_still_shows_its_graph_and_its_output_apart(tmp_path):
    write(tmp_path, "mygrad.py", lecture_value())
    path = write(
        tmp_path,
        "chatty.py",
        """
        from mygrad import Value
        for i in range(300_000):
            print("epoch", i, "loss", 0.5)
        a = Value(3.0, label="a")
        L = a * a
    """,
    )
    done = show(path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("your script printed:\n  | epoch 0 loss 0.5\n")
    assert "more lines" in out
    assert "a.grad = 6" in out


def test_data_that_is_not_a_number_is_reported_and_not_checked(tmp_path):
    path = write(
        tmp_path,
        "words.py",
        """
        class Box:
            def __init__(self, data, prev=(), op=""):
                self.data, self.grad, self._prev, self._op = data, 0, set(prev), op
                self._backward = lambda: None
        a = Box("two")
        L = Box("two" * 2, (a,), "*")
    """,
    )
    shown = capture_script(path)
    assert shown.walk is not None, shown.message
    assert shown.walk.nodes[shown.walk.root].data == "'twotwo'"
    (check,) = check_walk(shown.walk)
    assert check.status == NOT_CHECKED and "not a number" in check.note
    assert show(path).returncode == 0


@pytest.mark.parametrize(
    ("source", "words"),
    [
        (None, "no such file"),
        ("x = (1 +\n", "line 1"),
        ("def f():\n    return 1 / 0\nf()\n", "line 2, in f"),
        ("x = 3\n", "no Value-like object"),
    ],
    ids=["missing", "syntax-error", "exception", "no-value"],
)
def test_a_script_that_cannot_be_shown_exits_2_with_a_clear_message(tmp_path, source, words):
    path = tmp_path / "script.py"
    if source is not None:
        path.write_text(source)
    done = show(path)
    assert done.returncode == 2
    assert words in done.stderr
    assert "Traceback" not in done.stderr or "tutor/" not in done.stderr


def test_name_picks_the_graph_and_a_wrong_name_is_explained(tmp_path):
    path = lecture_script(tmp_path)
    shown = capture_script(path, "o")
    assert shown.walk is not None and shown.walk.nodes[shown.walk.root].op == "tanh"
    done = show(path, "--name", "nothing")
    assert done.returncode == 2
    assert "no global named 'nothing'" in done.stderr and "x1" in done.stderr


def test_capture_respects_the_limits_it_is_given(tmp_path):
    path = write(tmp_path, "greedy.py", "hoard = [0] * (10 ** 10)\n")
    shown = capture_script(path, limits=Limits(memory_bytes=1 << 30))
    assert shown.walk is None and shown.child.outcome == "memory"


def test_without_steps_a_script_that_cannot_be_shown_exits_2_before_any_screen(tmp_path):
    path = write(tmp_path, "raises.py", "print('made it here')\nraise ValueError('no graph today')\n")
    done = subprocess.run(
        [sys.executable, "-m", "tutor", "show", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 2
    assert "ValueError: no graph today" in done.stderr
    assert "your script printed:\n  | made it here" in done.stdout
    assert "\x1b[" not in done.stdout  # no app was started
