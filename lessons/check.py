"""`python -m tutor check`: run every step of every lesson with nobody watching.

Each step is shown (its text rendered), finished (step-throughs run to the
end, quizzes answered with their own solutions, training run for its
configured steps) and checked; any problem is reported with the lesson
file and line it comes from.

Each lesson file is checked in a child process of its own, several at once
(`jobs`), under a time limit: a lesson that raises, calls `sys.exit()`,
yields something that is not a step or loops forever is reported with its
file and line, and the other lessons are still checked.
"""

from __future__ import annotations

import faulthandler
import importlib
import math
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path

from lessons.api import ChoiceQuiz, ExpressionQuiz, Lesson, NumberQuiz, Step, Train, render
from lessons.catalog import LessonError, duplicate_error, lesson_files, load_file
from lessons.runner import LessonRun

__all__ = [
    "DEFAULT_TIMEOUT",
    "FileReport",
    "Found",
    "check_catalog",
    "check_file",
    "check_files",
    "check_lesson",
    "default_jobs",
]

DEFAULT_TIMEOUT = 30.0  # seconds a lesson file may take before it is stopped and reported
_GRACE = 5.0  # beyond the time limit, before a child that did not stop by itself is killed


def _where(exc: BaseException, source: str, fallback: int) -> int:
    line = fallback
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.lineno is not None and Path(frame.filename).resolve() == Path(source).resolve():
            line = frame.lineno
    return line


def _failure(exc: BaseException, lesson: Lesson, fallback: int) -> LessonError:
    return LessonError(lesson.source, _where(exc, lesson.source, fallback), f"{type(exc).__name__}: {exc}")


_CODE = re.compile(r"```.*?```|`[^`]*`", re.S)
_DECIMAL = re.compile(r"(?<![\w.])-?\d+\.\d+|\d+(\.\d+)?e-?\d+")


def computed_numbers_problem(text: object) -> str | None:
    """Fixed text (a string, not a function) may not state decimals: they must come from the engine.

    Whole numbers ("16 neurons") and code in backticks are fine.
    """
    if not isinstance(text, str):
        return None
    found = _DECIMAL.search(_CODE.sub("", text))
    if found:
        return f"the number {found.group(0)} is typed into fixed text: compute it with the engine (text=lambda: ...)"
    return None


def _static_problems(step: Step) -> list[str]:
    problems = []
    number = computed_numbers_problem(step.text)
    if number:
        problems.append(number)
    if isinstance(step, ChoiceQuiz):
        if len(step.choices) < 2:
            problems.append("a choice quiz needs at least two choices")
        elif not 0 <= step.solution() < len(step.choices):
            problems.append(f"answer index {step.solution()} is not one of the {len(step.choices)} choices")
    if isinstance(step, ExpressionQuiz) and (step.names is None or step.answer is None or not step.solution):
        problems.append("an expression quiz needs names=..., answer=... and solution='...'")
    if isinstance(step, NumberQuiz | ChoiceQuiz | ExpressionQuiz) and not render(step.text).strip():
        problems.append("a quiz needs a question (its text)")
    if isinstance(step, NumberQuiz) and not math.isfinite(step.solution()):
        problems.append(f"the answer is not a finite number: {step.solution()}")
    if isinstance(step, Train) and (step.setup is None or step.steps < 1):
        problems.append("a Train step needs setup=... and steps >= 1")
    if step.kind in ("forward", "backward", "graph", "explore") and step.graph is None:
        problems.append(f"a {type(step).__name__} step needs graph=...")
    return problems


def _built(lesson: Lesson) -> tuple[list[Step], LessonError | None]:
    """The lesson's steps, built once; or the first thing it yields that is not a step, at the line yielding it."""
    steps: list[Step] = []
    generator = lesson.build()
    for item in generator:
        if not isinstance(item, Step):
            frame = getattr(generator, "gi_frame", None)  # a generator paused at the offending yield
            line = frame.f_lineno if frame is not None else lesson.line
            return steps, LessonError(lesson.source, line, f"yields {type(item).__name__} {item!r:.60}, not a step")
        steps.append(item)
    return steps, None


