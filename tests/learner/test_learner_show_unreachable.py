"""`show` runs a learner's code: only the command line reaches it, never the app the classroom servers run."""

from __future__ import annotations

RUNS_CODE = ("tutor.learner", "tutor.screens.show", "tutor.components.walk_tree")
# That no module of the app, the lessons or the classroom imports the code runner itself is an import-linter
# contract in pyproject.toml ("Learner code is reached only through show and the exercises"), run by CI.


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
