"""The child side of a check: `python -m lessons.exercises.probe NAME FILE`.

Reads the inputs the checker chose (JSON on stdin), imports the learner's file,
calls the exercise's `probe` and writes what it observed as JSON to the file
descriptor named in $EXERCISE_RESULT_FD (a private pipe, never stdout: what the
learner prints cannot pass for a result). Nothing here decides pass or fail.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path

RESULT_FD = "EXERCISE_RESULT_FD"


def _learner_frames(exc: BaseException, path: Path) -> str:
    """The learner's traceback, trimmed to frames in their own file."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path.resolve()]
    where = f"{path.name}, line {frames[-1].lineno}: {frames[-1].line}" if frames else path.name
    if isinstance(exc, SyntaxError) and exc.lineno:
        where = f"{path.name}, line {exc.lineno}: {(exc.text or '').strip()}"
    return f"{type(exc).__name__}: {exc} ({where})"


def _import_learner(path: Path):
    spec = importlib.util.spec_from_file_location("learner_exercise", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["learner_exercise"] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    name, file = argv[0], Path(argv[1])
    out = os.fdopen(int(os.environ[RESULT_FD]), "w", encoding="utf-8")
    inputs = json.loads(sys.stdin.read())
    checks = importlib.import_module(f"lessons.exercises.checks.{name}")
    sys.path.insert(0, str(file.parent))
    try:
        learner = _import_learner(file)
        observed = {"ok": True, "obs": checks.probe(learner, inputs)}
    except BaseException as exc:  # the learner's error, reported to the parent in their words
        observed = {"ok": False, "error": _learner_frames(exc, file)}
    try:
        text = json.dumps(observed, allow_nan=True, default=_jsonable)
    except (TypeError, ValueError) as exc:
        text = json.dumps({"ok": False, "error": f"the result could not be read back: {exc}"})
    out.write(text)
    out.close()
    return 0


def _jsonable(value):
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    return repr(value)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
