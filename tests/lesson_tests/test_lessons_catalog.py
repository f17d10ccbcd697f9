"""Finding lessons, and what happens with broken ones."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from lessons.catalog import load_catalog
from lessons.check import check_catalog
from tutor.cli import main

GOOD = """
from engine import Value
from lessons.api import lesson, Narrate, NumberQuiz

@lesson(id="{id}", title="Good {id}", summary="fine", minutes=3, order={order})
def good():
    a = Value(2.0, label="a")
    b = a * a
    b.backward()
    yield Narrate("hello", graph=b)
    yield NumberQuiz("a.grad?", answer=lambda: a.grad)
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_shipped_lessons_are_found_in_order():
    catalog = load_catalog()
    ids = [lesson.id for lesson in catalog.lessons]
    assert "chain-rule" in ids and "two-moons" in ids
    assert ids.index("chain-rule") < ids.index("two-moons")
    assert catalog.errors == []


def test_a_lesson_file_is_imported_again_only_when_its_source_changed(tmp_path):
    """A second catalog reuses unchanged files (a classroom tutor starts faster); an author's edit is seen at once."""
    path = write(tmp_path, "one.py", GOOD.format(id="one", order=5))
    first = load_catalog([tmp_path], shipped=False).get("one")
    again = load_catalog([tmp_path], shipped=False).get("one")
    assert again is first  # the same module: its body did not run twice
    path.write_text(path.read_text().replace('title="Good one"', 'title="Edited one"'))
    edited = load_catalog([tmp_path], shipped=False).get("one")
    assert edited is not None and edited.title == "Edited one"
    path.write_text("raise RuntimeError('broken on purpose')\n")
    broken = load_catalog([tmp_path], shipped=False)
    assert broken.lessons == [] and "broken on purpose" in broken.errors[0].message


def test_broken_files_become_errors_with_file_and_line_and_the_rest_still_load(tmp_path):
    write(tmp_path, "good.py", GOOD.format(id="good-one", order=500))
    syntax = write(tmp_path, "syntax.py", "x = (\n")
    raising = write(tmp_path, "raising.py", "import math\n\nraise RuntimeError('boom at import')\n")
    malformed = write(
        tmp_path,
        "malformed.py",
        """
        from lessons.api import lesson, Narrate

        @lesson(id="bad id!", title="", summary="s", minutes=0, order=1)
        def bad():
            yield Narrate("x")
        """,
    )
    write(tmp_path, "empty.py", "X = 1\n")
    write(tmp_path, "exits.py", "import sys\n\nsys.exit(3)\n")
    catalog = load_catalog([tmp_path])  # sys.exit() at import does not end the app: it is one more error
    assert "good-one" in [lesson.id for lesson in catalog.lessons]
    errors = {Path(e.file).name: e for e in catalog.errors}
    assert errors["syntax.py"].file == str(syntax) and errors["syntax.py"].line >= 1
    assert errors["raising.py"].line == 3 and "boom at import" in errors["raising.py"].message
    assert str(raising) in str(errors["raising.py"])
    assert errors["malformed.py"].file == str(malformed)
    assert "title" in errors["malformed.py"].message and "minutes" in errors["malformed.py"].message
    assert "no lesson" in errors["empty.py"].message
    assert (errors["exits.py"].line, errors["exits.py"].message) == (3, "SystemExit: 3")


def test_a_duplicate_id_is_reported_and_the_first_kept(tmp_path):
    write(tmp_path, "a.py", GOOD.format(id="chain-rule", order=1))
    catalog = load_catalog([tmp_path])
    chain = catalog.get("chain-rule")
    assert chain is not None and "micrograd" in chain.source
    assert any("already used" in e.message for e in catalog.errors)


def test_check_passes_a_good_folder_and_reports_a_failing_step_with_its_line(tmp_path):
    write(tmp_path, "good.py", GOOD.format(id="good-two", order=500))
    assert check_catalog([tmp_path], shipped=False, report=lambda line: None) == []
    bad = write(
        tmp_path,
        "fails.py",
        """
        from engine import Value
        from lessons.api import lesson, Narrate, NumberQuiz

        @lesson(id="fails", title="Fails", summary="s", minutes=2, order=501)
        def fails():
            a = Value(1.0, label="a")
            yield Narrate("ok")
            yield NumberQuiz("log?", answer=lambda: (a - 1).log().data)
        """,
    )
    problems = check_catalog([tmp_path], shipped=False, report=lambda line: None)
    assert len(problems) == 1
    assert problems[0].file == str(bad) and problems[0].line == 9
    assert "log" in problems[0].message


def test_check_wants_the_learner_to_do_something(tmp_path):
    write(
        tmp_path,
        "passive.py",
        """
        from lessons.api import lesson, Narrate

        @lesson(id="passive", title="Passive", summary="s", minutes=2, order=1)
        def passive():
            yield Narrate("just reading")
        """,
    )
    problems = check_catalog([tmp_path], shipped=False, report=lambda line: None)
    assert any("must do something" in p.message for p in problems)


def run_tutor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True, timeout=120)


