"""The learner's progress: one small JSON file, merged and written atomically under a lock.

    {"version": 1, "last_lesson": "chain-rule",
     "lessons": {"chain-rule": {"status": "in_progress", "step": 4,
                                "quizzes": {"5": {"tries": 1, "solved": true}}}},
     "exercises": {"01-value": {"passed": true, "hints_used": 2}}}

Two tutors may run under one name (a browser tab and an SSH session, or two
tabs). Nothing either of them did is lost: each save takes a lock
(`.progress.lock` beside the file), reads what is on disk and merges this
session's changes into it. Finished lessons, quiz results and exercise results
only ever add up (a quiz solved anywhere stays solved, the most tries and hints
count); the place in a lesson and the last lesson are the latest ones written.

A file that cannot be read — not JSON, the wrong shape, nested too deep, too
large, not text — is moved aside (never deleted) and a fresh one is started;
the reason is kept in `Progress.notice` for the app to show.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DONE", "IN_PROGRESS", "NOT_STARTED", "Progress", "UnreadableProgress", "default_data_dir", "read_progress"]

NOT_STARTED, IN_PROGRESS, DONE = "not_started", "in_progress", "done"
VERSION = 1
FILE_NAME = "progress.json"
LOCK_NAME = ".progress.lock"
MAX_BYTES = 1 << 20  # every lesson and exercise fits in a few kilobytes: a megabyte is not a progress file


class UnreadableProgress(ValueError):
    """A progress file that cannot be used; the message says why, in plain words."""


def default_data_dir() -> Path:
    """The platform's per-user data folder for the tutor."""
    from platformdirs import user_data_path

    return user_data_path("backprop-tutor", appauthor=False)


def _check_shape(raw: Any) -> None:
    """Raise UnreadableProgress unless `raw` is a progress file of this version that merging can rely on."""
    if not isinstance(raw, dict) or raw.get("version") != VERSION:
        raise UnreadableProgress(f"not a version {VERSION} progress file")
    if not isinstance(raw.get("lessons"), dict):
        raise UnreadableProgress("its 'lessons' is not a table of lessons")
    for lesson_id, entry in raw["lessons"].items():
        if not isinstance(entry, dict) or entry.get("status") not in (IN_PROGRESS, DONE):
            raise UnreadableProgress(f"lesson {lesson_id!r} has no status")
        quizzes = entry.get("quizzes", {})
        if not isinstance(entry.get("step", 0), int) or not isinstance(quizzes, dict):
            raise UnreadableProgress(f"lesson {lesson_id!r} has a bad step or quiz table")
        if not all(isinstance(q, dict) and isinstance(q.get("tries", 0), int) for q in quizzes.values()):
            raise UnreadableProgress(f"lesson {lesson_id!r} has a bad quiz result")
    exercises = raw.get("exercises", {})
    if not isinstance(exercises, dict) or not all(
        isinstance(e, dict) and isinstance(e.get("hints_used", 0), int) for e in exercises.values()
    ):
        raise UnreadableProgress("its 'exercises' is not a table of exercise results")
    if raw.get("last_lesson") is not None and not isinstance(raw["last_lesson"], str):
        raise UnreadableProgress("its 'last_lesson' is not a lesson id")


