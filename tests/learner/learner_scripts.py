"""Helpers for the learner-code tests: write a script, run it through `run_child`, find leftover processes."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from tutor.learner.process import ChildResult, Limits, run_child
from tutor.learner.sandbox import Sandbox


def write(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(source).lstrip("\n"))
    return path


def run_script(path: Path, limits: Limits = Limits(), sandbox: Sandbox | None = None) -> ChildResult:  # noqa: B008
    return run_child("tutor.learner.script_child", [str(path)], cwd=path.parent, limits=limits, sandbox=sandbox)


def processes_mentioning(marker: str) -> list[int]:
    """Live (not zombie) processes whose command line contains `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(int(entry.name))
    return found
