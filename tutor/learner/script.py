"""Run a learner's script in this (child) process as `python FILE` would, keeping its globals."""

from __future__ import annotations

import gc
import sys
from pathlib import Path


def run_script(path: Path, argv: list[str] | None = None) -> dict[str, object]:
    """Execute `path` as `__main__` and return its globals.

    Like `runpy.run_path`, but the globals dict is ours, so what the script
    built before an exception is still there. The script's folder goes first
    on `sys.path`, so `from engine import Value` finds the learner's own module.
    """
    path = Path(path).resolve()
    source = path.read_bytes()
    code = compile(source, str(path), "exec", dont_inherit=True)
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.argv = [str(path), *(argv or [])]
    # Collect garbage less often than Python's default (700 new objects): a micrograd-style graph holds a
    # closure cycle per node, and the default makes a 100,000-node graph take seconds longer to build.
    gc.set_threshold(100_000, 20, 20)
    scope: dict[str, object] = {"__name__": "__main__", "__file__": str(path), "__builtins__": __builtins__}
    main_module = sys.modules["__main__"]
    try:
        exec(code, scope)  # the learner's own script, in the child process that exists to run it
    finally:
        sys.modules["__main__"] = main_module
    return scope
