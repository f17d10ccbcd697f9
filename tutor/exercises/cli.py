"""`python -m tutor exercises [DIR]`, `exercises init [DIR]`, `exercises check [DIR] [NAME...]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_command", "run", "sandbox_problem"]

USAGE = """python -m tutor exercises [DIR]                         open the exercises screen
       python -m tutor exercises init [DIR] [--solved] [--force NAME]   lay the files out
       python -m tutor exercises check [DIR] [NAME...] [--sandbox]      check them, one line each"""


def add_command(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "exercises",
        help="build it yourself: write Value, backward, an MLP, layers... and have them checked",
        usage=USAGE,
    )
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


def _init_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tutor exercises init", description="Lay the exercise files out.")
    parser.add_argument("dir", nargs="?", type=Path, help="the folder (default ./backprop-exercises)")
    parser.add_argument("--solved", action="store_true", help="write the reference solutions instead")
    parser.add_argument("--force", metavar="NAME", action="append", default=[], help="reset this exercise's file")
    return parser


def _check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tutor exercises check", description="Check exercises, one line each.")
    parser.add_argument("dir", nargs="?", type=Path, help="the folder (default ./backprop-exercises)")
    parser.add_argument("names", nargs="*", metavar="NAME", help="exercises to check, e.g. 03-ops or 3 (default: all)")
    parser.add_argument("--sandbox", action="store_true", help="run each check inside the bubblewrap sandbox")
    return parser


def sandbox_problem() -> str | None:
    """Why exercise checks cannot run in the bubblewrap sandbox here, or None when they can."""
    from tutor.learner.sandbox import Sandbox

    return Sandbox.available()


def _usage_error(message: str) -> int:
    print(f"tutor exercises: {message}", file=sys.stderr)
    return 2


def _pick(names: list[str]):
    from lessons.exercises import EXERCISES, by_name

    if not names:
        return list(EXERCISES), None
    picked = []
    for name in names:
        exercise = by_name(name)
        if exercise is None:
            return None, f"no exercise {name!r}; they are {', '.join(e.name for e in EXERCISES)}"
        picked.append(exercise)
    return picked, None


def run(args: argparse.Namespace) -> int:
    from tutor.exercises.workspace import DEFAULT_DIR

    rest = list(args.rest)
    command = rest[0] if rest and rest[0] in ("init", "check") else None
    try:
        if command == "init":
            options = _init_parser().parse_args(rest[1:])
        elif command == "check":
            options = _check_parser().parse_args(rest[1:])
        else:
            if len(rest) > 1 or (rest and rest[0].startswith("-")):
                return _usage_error(f"unexpected {' '.join(rest)!r}\nusage: {USAGE}")
            options = argparse.Namespace(dir=Path(rest[0]) if rest else None)
    except SystemExit as exc:  # argparse printed the problem
        return 0 if exc.code == 0 else 2
    folder = options.dir or DEFAULT_DIR
    if command == "init":
        return _init(folder, options)
    if command == "check":
        # `check 03` alone: a name, not a folder, when no such folder exists
        if options.dir is not None and not options.dir.exists() and not options.names:
            options.names, folder = [str(options.dir)], DEFAULT_DIR
        return _check(folder, options, getattr(args, "data_dir", None))
    return _screen(folder, args)


def _init(folder: Path, options: argparse.Namespace) -> int:
    from tutor.exercises.workspace import lay_out

    picked, problem = _pick(options.force)
    if problem:
        return _usage_error(problem)
    if folder.exists() and not folder.is_dir():
        return _usage_error(f"{folder} is not a folder")
    try:
        lines = lay_out(folder, solved=options.solved, force=tuple(e.name for e in picked if options.force))
    except OSError as exc:
        return _usage_error(f"cannot write to {folder}: {exc}")
    print(f"{'Solutions' if options.solved else 'Exercises'} in {folder}:")
    print("\n".join(lines))
    print(f"Next: edit {folder}/01-value.py, then `python -m tutor exercises check {folder}`.")
    return 0


def _check(folder: Path, options: argparse.Namespace, data_dir: Path | None) -> int:
    from tutor.exercises.checking import check_many

    if not folder.is_dir():
        return _usage_error(f"no folder {folder}; `python -m tutor exercises init {folder}` makes it")
    picked, problem = _pick(options.names)
    if problem:
        return _usage_error(problem)
    if options.sandbox:
        why = sandbox_problem()
        if why:
            return _usage_error(f"--sandbox: {why}")
    results = check_many(picked, folder, sandbox=options.sandbox)
    for result in results:
        print(result.line(), flush=True)
    passed = sum(r.passed for r in results)
    print(f"{passed} of {len(results)} passing")
    _record(results, data_dir)
    return 0 if passed == len(results) else 1


def _record(results, data_dir: Path | None) -> None:
    from tutor.progress import Progress, default_data_dir

    try:
        progress = Progress.load(data_dir or default_data_dir())
        for result in results:
            if result.passed:
                progress.exercise(result.exercise.name, passed=True)
    except OSError as exc:
        print(f"(progress not saved: {exc})", file=sys.stderr)


def _screen(folder: Path, args: argparse.Namespace) -> int:
    from lessons.catalog import load_catalog
    from tutor.cli import run_app

    if not folder.is_dir():
        return _usage_error(f"no folder {folder}; `python -m tutor exercises init {folder}` makes it")
    return run_app(load_catalog(args.lessons), args, exercises=folder)
