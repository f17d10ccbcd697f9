"""`python -m tutor class`: the teacher's view of every student the server has seen.

Reads `<data-dir>/users/<name>/progress.json` (see `tutor.progress`) without
changing anything: a damaged file is reported in its row, never moved or fixed
(the student's own tutor does that the next time they connect).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lessons.catalog import Catalog
from tutor.classroom.users import USERS_DIR, InvalidUserName, user_name
from tutor.progress import DONE, FILE_NAME, IN_PROGRESS, UnreadableProgress, read_progress

__all__ = ["Student", "format_table", "read_students"]


@dataclass
class Student:
    name: str
    lesson: str | None = None  # the lesson last opened
    step: int | None = None  # 0-based, as stored
    lesson_done: bool = False
    completed: list[str] = field(default_factory=list)  # lesson ids
    last_seen: float = 0.0
    problem: str = ""  # why the progress could not be read


def read_student(folder: Path) -> Student:
    student = Student(folder.name, last_seen=folder.stat().st_mtime)
    path = folder / FILE_NAME
    try:
        student.last_seen = max(student.last_seen, path.stat().st_mtime)
        raw = read_progress(path)
    except FileNotFoundError:
        return student  # connected, has not moved past the first screen yet
    except (OSError, UnreadableProgress) as exc:
        student.problem = f"{FILE_NAME} is damaged: {exc.strerror if isinstance(exc, OSError) else exc}"
        return student
    lessons: dict[str, dict[str, Any]] = raw["lessons"]
    student.completed = [lesson_id for lesson_id, entry in lessons.items() if entry.get("status") == DONE]
    last = raw.get("last_lesson")
    if last:
        entry = lessons.get(last, {})
        student.lesson = last
        student.lesson_done = entry.get("status") == DONE
        step = entry.get("step")
        student.step = step if isinstance(step, int) and entry.get("status") == IN_PROGRESS else None
    return student


def read_students(server_dir: Path) -> list[Student]:
    """Every student folder under `<server_dir>/users`, by name."""
    users = Path(server_dir) / USERS_DIR
    if not users.is_dir():
        return []
    students = []
    for folder in sorted(users.iterdir()):
        if not folder.is_dir():
            continue
        try:
            user_name(folder.name)
        except InvalidUserName:
            continue  # not made by the server
        students.append(read_student(folder))
    return students


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(students: list[Student], catalog: Catalog) -> str:
    """A plain-text table, one student a row, the columns sized to fit."""
    titles = {lesson.id: lesson.title for lesson in catalog.lessons}
    order = {lesson.id: i for i, lesson in enumerate(catalog.lessons)}
    total = len(catalog.lessons)
    header = ("STUDENT", "LESSON", "STEP", "DONE", "COMPLETED", "LAST SEEN")
    rows: list[tuple[str, ...]] = []
    for s in students:
        seen = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.last_seen)) if s.last_seen else "-"
        if s.problem:
            rows.append((s.name, f"! {s.problem}", "", "", "", seen))
            continue
        lesson = _clip(titles.get(s.lesson, s.lesson), 40) if s.lesson else "-"
        step = "done" if s.lesson_done else (str(s.step + 1) if s.step is not None else "-")
        done = sorted(s.completed, key=lambda i: (order.get(i, total), i))
        known = sum(1 for i in done if i in order)
        rows.append((s.name, lesson, step, f"{known}/{total}", _clip(", ".join(done) or "-", 48), seen))
    # A damaged row's message runs across the columns after the name: it does not set their widths.
    widths = [len(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            if not (row[1].startswith("! ") and i == 1):
                widths[i] = max(widths[i], len(cell))
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for row in rows:
        if row[1].startswith("! "):
            lines.append(f"{row[0].ljust(widths[0])}  {row[1]}  (last seen {row[5]})")
        else:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def run_class(server_dir: Path, catalog: Catalog) -> int:
    students = read_students(server_dir)
    users = Path(server_dir) / USERS_DIR
    if not students:
        print(f"No students yet in {users}. They appear here after their first `ssh NAME@...` session.")
        return 0
    print(f"Students in {users}: {len(students)}\n")
    print(format_table(students, catalog))
    damaged = [s.name for s in students if s.problem]
    if damaged:
        print(
            f"\n{len(damaged)} progress file(s) could not be read: {', '.join(damaged)}. "
            "The student's tutor moves a damaged file aside and starts afresh on their next visit."
        )
    return 0