def check_lesson(lesson: Lesson) -> list[LessonError]:
    """Every problem found running `lesson` from its first step to its last (in this process)."""
    problems: list[LessonError] = []
    try:
        steps, wrong = _built(lesson)
        if wrong is not None:
            return [wrong]
        run = LessonRun(replace(lesson, build=lambda: steps))  # the steps just built, not built again
    except (Exception, SystemExit) as exc:  # SystemExit: a lesson calling sys.exit()
        return [_failure(exc, lesson, lesson.line)]
    if not any(step.gated for step in run.steps):
        problems.append(LessonError(lesson.source, lesson.line, "no quiz or training: the learner must do something"))
    while True:
        step = run.step
        try:
            render(step.text)
            if step.figure is not None:
                step.figure.curves()  # a figure's series are computed when shown: run them here too
            for problem in _static_problems(step):
                problems.append(LessonError(lesson.source, step.line, problem))
            run.finish_step()
        except (Exception, SystemExit) as exc:
            problems.append(_failure(exc, lesson, step.line))
            return problems
        if not run.next():
            break
    if not run.at_end:
        stopped = "the walk stopped here: this step cannot be finished"
        problems.append(LessonError(lesson.source, run.step.line, stopped))
    return problems


@dataclass(frozen=True)
class Found:
    """A lesson a file defines: what the report names (it crosses from a child process, so no functions)."""

    id: str
    source: str
    line: int


@dataclass
class FileReport:
    """What checking one lesson file found: its lessons and every problem."""

    path: Path
    lessons: list[Found] = field(default_factory=list)
    problems: list[LessonError] = field(default_factory=list)

    @property
    def name(self) -> str:
        return ", ".join(lesson.id for lesson in self.lessons) or self.path.name


def check_file(path: Path) -> FileReport:
    """Load one lesson file and check each of its lessons (in this process)."""
    lessons, problems = load_file(path)
    report = FileReport(path, problems=list(problems))
    for lesson in lessons:
        report.lessons.append(Found(lesson.id, lesson.source, lesson.line))
        report.problems += check_lesson(lesson)
    return report


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _child(path: Path, conn: Connection, dump: Path, timeout: float) -> None:
    """In a child process: check one file and send back what was found; stop with a traceback at the time limit."""
    with dump.open("w") as stuck:
        faulthandler.dump_traceback_later(timeout, exit=True, file=stuck)
        try:
            report = check_file(path)
        except BaseException as exc:  # anything at all: the parent reports it with the file and line
            error = LessonError(str(path), _where(exc, str(path), 1), f"{type(exc).__name__}: {exc}")
            report = FileReport(path, problems=[error])
        conn.send(report)
        faulthandler.cancel_dump_traceback_later()
        conn.close()


_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


def _stuck_at(dump: Path, path: Path) -> int:
    """The innermost line of the lesson file in a faulthandler traceback (most recent call first), else 1."""
    try:
        text = dump.read_text(errors="replace")
    except OSError:
        return 1
    for match in _FRAME.finditer(text):
        if Path(match["file"]).resolve() == path.resolve():
            return int(match["line"])
    for match in _FRAME.finditer(text):  # not in the file itself: a helper it calls
        if "/lessons/" in match["file"]:
            return int(match["line"])
    return 1


@dataclass
class _Job:
    path: Path
    process: multiprocessing.process.BaseProcess
    conn: Connection
    dump: Path
    deadline: float


def _context() -> multiprocessing.context.ForkContext | multiprocessing.context.SpawnContext:
    # fork: a child starts at once with the engine and NumPy already imported.
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _finish(job: _Job, timeout: float) -> FileReport:
    """Collect a child's findings; a child that timed out or died becomes a problem with the file and line."""
    received = None
    try:
        if job.conn.poll():
            received = job.conn.recv()
    except (EOFError, OSError):
        received = None
    job.conn.close()
    job.process.join(1)
    if job.process.is_alive():  # past the time limit and not stopped by its own watchdog
        job.process.kill()
        job.process.join()
    if isinstance(received, FileReport):
        return received
    if (job.dump.exists() and job.dump.stat().st_size) or job.process.exitcode == -signal.SIGKILL:
        message = f"took longer than {timeout:g} s and was stopped (an endless loop?)"
        return FileReport(job.path, problems=[LessonError(str(job.path), _stuck_at(job.dump, job.path), message)])
    message = f"the check process ended without a report (exit code {job.process.exitcode})"
    return FileReport(job.path, problems=[LessonError(str(job.path), 1, message)])


