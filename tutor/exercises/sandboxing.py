"""The bubblewrap sandbox for exercise checks, from `tutor.learner.sandbox` when present."""

from __future__ import annotations

from pathlib import Path

__all__ = ["sandbox_argv"]


def sandbox_argv(workspace: Path) -> tuple[list[str] | None, str]:
    """(the argv prefix that runs a command in the sandbox with `workspace` writable, None) or (None, why not)."""
    try:
        from tutor.learner.sandbox import Sandbox
    except ImportError:
        return None, "the sandbox module (tutor.learner.sandbox) is not installed in this version"
    why = Sandbox.available()
    if why:
        return None, why
    return Sandbox(workspace).argv(), ""
