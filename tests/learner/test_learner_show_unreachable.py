"""`show` runs a learner's code: only the command line reaches it, never the app the classroom servers run."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_boundaries import ROOT, imported_modules

RUNS_CODE = ("tutor.learner", "tutor.screens.show", "tutor.components.walk_tree")
MAY_IMPORT = {"tutor/cli.py"}  # the `show` command itself (tutor.learner.show_cli, only when `show` runs)
# The exercises (issue 11) run learner code through tutor.learner by design; the app opens them only when its
# `--code` is not "off", and the classroom passes "off" unless the teacher gives --allow-code (then sandboxed):
# tests/exercises/test_exercises_sandbox.py and test_exercises_screen.py check both.
EXERCISES = "tutor/exercises/"


def test_nothing_the_app_or_the_classroom_loads_imports_the_code_runner():
    bad = []
    for path in sorted((ROOT / "tutor").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("tutor/learner/", "tutor/screens/show.py", "tutor/components/walk_tree.py")):
            continue
        if rel in MAY_IMPORT or rel.startswith(EXERCISES):
            continue
        for line, module in imported_modules(path):
            if module.startswith(RUNS_CODE):
                bad.append(f"{rel}:{line} imports {module}")
    assert bad == []


def test_the_command_line_reaches_show_only_through_its_own_command():
    source = (ROOT / "tutor" / "cli.py").read_text()
    imports = [m for _, m in imported_modules(ROOT / "tutor" / "cli.py") if m.startswith("tutor.learner")]
    assert imports and all(m.startswith("tutor.learner.show_cli") for m in imports)
    assert 'args.command == "show"' in source


async def test_the_command_palette_of_the_app_offers_no_show(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        commands = list(app.get_system_commands(app.screen))
    assert commands, "the palette is empty"
    homes = {getattr(c.callback, "func", c.callback).__module__ for c in commands}
    assert "tutor.app" in homes
    assert not [h for h in homes if h.startswith(RUNS_CODE)]
    assert not [c.title for c in commands if "show" in c.title.lower().split()]
