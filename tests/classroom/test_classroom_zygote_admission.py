"""The zygote starts tutors a few at a time, first come first served: a class arriving at once is not all slow."""

from __future__ import annotations

import asyncio
import os
import select
import selectors

import pytest

from lessons.catalog import load_catalog
from tutor.app import TutorApp
from tutor.classroom.child import FIRST_FRAME_FD
from tutor.classroom.zygote import _draw_first_screen_once, _Gate, _share_parsed_css, _Turn
from tutor.progress import Progress
from tutor.screens.browser import LessonBrowser


def has_go(turn: _Turn) -> bool:
    return turn.go_r in select.select([turn.go_r], [], [], 0)[0]


def deliver(gate: _Gate) -> None:
    """What the zygote's loop does with its selector: a child's pipe that speaks (or closes) frees its slot."""
    for key, _ in gate.selector.select(0):
        gate.heard(key.data)


def test_at_most_slots_children_start_at_once_and_the_next_starts_when_one_has_drawn():
    with selectors.DefaultSelector() as selector:
        gate = _Gate(selector, slots=2)
        turns = [_Turn() for _ in range(4)]
        for turn in turns:
            gate.add(turn)
        assert [has_go(turn) for turn in turns] == [True, True, False, False]
        os.write(turns[1].drawn_w, b"drawn")  # the second student's first screen is up
        deliver(gate)
        assert [has_go(turn) for turn in turns] == [True, True, True, False]  # the third goes, not the fourth
        os.close(turns[0].drawn_w)  # the first tutor exited before drawing: its slot is free too
        deliver(gate)
        assert has_go(turns[3])


def test_a_child_that_leaves_the_queue_before_its_turn_is_forgotten():
    with selectors.DefaultSelector() as selector:
        gate = _Gate(selector, slots=1)
        first, second, third = _Turn(), _Turn(), _Turn()
        for turn in (first, second, third):
            gate.add(turn)
        os.close(second.drawn_w)  # the second student left while waiting
        deliver(gate)
        os.write(first.drawn_w, b"drawn")
        deliver(gate)
        assert has_go(third)
        assert os.read(second.go_r, 1) == b""  # its go pipe is closed, never written


def test_a_child_that_hangs_before_drawing_holds_its_slot_only_until_the_timeout():
    with selectors.DefaultSelector() as selector:
        gate = _Gate(selector, slots=1, timeout=0.0)
        stuck, next_in_line = _Turn(), _Turn()
        gate.add(stuck)
        gate.add(next_in_line)
        assert has_go(stuck) and not has_go(next_in_line)
        gate.expire()
        assert has_go(next_in_line)


async def test_the_tutor_tells_the_zygote_once_its_first_screen_is_drawn(make_app, monkeypatch):
    drawn_r, drawn_w = os.pipe()
    os.set_blocking(drawn_r, False)  # a frame never reported fails here instead of hanging
    monkeypatch.setenv(FIRST_FRAME_FD, str(drawn_w))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LessonBrowser)
        assert os.read(drawn_r, 16) == b"drawn"
        assert os.read(drawn_r, 16) == b""  # said once, and the pipe closed: the zygote frees the slot
    assert FIRST_FRAME_FD not in os.environ  # not passed on to learner code the tutor starts
    os.close(drawn_r)


@pytest.mark.parametrize("term", ["xterm-256color", "xterm", "no-color"])
def test_after_the_zygotes_warm_up_a_session_parses_no_css_in_any_terminal(term, tmp_path, monkeypatch):
    """The CSS parsed in the zygote depends on the theme's colours: a student's tutor, 256 or 16 colours, reuses it."""
    from textual.css.stylesheet import Stylesheet

    parsed: list[str] = []
    parse_rules = Stylesheet._parse_rules

    def counted(self, css, read_from, *args, **kwargs):
        parsed.append(str(read_from))
        return parse_rules(self, css, read_from, *args, **kwargs)

    monkeypatch.setattr(Stylesheet, "_parse_rules", counted)  # put back after the test, sharing and all
    _share_parsed_css()
    _draw_first_screen_once()  # what the zygote does before it forks any tutor
    parsed.clear()
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("COLORTERM", raising=False)
    monkeypatch.setenv("TERM", "xterm" if term == "no-color" else term)
    if term == "no-color":
        monkeypatch.setenv("NO_COLOR", "1")

    async def session() -> None:
        app = TutorApp(load_catalog([]), Progress.load(tmp_path))  # the theme a session gets from its terminal
        async with app.run_test(size=(80, 24), tooltips=True, notifications=True) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, LessonBrowser)

    asyncio.run(session())
    assert parsed == []