def check_files(
    files: Sequence[Path],
    jobs: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    done: Callable[[FileReport], None] = lambda report: None,
) -> list[FileReport]:
    """Check each file in a child process of its own, `jobs` at a time; reports in the order of `files`."""
    jobs = max(1, jobs or default_jobs())
    if "numpy" not in sys.modules:
        # One BLAS thread a process: the processes are the parallelism, and idle OpenBLAS threads spin
        # (measured: 30% less CPU for the shipped lessons, and --jobs 2 no longer slower than --jobs 1).
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
        importlib.import_module("numpy")  # once here, so every forked child starts with it
    context = _context()
    pending = sorted(files, key=lambda path: not _trains(path))  # the slow ones first, so none starts last
    running: list[_Job] = []
    reports: dict[Path, FileReport] = {}
    with tempfile.TemporaryDirectory(prefix="tutor-check-") as tmp:
        while pending or running:
            while pending and len(running) < jobs:
                path = pending.pop(0)
                receive, send = context.Pipe(duplex=False)
                dump = Path(tmp) / f"{len(reports) + len(running)}-{path.stem}.txt"
                process = context.Process(target=_child, args=(path, send, dump, timeout), daemon=True)
                process.start()
                send.close()
                running.append(_Job(path, process, receive, dump, time.monotonic() + timeout + _GRACE))
            soonest = min(job.deadline for job in running)
            ready = wait([job.conn for job in running], timeout=max(0.0, soonest - time.monotonic()))
            for job in list(running):
                if job.conn in ready or time.monotonic() >= job.deadline:
                    running.remove(job)
                    reports[job.path] = _finish(job, timeout)
                    done(reports[job.path])
    return [reports[path] for path in files]


def _trains(path: Path) -> bool:
    """Whether a lesson file has a training step, the steps that take seconds to check."""
    try:
        return "Train(" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _duplicates(reports: list[FileReport]) -> list[LessonError]:
    seen: dict[str, Found] = {}
    problems = []
    for report in reports:
        for lesson in report.lessons:
            if lesson.id in seen:
                problems.append(duplicate_error(lesson.id, lesson.source, lesson.line, seen[lesson.id].source))
            else:
                seen[lesson.id] = lesson
    return problems


def _print_now(line: str) -> None:
    print(line, flush=True)  # flushed: through a pipe too, each line shows as it comes


def check_catalog(
    folders: Sequence[Path] = (),
    shipped: bool = True,
    report: Callable[[str], None] = _print_now,
    jobs: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[LessonError]:
    """Check every lesson file, several at once; report `[k/N] lesson-id … ok` as each finishes, then a summary."""
    files, problems = lesson_files(folders, shipped=shipped)
    for error in problems:
        report(f"error  {error}")
    finished = 0

    def done(file_report: FileReport) -> None:
        nonlocal finished
        finished += 1
        count = len(file_report.problems)
        verdict = "ok" if not count else f"{count} problem{'' if count == 1 else 's'}"
        report(f"[{finished}/{len(files)}] {file_report.name} … {verdict}")
        for problem in file_report.problems:
            report(f"       {problem}")

    reports = check_files(files, jobs=jobs, timeout=timeout, done=done)
    duplicates = _duplicates(reports)
    for problem in duplicates:
        report(f"error  {problem}")
    problems += [problem for file_report in reports for problem in file_report.problems] + duplicates
    count = sum(len(file_report.lessons) for file_report in reports)
    found = len(problems)
    report(f"{count} lesson{'' if count == 1 else 's'} checked, {found} problem{'' if found == 1 else 's'}")
    return problems
