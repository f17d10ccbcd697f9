"""The learner's settings (for now the theme chosen in the command palette), kept beside the progress.

`settings.json` in the data folder; an unreadable file is ignored (the settings are a convenience: the
defaults are always fine) and replaced at the next change.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

__all__ = ["FILE_NAME", "remember_theme", "saved_theme"]

FILE_NAME = "settings.json"


def _read(data_dir: Path) -> dict:
    try:
        raw = json.loads((Path(data_dir) / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return {}
    return raw if isinstance(raw, dict) else {}


def saved_theme(data_dir: Path) -> str | None:
    """The theme last chosen, if any."""
    theme = _read(data_dir).get("theme")
    return theme if isinstance(theme, str) and theme else None


def remember_theme(data_dir: Path, theme: str) -> str | None:
    """Keep `theme` for the next start (written atomically); a sentence saying why not, or None."""
    path = Path(data_dir) / FILE_NAME
    settings = _read(data_dir) | {"theme": theme}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(settings, f, indent=1, sort_keys=True)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        return f"Could not remember the theme: {exc}"
    return None