def test_cli_check_counts_as_it_goes_exits_1_and_names_the_file_and_line(tmp_path):
    write(tmp_path, "good.py", GOOD.format(id="good-three", order=500))
    bad = write(tmp_path, "broken.py", "from lessons.api import lesson\n\nundefined_name\n")
    result = run_tutor("check", "--jobs", "2", str(tmp_path))
    assert result.returncode == 1
    assert f"{bad}:3" in result.stdout
    lines = result.stdout.splitlines()
    progress = [line for line in lines if line.startswith("[")]  # in the order the lessons finished
    assert [line.split("] ", 1)[0] + "]" for line in progress] == ["[1/2]", "[2/2]"]
    assert sorted(line.split("] ", 1)[1] for line in progress) == ["broken.py … 1 problem", "good-three … ok"]
    assert lines[-1] == "1 lesson checked, 1 problem"


BROKEN = {
    "not_a_step.py": """
        from lessons.api import lesson, NumberQuiz

        @lesson(id="not-a-step", title="T", summary="s", minutes=2, order=1)
        def not_a_step():
            yield NumberQuiz("2?", answer=lambda: 2.0)
            yield "a string is not a step"
        """,
    "raises_in_step.py": """
        from lessons.api import lesson, Narrate, NumberQuiz

        @lesson(id="raises", title="T", summary="s", minutes=2, order=1)
        def raises():
            yield NumberQuiz("2?", answer=lambda: 2.0)
            yield Narrate(lambda: str(1 / 0))
        """,
    "exits_at_import.py": """
        import sys

        sys.exit(3)
        """,
    "exits_in_step.py": """
        import sys
        from lessons.api import lesson, NumberQuiz

        @lesson(id="exits", title="T", summary="s", minutes=2, order=1)
        def exits():
            yield NumberQuiz("2?", answer=lambda: sys.exit(4))
        """,
    "loops.py": """
        from lessons.api import lesson, NumberQuiz

        def forever():
            while True:
                pass

        @lesson(id="loops", title="T", summary="s", minutes=2, order=1)
        def loops():
            yield NumberQuiz("2?", answer=forever)
        """,
}
WHERE = {  # file: (lines, words in the message)
    "not_a_step.py": ({7}, "not a step"),
    "raises_in_step.py": ({7}, "ZeroDivisionError"),
    "exits_at_import.py": ({4}, "SystemExit: 3"),
    "exits_in_step.py": ({7}, "SystemExit: 4"),
    "loops.py": ({5, 6}, "longer than 2 s"),  # stopped in the loop: on its test or its body
}


def test_check_reports_each_broken_lesson_with_file_and_line_and_checks_the_rest(tmp_path):
    for name, text in BROKEN.items():
        write(tmp_path, name, text)
    write(tmp_path, "good.py", GOOD.format(id="still-checked", order=500))
    lines: list[str] = []
    problems = check_catalog([tmp_path], shipped=False, report=lines.append, jobs=2, timeout=2)
    found = {Path(p.file).name: (p.line, p.message) for p in problems}
    assert set(found) == set(BROKEN)
    for name, (expected_lines, words) in WHERE.items():
        assert found[name][0] in expected_lines and words in found[name][1], (name, found[name])
    assert "[6/6] " in "\n".join(lines) and any(line.endswith("still-checked … ok") for line in lines)
    assert lines[-1] == "4 lessons checked, 5 problems"  # loops.py was stopped before it could say


def test_cli_list_prints_one_line_a_lesson(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(load_catalog().lessons)
    assert lines[0].split()[0] == load_catalog().lessons[0].id
    assert all(line.rstrip().endswith("min") for line in lines)


def test_the_authoring_guides_complete_example_passes_check(tmp_path):
    guide = (Path(__file__).resolve().parents[2] / "docs" / "authoring-lessons.md").read_text()
    example = guide.split("## Complete example", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "first_lesson.py").write_text(example)
    result = run_tutor("check", str(tmp_path))
    assert result.returncode == 0, result.stdout
    assert "1 lesson checked, 0 problems" in result.stdout


def test_check_finds_a_lesson_id_used_twice_across_files(tmp_path):
    write(tmp_path, "one.py", GOOD.format(id="twice", order=1))
    second = write(tmp_path, "two.py", GOOD.format(id="twice", order=2))
    problems = check_catalog([tmp_path], shipped=False, report=lambda line: None)
    assert [(p.file, "already used" in p.message) for p in problems] == [(str(second), True)]


def test_cli_refuses_an_unknown_lesson_with_exit_2(capsys):
    assert main(["--lesson", "no-such-lesson"]) == 2
    assert "no lesson 'no-such-lesson'" in capsys.readouterr().err


def test_check_refuses_decimals_typed_into_fixed_text_with_their_line(tmp_path):
    path = write(
        tmp_path,
        "typed.py",
        """
        from engine import Value
        from lessons.api import lesson, Narrate, NumberQuiz, fmt

        @lesson(id="typed", title="Typed", summary="s", minutes=2, order=1)
        def typed():
            a = Value(0.5, label="a")
            yield Narrate("The slope is 0.75 here; `Value(0.5)` in code is fine.")
            yield Narrate(lambda: f"Computed: {fmt(a.data)}")
            yield NumberQuiz("Whole numbers like 16 are fine. a?", answer=lambda: a.data)
        """,
    )
    problems = check_catalog([tmp_path], shipped=False, report=lambda line: None)
    assert [(p.file, p.line) for p in problems] == [(str(path), 8)]
    assert "0.75" in problems[0].message
