"""Finding lessons: the shipped tracks under `lessons/`, and any extra folders.

Every `.py` file in a plain subfolder of the `lessons` package (one folder a
track; a subpackage, with an `__init__.py`, holds shared code: `trainers/`, `exercises/`)
and every `.py` file under an extra folder is imported, and each `Lesson` it
defines at module level is collected. A file that fails to import, or
defines a malformed lesson, becomes a `LessonError` naming the file and
line; the others load as usual.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from lessons.api import Lesson

__all__ = ["SHIPPED", "Catalog", "LessonError", "lesson_files", "load_catalog", "load_file"]

SHIPPED = Path(__file__).resolve().parent

# Each lesson file imported so far, with the source it was imported from: a file is imported again only once
# its source has changed (an author's edit), so a second catalog, or a classroom tutor forked from a process
# that loaded one, does not compile and run every lesson file again.
_imported: dict[Path, tuple[bytes, ModuleType]] = {}


@dataclass(frozen=True)
class LessonError:
    """A lesson file that could not be used, and why."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass
class Catalog:
    lessons: list[Lesson] = field(default_factory=list)
    errors: list[LessonError] = field(default_factory=list)

    def get(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


def _shipped_files() -> list[Path]:
    """The shipped tracks' lesson files. A track is a plain folder; a package (`trainers/`, `exercises/`) is code."""
    files = SHIPPED.glob("*/*.py")
    return sorted(p for p in files if not p.name.startswith("_") and not (p.parent / "__init__.py").exists())


def _folder_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if not p.name.startswith("_"))


def _error_from(exc: BaseException, path: Path) -> LessonError:
    """The deepest frame of the traceback that is in the lesson file, else where the error points."""
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).resolve() == path.resolve():
            line = frame.lineno
    return LessonError(str(path), line or 1, f"{type(exc).__name__}: {exc}")


def _import(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _module_of(path: Path) -> ModuleType:
    """The module a lesson file makes: the one imported before if its source is unchanged since, else a new import."""
    source = path.read_bytes()
    known = _imported.get(path)
    if known is not None and known[0] == source:
        return known[1]
    module = _import(path, _module_name(path))
    _imported[path] = (source, module)
    return module


def _module_name(path: Path) -> str:
    if path.is_relative_to(SHIPPED):
        return "lessons." + ".".join(path.relative_to(SHIPPED).with_suffix("").parts)
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    return f"tutor_extra_lessons_{digest}_{path.stem}"  # one top-level module a file: no package needed


def _problems(lesson: Lesson) -> list[str]:
    problems = []
    for name in ("id", "title", "summary"):
        value = getattr(lesson, name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"lesson {name} must be a non-empty string")
    if isinstance(lesson.id, str) and (not lesson.id.replace("-", "").replace("_", "").isalnum()):
        problems.append(f"lesson id {lesson.id!r} may hold only letters, digits, '-' and '_'")
    if not isinstance(lesson.minutes, int) or not 1 <= lesson.minutes <= 120:
        problems.append(f"minutes must be a whole number from 1 to 120, got {lesson.minutes!r}")
    if not isinstance(lesson.order, int):
        problems.append(f"order must be a whole number, got {lesson.order!r}")
    return problems


def load_file(path: Path) -> tuple[list[Lesson], list[LessonError]]:
    """The lessons one file defines, or the error that stopped it."""
    try:
        module = _module_of(path)
    except (Exception, SystemExit) as exc:  # SystemExit: a lesson calling sys.exit() at import
        return [], [_error_from(exc, path)]
    lessons: list[Lesson] = []
    errors: list[LessonError] = []
    for value in vars(module).values():
        if isinstance(value, Lesson):
            problems = _problems(value)
            if problems:
                errors.append(LessonError(str(path), value.line, "; ".join(problems)))
            else:
                lessons.append(value)
    if not lessons and not errors:
        errors.append(LessonError(str(path), 1, "no lesson here: decorate a function with @lesson(...)"))
    return lessons, errors


def lesson_files(extra_folders: Sequence[Path] = (), shipped: bool = True) -> tuple[list[Path], list[LessonError]]:
    """Every lesson file to load, in order, and each extra folder that cannot be read."""
    files = _shipped_files() if shipped else []
    errors = []
    for folder in extra_folders:
        if not folder.is_dir():
            problem = "no such folder" if not folder.exists() else "not a folder"
            errors.append(LessonError(str(folder), 0, problem))
        elif not os.access(folder, os.R_OK | os.X_OK):
            errors.append(LessonError(str(folder), 0, "cannot read this folder (permission denied)"))
        else:
            files += _folder_files(folder)
    return files, errors


def load_catalog(extra_folders: Sequence[Path] = (), shipped: bool = True) -> Catalog:
    """All lessons, in order; two lessons with one id keep the first found."""
    files, errors = lesson_files(extra_folders, shipped)
    catalog = Catalog(errors=errors)
    seen: dict[str, Lesson] = {}
    for path in files:
        lessons, file_errors = load_file(path)
        catalog.errors += file_errors
        for lesson in lessons:
            if lesson.id in seen:
                catalog.errors.append(duplicate_error(lesson.id, lesson.source, lesson.line, seen[lesson.id].source))
                continue
            seen[lesson.id] = lesson
    catalog.lessons = sorted(seen.values(), key=lambda lesson: (lesson.order, lesson.id))
    return catalog


def duplicate_error(lesson_id: str, source: str, line: int, first_source: str) -> LessonError:
    """A second lesson with an id already taken (the first found keeps it)."""
    return LessonError(source, line, f"lesson id {lesson_id!r} is already used by {first_source}")
