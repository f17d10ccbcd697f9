"""A traceback trimmed to the learner's own frames: their file and line, never the tutor's insides."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from pathlib import Path


def _inside(filename: str, roots: Iterable[Path]) -> bool:
    try:
        path = Path(filename).resolve()
    except (OSError, ValueError):
        return False
    for root in roots:
        root = root.resolve()
        if path == root or root in path.parents:
            return True
    return False


def learner_traceback(exc: BaseException, roots: Iterable[Path]) -> str:
    """`exc` as Python prints it, keeping only frames in files under `roots`.

    A SyntaxError keeps its file, line and caret, which already point at the learner's line.
    """
    roots = list(roots)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _inside(f.filename, roots)]
    head = "Traceback (most recent call last):\n" if frames else ""
    body = "".join(traceback.format_list(frames))
    tail = "".join(traceback.format_exception_only(type(exc), exc))
    return head + body + tail
