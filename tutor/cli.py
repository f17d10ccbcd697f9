"""The command line: `python -m tutor [list | check | play | show | serve | class] ...`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor",
        description="Backprop Tutor: learn how neural networks learn by driving a real autograd engine.",
    )
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
    read = sub.add_parser(
        "read", help="a lesson as plain text, line by line (screen readers, pipes, notes): n, p, e, h, q"
    )
    read.add_argument("lesson_id", metavar="LESSON", help="the lesson's id, as `list` shows it")
    play = sub.add_parser("play", help="build a graph from a small program and print it with its grads")
    play.add_argument("program", help="e.g. 'a = 2; b = -3; L = (a*b + 10) * -2'")
    play.add_argument("--steps", action="store_true", help="print the backward pass step by step")
    from tutor.classroom.cli import add_commands
    from tutor.exercises.cli import add_command as add_exercises
    from tutor.learner.show_cli import add_command as add_show

    add_commands(sub)
    add_show(sub)
    add_exercises(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("serve", "class"):
        from tutor.classroom.cli import run

        return run(args)
    if args.command == "show":
        from tutor.learner.show_cli import run as run_show

        return run_show(args)
    if args.command == "exercises":
        from tutor.exercises.cli import run as run_exercises

        return run_exercises(args)
    if args.command == "play":
        from tutor.playground.cli import run_play

        return run_play(args.program, steps=args.steps)
    from lessons.catalog import load_catalog

    if args.command == "check":
        from lessons.check import check_catalog

        if args.dirs:
            return 1 if check_catalog(args.dirs, shipped=False) else 0
        return 1 if check_catalog(args.lessons) else 0
    catalog = load_catalog(args.lessons)
    if args.command == "read":
        from tutor.progress import default_data_dir
        from tutor.reader import run_read

        return run_read(catalog, args.lesson_id, data_dir=args.data_dir or default_data_dir())
    if args.command == "list":
        for lesson in catalog.lessons:
            print(f"{lesson.id:<24} {lesson.title:<48} {lesson.minutes:>3} min")
        for error in catalog.errors:
            print(f"error: {error}", file=sys.stderr)
        return 0
    return run_app(catalog, args)


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


def run_app(catalog, args: argparse.Namespace, exercises: Path | None = None) -> int:
    from tutor.app import TutorApp
    from tutor.progress import Progress, default_data_dir

    if args.lesson and catalog.get(args.lesson) is None:
        print(f"tutor: no lesson {args.lesson!r}; `python -m tutor list` shows them", file=sys.stderr)
        return 2
    if args.theme:
        from textual.theme import BUILTIN_THEMES

        if args.theme not in BUILTIN_THEMES:
            names = ", ".join(sorted(BUILTIN_THEMES))
            print(f"tutor: no theme {args.theme!r}; choose one of: {names}", file=sys.stderr)
            return 2
    why = needs_terminal()
    if why is not None:
        print(
            f"tutor: the full-screen app needs a terminal ({why}); for a lesson as plain text, use "
            "`python -m tutor read LESSON` (`python -m tutor list` shows the lessons)",
            file=sys.stderr,
        )
        return 2
    progress = Progress.load(args.data_dir or default_data_dir())
    TutorApp(catalog, progress, lesson_id=args.lesson, theme=args.theme, exercises=exercises, code=args.code).run()
    return 0
