"""What the exercises screen tells the app (kept apart so the app imports no exercise code at start-up)."""

from __future__ import annotations

from textual.message import Message


class ExerciseChecked(Message):
    """An exercise was checked: the app records a pass in the progress file."""

    def __init__(self, name: str, passed: bool) -> None:
        super().__init__()
        self.name, self.passed = name, passed


class HintShown(Message):
    """The learner has now seen `count` hints of an exercise."""

    def __init__(self, name: str, count: int) -> None:
        super().__init__()
        self.name, self.count = name, count
