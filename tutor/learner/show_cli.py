"""`python -m tutor show FILE.py [--name NAME] [--steps] [--timeout S]`: your own micrograd's graph, stepped.

Exit status: 0 every checked node is right, 1 some node is wrong, 2 the
script could not be run or has no graph (the message says why).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the parser is built on every `python -m tutor`: import the rest only when `show` runs
    from tutor.learner.walk import Shown

OUTPUT_LINES = 40  # of the script's own output, printed by --steps before the walk


def add_command(subparsers) -> None:
    show = subparsers.add_parser(
        "show",
        help="run your own micrograd-style script and step its graph's backward, checking each _backward()",
    )
    show.add_argument("file", type=Path, metavar="FILE.py", help="a script that builds a graph of Values")
    show.add_argument("--name", help="the global holding the output (default: L or loss, else the largest graph)")
    show.add_argument("--steps", action="store_true", help="print the walk as plain text instead of opening the app")
    show.add_argument("--timeout", type=float, default=10.0, metavar="S", help="stop the script after S seconds")


def run(args: argparse.Namespace) -> int:
    if args.timeout <= 0:
        print("show: --timeout must be a positive number of seconds", file=sys.stderr)
        return 2
    from tutor.learner.process import Limits
    from tutor.learner.walk import capture_script

    loading = None
    if not args.steps:  # Textual and the screen load on the other core while the script runs in its child
        loading = threading.Thread(target=importlib.import_module, args=("tutor.learner.show_app",), daemon=True)
        loading.start()
    shown = capture_script(args.file, args.name, limits=Limits(seconds=args.timeout))
    if args.steps:
        return print_steps(shown)
    if shown.walk is None:
        _print_output(shown)
        print(f"show: {shown.message}", file=sys.stderr)
        return 2
    if loading is not None:
        loading.join()
    from tutor.learner.show_app import ShowApp

    app = ShowApp(Path(args.file), shown)
    app.run()
    return app.return_code or 0


def _tail(text: str, what: str) -> list[str]:
    lines = text.splitlines()
    if not lines:
        return []
    kept = lines[:OUTPUT_LINES]
    more = [f"  … {len(lines) - OUTPUT_LINES:,} more lines"] if len(lines) > OUTPUT_LINES else []
    return [f"your script {what}:", *(f"  | {line}" for line in kept), *more, ""]


def _print_output(shown: Shown) -> None:
    lines = _tail(shown.child.stdout, "printed") + _tail(shown.child.stderr, "wrote to stderr")
    if lines:
        print("\n".join(lines))


def print_steps(shown: Shown) -> int:
    from tutor.learner.check_walk import WRONG, check_walk
    from tutor.learner.walk_text import walk_text
    from tutor.playground.cli import _replace_unencodable

    _replace_unencodable(sys.stdout)
    _print_output(shown)
    if shown.walk is None:
        sys.stdout.flush()
        print(f"show: {shown.message}", file=sys.stderr)
        return 2
    checks = check_walk(shown.walk)
    print(walk_text(shown.walk, checks))
    return 1 if any(c.status == WRONG for c in checks) else 0
