"""The learner's progress: one small JSON file, written atomically.

    {"version": 1, "last_lesson": "chain-rule",
     "lessons": {"chain-rule": {"status": "in_progress", "step": 4,
                                "quizzes": {"5": {"tries": 1, "solved": true}}}},
     "exercises": {"01-value": {"passed": true, "hints_used": 2}}}

A file that cannot be read is moved aside (never deleted) and a fresh one is
started; the reason is kept in `Progress.notice` for the app to show.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DONE", "IN_PROGRESS", "NOT_STARTED", "Progress", "default_data_dir"]

NOT_STARTED, IN_PROGRESS, DONE = "not_started", "in_progress", "done"
VERSION = 1
FILE_NAME = "progress.json"


def default_data_dir() -> Path:
    """The platform's per-user data folder for the tutor."""
    from platformdirs import user_data_path

    return user_data_path("backprop-tutor", appauthor=False)


def _valid(raw: Any) -> bool:
    if not isinstance(raw, dict) or raw.get("version") != VERSION or not isinstance(raw.get("lessons"), dict):
        return False
    for entry in raw["lessons"].values():
        if not isinstance(entry, dict) or entry.get("status") not in (IN_PROGRESS, DONE):
            return False
        if not isinstance(entry.get("step", 0), int) or not isinstance(entry.get("quizzes", {}), dict):
            return False
    return raw.get("last_lesson") is None or isinstance(raw["last_lesson"], str)


@dataclass
class Progress:
    path: Path
    lessons: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_lesson: str | None = None
    exercises: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {"passed", "hints_used"}
    notice: str = ""  # set when a damaged file was moved aside

    @classmethod
    def load(cls, data_dir: Path) -> Progress:
        path = Path(data_dir) / FILE_NAME
        progress = cls(path)
        if not path.exists():
            return progress
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not _valid(raw):
                raise ValueError("not a progress file of this version")
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            aside = path.with_name(f"{path.stem}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
            try:
                path.replace(aside)
                progress.notice = f"Your progress file could not be read ({exc}); it was moved to {aside}."
            except OSError as move_error:
                progress.notice = f"Your progress file could not be read ({exc}) nor moved aside ({move_error})."
            return progress
        progress.lessons = raw["lessons"]
        progress.last_lesson = raw.get("last_lesson")
        exercises = raw.get("exercises", {})
        progress.exercises = exercises if isinstance(exercises, dict) else {}
        return progress

    # -- reading --

    def status(self, lesson_id: str) -> str:
        return self.lessons.get(lesson_id, {}).get("status", NOT_STARTED)

    def step(self, lesson_id: str) -> int:
        return self.lessons.get(lesson_id, {}).get("step", 0)

    def resumable(self) -> str | None:
        """The lesson to offer to resume: the last one opened, if not finished."""
        if self.last_lesson and self.status(self.last_lesson) == IN_PROGRESS and self.step(self.last_lesson) > 0:
            return self.last_lesson
        return None

    # -- writing --

    def at_step(self, lesson_id: str, step: int) -> None:
        entry = self.lessons.setdefault(lesson_id, {"status": IN_PROGRESS, "step": 0, "quizzes": {}})
        entry["step"] = step
        self.last_lesson = lesson_id
        self.save()

    def quiz(self, lesson_id: str, step: int, tries: int, solved: bool) -> None:
        entry = self.lessons.setdefault(lesson_id, {"status": IN_PROGRESS, "step": step, "quizzes": {}})
        entry.setdefault("quizzes", {})[str(step)] = {"tries": tries, "solved": solved}
        self.save()

    def done(self, lesson_id: str) -> None:
        entry = self.lessons.setdefault(lesson_id, {"status": DONE, "step": 0, "quizzes": {}})
        entry["status"] = DONE
        self.save()

    def exercise(self, name: str, *, passed: bool | None = None, hints_used: int | None = None) -> None:
        """Record an exercise's check result or hints shown; a pass is never taken back."""
        entry = self.exercises.setdefault(name, {"passed": False, "hints_used": 0})
        if passed:
            entry["passed"] = True
        if hints_used is not None:
            entry["hints_used"] = max(entry.get("hints_used", 0), hints_used)
        self.save()

    def reset(self, lesson_id: str) -> None:
        self.lessons.pop(lesson_id, None)
        self.save()

    def save(self) -> None:
        """Write to a temporary file beside the real one, then rename over it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": VERSION, "last_lesson": self.last_lesson, "lessons": self.lessons}
        if self.exercises:
            data["exercises"] = self.exercises
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".progress-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
