"""What screens tell the app: small messages, handled by `TutorApp` with `@on` (screens never import the app)."""

from __future__ import annotations

from textual.message import Message


class OpenLesson(Message):
    """Open a lesson, at step `step` (0-based)."""

    def __init__(self, lesson_id: str, step: int = 0) -> None:
        super().__init__()
        self.lesson_id = lesson_id
        self.step = step


class StepReached(Message):
    """The learner is now at step `step` of a lesson (saved as where to resume)."""

    def __init__(self, lesson_id: str, step: int) -> None:
        super().__init__()
        self.lesson_id = lesson_id
        self.step = step


class QuizAnswered(Message):
    """A quiz was answered: `tries` so far, and whether it is solved."""

    def __init__(self, lesson_id: str, step: int, tries: int, solved: bool) -> None:
        super().__init__()
        self.lesson_id = lesson_id
        self.step = step
        self.tries = tries
        self.solved = solved


class LessonFinished(Message):
    """The learner reached the end of a lesson."""

    def __init__(self, lesson_id: str) -> None:
        super().__init__()
        self.lesson_id = lesson_id


class OpenPlayground(Message):
    """Open the playground (its history is kept by the app)."""


class OpenExercises(Message):
    """Open the exercises (build it yourself), if this tutor may run the learner's code."""
