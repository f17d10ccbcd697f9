"""`python -m tutor.exercises.probe_child CHECK FILE INPUTS_JSON`: the child side of an exercise check.

Started through `tutor.learner.process.run_child` (limits, private result
channel, optional sandbox). It imports the learner's file, calls the
exercise's `probe` (in `lessons.exercises.checks`) on the inputs the checker
chose, and reports what it observed; a Value graph the probe hands back under
"graph" is captured and its backward stepped by `tutor.learner.capture`.
Nothing here decides pass or fail.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path

from tutor.learner.capture import CaptureProblem, capture_graph
from tutor.learner.channel import serve


def _import_learner(path: Path):
    spec = importlib.util.spec_from_file_location("learner_exercise", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["learner_exercise"] = module
    spec.loader.exec_module(module)
    return module


def _plain(value):
    """JSON-able: arrays as lists, numbers as floats, anything else as its repr."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return _plain(tolist())
    try:
        return float(value)
    except (TypeError, ValueError):
        return repr(value)


def main(argv: list[str]) -> dict:
    check, path, inputs = argv[0], Path(argv[1]), json.loads(argv[2])
    checks = importlib.import_module(f"lessons.exercises.checks.{check}")
    sys.path.insert(0, str(path.parent))
    learner = _import_learner(path)
    observed = checks.probe(learner, inputs)
    graph = observed.pop("graph", None) if isinstance(observed, dict) else None
    result = {"obs": _plain(observed)}
    if graph is not None:
        try:
            result["walk"] = capture_graph(graph, "the checked expression")
        except CaptureProblem as exc:
            result["walk_problem"] = str(exc)
        except Exception as exc:  # a learner's Value the capture cannot read: the numbers still count
            result["walk_problem"] = f"{type(exc).__name__}: {exc}"
    return result


if __name__ == "__main__":
    serve(main)
