"""Getting around: the browser's keys and the command palette's entries."""

from __future__ import annotations

from tutor.screens.browser import LessonBrowser
from tutor.screens.lesson import LessonScreen
from tutor.screens.playground import PlaygroundScreen


async def test_g_opens_the_playground_and_q_comes_back(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, PlaygroundScreen)
        await pilot.press("enter")  # runs the example program
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, LessonBrowser)


async def test_j_and_k_move_through_the_lessons(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("j", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == app.catalog.lessons[1].id
        await pilot.press("q")  # back on the list, the cursor still on the lesson just left
        await pilot.pause()
        assert app.screen.query_one("#lesson-list").highlighted == 1
        await pilot.press("k", "enter")
        await pilot.pause()
        assert app.screen.lesson.id == app.catalog.lessons[0].id


async def test_the_command_palette_lists_every_lesson_and_the_playground(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for lesson in app.catalog.lessons:
            assert f"Lesson: {lesson.title}" in titles
        assert "Playground" in titles and "Theme" in titles and "Help" in titles
        wanted = "Lesson: " + app.catalog.lessons[1].title
        opener = next(c for c in app.get_system_commands(app.screen) if c.title == wanted)
        opener.callback()
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == app.catalog.lessons[1].id


def test_16_colour_and_no_color_terminals_get_the_ansi_theme_in_the_terminals_own_colours(monkeypatch, make_app):
    from tutor.app import default_theme

    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("COLORTERM", raising=False)
    assert default_theme() == "textual-dark"
    monkeypatch.setenv("TERM", "xterm")  # 16 colours
    assert default_theme() == "ansi-dark"
    assert make_app().ansi_color is True  # the palette goes straight through; NO_COLOR strips it
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("NO_COLOR", "1")
    assert default_theme() == "ansi-dark"
    assert make_app(theme="nord").ansi_color is None  # a full-colour theme, chosen by the learner


async def test_the_lesson_lists_cursor_is_marked_with_an_arrow_so_it_shows_without_colour(monkeypatch, make_app):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()

        def marked() -> list[str]:
            rows = ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]
            return [row for row in rows if "◀" in row]

        first, second = app.catalog.lessons[0], app.catalog.lessons[1]
        assert len(marked()) == 1 and first.title in marked()[0]
        await pilot.press("j")
        await pilot.pause()
        assert len(marked()) == 1 and second.title in marked()[0]  # the mark follows the cursor
        await pilot.press("k")
        await pilot.pause()
        assert len(marked()) == 1 and first.title in marked()[0]


async def test_the_summaries_wrap_to_the_terminals_width_and_again_when_it_changes(make_app):
    app = make_app()
    lesson = max(app.catalog.lessons, key=lambda lesson: len(lesson.summary))

    def summary_lines() -> list[str]:
        options = app.screen.query_one("#lesson-list")
        prompt = str(options.get_option(lesson.id).prompt)
        return [line.strip() for line in prompt.splitlines()[1:]]

    async with app.run_test(size=(60, 24)) as pilot:
        await pilot.pause()
        narrow = summary_lines()
        assert " ".join(narrow) == " ".join(lesson.summary.split())
        assert len(narrow) >= 2 and all(len(line) <= 60 - 6 for line in narrow)
        await pilot.resize_terminal(160, 30)
        await pilot.pause()
        wide = summary_lines()
        assert len(wide) < len(narrow) and " ".join(wide) == " ".join(narrow)
