"""Every shipped lesson reads at 80x24: no step's narration needs scrolling, numbers come from the engine."""

from __future__ import annotations

import pytest

from lessons.catalog import load_catalog
from lessons.check import computed_numbers_problem
from tutor.screens.lesson import LessonScreen

LESSONS = load_catalog().lessons


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
async def test_every_step_fits_at_80x24_and_states_no_typed_decimals(lesson, make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = LessonScreen(lesson)
        app.push_screen(screen)
        await pilot.pause()
        run = screen.run
        too_long = []
        while True:
            narration = screen.query_one("#narration")
            if narration.max_scroll_y > 0:
                too_long.append(f"step {run.index + 1} needs {narration.max_scroll_y} more lines")
            assert computed_numbers_problem(run.step.text) is None, f"step {run.index + 1}"
            run.finish_step()
            if not run.next():
                break
            screen.show()
            await pilot.pause()
        assert not too_long, too_long
        assert run.at_end
    assert 5 <= lesson.minutes <= 20 and lesson.summary
