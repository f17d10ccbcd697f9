"""The learner's exercise folder: lay the files out without ever overwriting what they edited.

`.exercises.json` in the folder keeps the hash of every file as it was laid
out: a file whose text still has that hash is the tutor's and may be updated;
any other is the learner's and is kept.
"""

from __future__ import annotations

import json
from pathlib import Path

from lessons.exercises import EXERCISES, Exercise, digest

__all__ = ["DEFAULT_DIR", "MANIFEST", "lay_out", "status"]

DEFAULT_DIR = Path("backprop-exercises")
MANIFEST = ".exercises.json"


def _manifest(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def lay_out(folder: Path, *, solved: bool = False, force: tuple[str, ...] = ()) -> list[str]:
    """Write every exercise's file (or solution) into `folder`; returns one line per file, what happened."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = _manifest(folder)
    lines = []
    for exercise in EXERCISES:
        path = folder / exercise.file_name
        text = exercise.solution if solved else exercise.template
        if path.exists():
            current = path.read_text(encoding="utf-8", errors="replace")
            if current == text:
                manifest[exercise.name] = digest(text)
                lines.append(f"  unchanged {exercise.file_name}")
                continue
            if exercise.name not in force and manifest.get(exercise.name) != digest(current):
                lines.append(f"  kept      {exercise.file_name} (you edited it; `--force {exercise.name}` resets it)")
                continue
        path.write_text(text, encoding="utf-8")
        manifest[exercise.name] = digest(text)
        lines.append(f"  wrote     {exercise.file_name}")
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return lines


def status(exercise: Exercise, folder: Path) -> str:
    """ "not started" while the file is as laid out (or missing), else "edited"."""
    path = folder / exercise.file_name
    if not path.exists():
        return "not started"
    text = path.read_text(encoding="utf-8", errors="replace")
    return "not started" if text == exercise.template else "edited"
