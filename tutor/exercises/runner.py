"""Run one exercise's probe in a child process, with limits: learner code never runs in the tutor.

`run_probe` starts `python -m lessons.exercises.probe CHECK FILE` with the
exercise folder as working directory, the inputs on stdin, and the result on a
private pipe. It uses `tutor.learner.process.run_child` when that module is
present (with its bubblewrap sandbox on request) and otherwise its own small
runner with the same limits: a time limit, an address-space limit, its own
process group killed as a whole.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from lessons.exercises.probe import RESULT_FD

__all__ = ["ProbeRun", "run_probe"]

ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT = 10.0
MEMORY_LIMIT = 1 << 30  # 1 GiB of address space
MAX_OUTPUT = 64_000


@dataclass(frozen=True)
class ProbeRun:
    outcome: str  # "ok" | "error" | "timeout" | "memory" | "crash" | "no-result"
    data: dict | None  # what the probe observed, when it got that far
    message: str  # for the learner, when outcome is not "ok"
    output: str = ""  # what the learner's code printed (shown apart, never judged)


def _limits() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _env(fd: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_CLASS")}
    env[RESULT_FD] = str(fd)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["OMP_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] = "1"
    return env


def run_probe(
    check: str, file: Path, inputs: dict, *, sandbox: list[str] | None = None, timeout: float = TIME_LIMIT
) -> ProbeRun:
    """Run `check`'s probe on the learner's `file` with `inputs`; `sandbox` is an argv prefix (bwrap ...)."""
    read_fd, write_fd = os.pipe()
    argv = [sys.executable, "-m", "lessons.exercises.probe", check, str(file)]
    try:
        proc = subprocess.Popen(
            [*(sandbox or []), *argv],
            cwd=file.parent,
            env=_env(write_fd),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd,),
            start_new_session=True,
            preexec_fn=_limits,
        )
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        return ProbeRun("crash", None, f"the check could not start: {exc}")
    os.close(write_fd)
    result: list[bytes] = []
    printed: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: result.append(_read_all(read_fd)), daemon=True),
        threading.Thread(target=lambda: printed.append(proc.stdout.read(MAX_OUTPUT) or b""), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        proc.stdin.write(json.dumps(inputs).encode())
        proc.stdin.close()
    except OSError:
        pass
    timed_out = False
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    _kill_group(proc)
    for reader in readers:
        reader.join(2)
    output = b"".join(printed).decode("utf-8", "replace")
    if timed_out:
        return ProbeRun("timeout", None, f"your code did not finish within {timeout:g} s (an endless loop?)", output)
    raw = b"".join(result)
    if not raw:
        how = f"it was killed by signal {-proc.returncode}" if proc.returncode < 0 else f"exit {proc.returncode}"
        return ProbeRun("no-result", None, f"your file stopped before the check could run ({how})", output)
    try:
        data = json.loads(raw)
    except ValueError:
        return ProbeRun("no-result", None, "the check's result was garbled (did your code write to it?)", output)
    if not data.get("ok"):
        error = str(data.get("error", "unknown error"))
        return ProbeRun("memory" if error.startswith("MemoryError") else "error", None, error, output)
    return ProbeRun("ok", data.get("obs"), "", output)


def _read_all(fd: int) -> bytes:
    with os.fdopen(fd, "rb") as f:
        return f.read(64 << 20)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
