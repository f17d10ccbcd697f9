"""The command line: `python -m tutor [list | check | play | serve | class] ...`."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.gc_settings import freeze_startup_objects, raise_gc_thresholds

if TYPE_CHECKING:
    from lessons.catalog import Catalog

USAGE_ERROR = 2  # what argparse itself exits with on a bad command line


class _Version(argparse.Action):
    """`--version`: the installed package's version, looked up only when asked (importlib.metadata is slow)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("backprop-tutor")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = "unknown"
        print(f"{parser.prog} (backprop-tutor) {number}")
        parser.exit()


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of processes, 1 or more, not {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"a number of seconds above 0, not {text!r}")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor",
        description="Backprop Tutor: learn how neural networks learn by driving a real autograd engine.",
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument("--lesson", metavar="ID", help="open this lesson directly")
    parser.add_argument(
        "--lessons", metavar="DIR", action="append", type=Path, default=[], help="an extra lesson folder (repeatable)"
    )
    parser.add_argument("--data-dir", metavar="DIR", type=Path, help="where progress is kept")
    parser.add_argument("--theme", metavar="NAME", help="a Textual theme, e.g. ansi-dark for 16-colour terminals")
    parser.add_argument(
        "--code",
        choices=("local", "sandbox", "off"),
        default="local",
        help="how exercises run your code: a child process (local), in bubblewrap (sandbox), or not at all (off)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("list", help="list the lessons, one a line, and exit")
    check = sub.add_parser("check", help="run every step of every lesson headlessly; exit 1 on any problem")
    check.add_argument("dirs", nargs="*", type=Path, metavar="DIR", help="lesson folders to check (default: all)")
    check.add_argument(
        "--jobs", type=_jobs, metavar="N", help="lessons checked at once, each in its own process (default: the cores)"
    )
    check.add_argument(
        "--timeout", type=_seconds, default=30.0, metavar="S", help="seconds a lesson may take (default 30)"
    )
    read = sub.add_parser(
        "read", help="a lesson as plain text, line by line (screen readers, pipes, notes): n, p, e, h, q"
    )
    read.add_argument("lesson_id", metavar="LESSON", help="the lesson's id, as `list` shows it")
    play = sub.add_parser("play", help="build a graph from a small program and print it with its grads")
    play.add_argument("program", help="e.g. 'a = 2; b = -3; L = (a*b + 10) * -2' (one starting with '-' works too)")
    play.add_argument("--steps", action="store_true", help="print the backward pass step by step")
    from tutor.classroom.cli import add_commands
    from tutor.exercises.cli import add_command as add_exercises
    from tutor.learner.show_cli import add_command as add_show

    add_commands(sub)
    add_show(sub)
    add_exercises(sub)
    return parser


@functools.cache
def shared_parser() -> argparse.ArgumentParser:
    """The command line's parser, built once a process: a classroom's zygote builds it for every tutor it forks."""
    return build_parser()


_VALUED = ("--lesson", "--lessons", "--data-dir", "--theme")  # the global options that take a value


def _program_after_dashes(argv: list[str]) -> list[str]:
    """`play '-2**0.5'`: put `--` before a program that starts with '-', so it is not taken for an option."""
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            return argv
        if token in _VALUED:
            i += 2
            continue
        if token.startswith("-"):
            i += 1
            continue
        if token != "play":
            return argv
        for j in range(i + 1, len(argv)):
            if argv[j] == "--" or not argv[j].startswith("-"):
                return argv
            if argv[j] not in ("--steps", "-h", "--help"):
                return [*argv[:j], "--", *argv[j:]]
        return argv
    return argv


def _fail(message: str) -> int:
    print(f"tutor: {message}", file=sys.stderr)
    return USAGE_ERROR


def _theme_problem(theme: str | None) -> str | None:
    if theme is None:
        return None
    from textual.theme import BUILTIN_THEMES

    if theme not in BUILTIN_THEMES:
        return f"no theme {theme!r}; choose one of: {', '.join(sorted(BUILTIN_THEMES))}"
    return None


def main(argv: list[str] | None = None) -> int:
    raise_gc_thresholds()  # lessons train faster; the classroom's tutors inherit it through the zygote
    args = shared_parser().parse_args(_program_after_dashes(list(sys.argv[1:] if argv is None else argv)))
    if args.lesson is not None and not args.lesson.strip():
        return _fail("--lesson needs a lesson id; `python -m tutor list` shows them")
    problem = _theme_problem(args.theme)
    if problem:
        return _fail(problem)
    if args.command == "check":
        return run_check(args)
    if args.command == "show":
        from tutor.learner.show_cli import run as run_show

        return run_show(args)
    if args.command == "exercises":
        from tutor.exercises.cli import run as run_exercises

        return run_exercises(args)
    catalog = _load(args.lessons, shipped=args.command not in ("serve", "play"))
    if catalog is None:
        return USAGE_ERROR
    if args.command in ("serve", "class"):
        from tutor.classroom.cli import run

        return run(args)
    if args.command == "play":
        from tutor.playground.cli import run_play

        return run_play(args.program, steps=args.steps)
    if args.command == "read":
        from tutor.progress import default_data_dir
        from tutor.reader import run_read

        return run_read(catalog, args.lesson_id, data_dir=args.data_dir or default_data_dir())
    if args.command == "list":
        for lesson in catalog.lessons:
            print(f"{lesson.id:<24} {lesson.title:<48} {lesson.minutes:>3} min")
        return 0
    return run_app(catalog, args)


def _load(folders: list[Path], shipped: bool) -> Catalog | None:
    """The lessons, or None after printing each problem (a missing, unreadable or broken lesson folder)."""
    from lessons.catalog import Catalog, load_catalog

    if not folders and not shipped:
        return Catalog()
    catalog = load_catalog(folders, shipped=shipped)
    for error in catalog.errors:
        print(f"tutor: {error}", file=sys.stderr)
    return None if catalog.errors else catalog


def run_check(args: argparse.Namespace) -> int:
    """`check [DIR ...]`: 0 when every lesson passes, 1 on any problem, 2 when a folder cannot be read."""
    from lessons.catalog import lesson_files
    from lessons.check import check_catalog

    folders = args.dirs or args.lessons
    _, errors = lesson_files(folders, shipped=False)
    if errors:
        for error in errors:
            print(f"tutor: {error}", file=sys.stderr)
        return USAGE_ERROR
    try:
        problems = check_catalog(folders, shipped=not args.dirs, jobs=args.jobs, timeout=args.timeout)
    except KeyboardInterrupt:
        print("tutor: check interrupted", file=sys.stderr)
        return 130
    return 1 if problems else 0


def needs_terminal() -> str | None:
    """Why the full-screen app cannot run here (stdout is not a terminal, or TERM=dumb), or None.

    The web classroom runs the app through Textual's web driver, with pipes: that is fine.
    """
    if os.environ.get("TEXTUAL_DRIVER"):
        return None
    if os.environ.get("TERM") == "dumb":
        return "TERM is dumb"
    if not sys.stdout.isatty():
        return "the output is not a terminal"
    return None


def run_app(catalog: Catalog, args: argparse.Namespace, exercises: Path | None = None) -> int:
    from tutor.app import TutorApp
    from tutor.progress import Progress, default_data_dir

    if args.lesson and catalog.get(args.lesson) is None:
        return _fail(f"no lesson {args.lesson!r}; `python -m tutor list` shows them")
    why = needs_terminal()
    if why is not None:
        return _fail(
            f"the full-screen app needs a terminal ({why}); for a lesson as plain text, use "
            "`python -m tutor read LESSON` (`python -m tutor list` shows the lessons)"
        )
    data_dir = args.data_dir or default_data_dir()
    progress = Progress.load(data_dir)
    theme = starting_theme(args.theme, data_dir)
    app = TutorApp(catalog, progress, lesson_id=args.lesson, theme=theme, exercises=exercises, code=args.code)
    freeze_startup_objects()  # later collections only look at what the lessons make
    app.run()
    return 0


def starting_theme(asked: str | None, data_dir: Path) -> str | None:
    """`--theme` if given, else the theme last chosen in the palette (if Textual still has it), else None."""
    from tutor.settings import saved_theme

    saved = saved_theme(data_dir)
    return asked or (saved if _theme_problem(saved) is None else None)