def read_progress(path: Path) -> dict[str, Any]:
    """The content of a progress file; FileNotFoundError, OSError, or UnreadableProgress saying what is wrong."""
    with open(path, "rb") as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UnreadableProgress(f"larger than {MAX_BYTES // 1024} KiB")
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UnreadableProgress(f"not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise UnreadableProgress(f"not JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise UnreadableProgress("nested too deep to be a progress file") from None
    _check_shape(raw)
    return raw


# -- merging two sessions' work --


def _union(theirs: dict[str, Any], mine: dict[str, Any], flag: str, count: str) -> dict[str, Any]:
    """Two tables of results by id: a result in either is kept; `flag` (solved, passed) is true if it
    is in either, `count` (tries, hints used) is the larger."""
    merged = dict(theirs)
    for key, result in mine.items():
        other = merged.get(key)
        if other is None:
            merged[key] = result
        else:
            merged[key] = other | result
            merged[key][flag] = bool(other.get(flag)) or bool(result.get(flag))
            merged[key][count] = max(other.get(count, 0), result.get(count, 0))
    return merged


def _merge_lesson(theirs: dict[str, Any] | None, mine: dict[str, Any], my_step: bool) -> dict[str, Any]:
    if theirs is None:
        return mine
    merged = theirs | mine
    merged["status"] = DONE if DONE in (theirs["status"], mine["status"]) else IN_PROGRESS
    merged["step"] = mine.get("step", 0) if my_step else theirs.get("step", 0)
    merged["quizzes"] = _union(theirs.get("quizzes", {}), mine.get("quizzes", {}), "solved", "tries")
    return merged


@dataclass
class Progress:
    path: Path
    lessons: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_lesson: str | None = None
    exercises: dict[str, dict[str, Any]] = field(default_factory=dict)
    notice: str = ""  # set when a damaged file was moved aside
    # What the file held when this session last read or wrote it, and what this session moved since:
    # a save applies only this session's own changes to what is on disk now.
    _base: dict[str, Any] = field(default_factory=dict, repr=False)
    _moved: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def load(cls, data_dir: Path) -> Progress:
        path = Path(data_dir) / FILE_NAME
        progress = cls(path)
        if not path.exists():
            return progress
        with progress._locked():
            progress._adopt(progress._read_or_move_aside())
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
        self._moved.add(lesson_id)
        self.save()

    def quiz(self, lesson_id: str, step: int, tries: int, solved: bool) -> None:
        entry = self.lessons.setdefault(lesson_id, {"status": IN_PROGRESS, "step": step, "quizzes": {}})
        entry.setdefault("quizzes", {})[str(step)] = {"tries": tries, "solved": solved}
        self.save()

    def done(self, lesson_id: str) -> None:
        entry = self.lessons.setdefault(lesson_id, {"status": DONE, "step": 0, "quizzes": {}})
        entry["status"] = DONE
        self.save()

    def exercise(self, exercise_id: str, passed: bool, hints_used: int) -> None:
        """Record an exercise's result: passed once stays passed; the most hints used counts."""
        entry = self.exercises.setdefault(exercise_id, {"passed": False, "hints_used": 0})
        entry["passed"] = entry["passed"] or passed
        entry["hints_used"] = max(entry["hints_used"], hints_used)
        self.save()

    def reset(self, lesson_id: str) -> None:
        self.lessons.pop(lesson_id, None)
        self._moved.discard(lesson_id)
        self.save()

    def save(self) -> None:
        """Merge this session's changes into the file on disk, under the lock; then hold the merged whole."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            merged = self._merged_with(self._read_or_move_aside())
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".progress-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(merged, f, indent=1, sort_keys=True)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self._adopt(merged)

    # -- the file, the lock and the merge --

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            fd = os.open(self.path.with_name(LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:  # a folder we may not write to: reading needs no lock, and writing fails on its own
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _read_or_move_aside(self) -> dict[str, Any] | None:
        """What is on disk now (None if nothing usable); a damaged file is moved aside with a notice."""
        try:
            return read_progress(self.path)
        except FileNotFoundError:
            return None
        except (OSError, UnreadableProgress) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            aside = self.path.with_name(f"{self.path.stem}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}{self.path.suffix}")
            try:
                self.path.replace(aside)
                self.notice = f"Your progress file could not be read ({reason}); it was moved to {aside}."
            except OSError as move_error:
                self.notice = f"Your progress file could not be read ({reason}) nor moved aside ({move_error})."
            return None

    def _adopt(self, raw: dict[str, Any] | None) -> None:
        """Take `raw` (the file's content) as this session's state and as the base of its next merge."""
        raw = raw or {}
        self._base = copy.deepcopy(raw)
        self._moved.clear()
        self.lessons = copy.deepcopy(raw.get("lessons", {}))
        self.last_lesson = raw.get("last_lesson")
        self.exercises = copy.deepcopy(raw.get("exercises", {}))

    def _merged_with(self, disk: dict[str, Any] | None) -> dict[str, Any]:
        """The file's content with this session's changes since its last read or write applied."""
        disk = disk or {}
        base_lessons: dict[str, Any] = self._base.get("lessons", {})
        lessons = dict(disk.get("lessons", {}))
        for lesson_id in base_lessons.keys() - self.lessons.keys():
            lessons.pop(lesson_id, None)  # reset in this session
        for lesson_id, entry in self.lessons.items():
            if lesson_id in self._moved or entry != base_lessons.get(lesson_id):
                lessons[lesson_id] = _merge_lesson(lessons.get(lesson_id), entry, lesson_id in self._moved)
        exercises = _union(disk.get("exercises", {}), self.exercises, "passed", "hints_used")
        merged = disk | {"version": VERSION, "lessons": lessons, "exercises": exercises}
        merged["last_lesson"] = self.last_lesson if self._moved else disk.get("last_lesson")
        if merged["last_lesson"] is not None and merged["last_lesson"] not in lessons:
            merged["last_lesson"] = None
        return merged
