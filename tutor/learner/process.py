"""Run learner code in a child process, never in the tutor's own: time, memory, process and output limits.

    result = run_child("tutor.learner.capture_child", ["loss.py"], cwd=folder)
    result.outcome   # "ok" | "error" | "timeout" | "memory" | "crash" | "no-result"

The child is `python -P -m MODULE ARGS` (a module of ours that calls
`tutor.learner.channel.serve`). It reports on a private pipe, not on stdout,
so printing "passed" or ending the process early cannot fake a result. It
runs in a new session with rlimits set before exec (address space,
processes, no core files), dies with its parent (PR_SET_PDEATHSIG), and
joins its own pids cgroup where one can be made (see `pids_limit`). When it
ends or times out, its whole process group and cgroup are killed, so
nothing it started is left running.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import secrets
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tutor.learner.channel import FD_VARIABLE, ROOTS_VARIABLE, TOKEN_VARIABLE
from tutor.learner.pids_limit import PidsGroup
from tutor.learner.sandbox import Sandbox

__all__ = ["ChildResult", "Limits", "run_child"]

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Limits:
    seconds: float = 10.0  # wall-clock timeout
    memory_bytes: int = 1 << 30  # RLIMIT_AS
    max_processes: int = 64  # RLIMIT_NPROC, and pids.max of the run's cgroup where there is one
    output_bytes: int = 1 << 20  # stdout/stderr kept at most this many bytes each (the rest dropped, noted)


@dataclass(frozen=True)
class ChildResult:
    outcome: str  # "ok" | "error" | "timeout" | "memory" | "crash" | "no-result"
    result: object | None  # what the child reported on its private channel ("ok" only), or None
    stdout: str
    stderr: str
    message: str  # one paragraph for the learner; "" when all went well
    returncode: int | None = field(default=None)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n} bytes"


class _Stream:
    """One output pipe, keeping at most `limit` bytes and counting the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = self.limit - len(self.kept)
        if room > 0:
            self.kept += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        out = self.kept.decode("utf-8", errors="replace")
        if self.dropped:
            out += f"\n[… {self.dropped:,} more bytes of output were dropped]\n"
        return out


def _tasks_of(uid: int) -> int:
    """How many processes and threads `uid` runs now: RLIMIT_NPROC counts them all, not only the child's."""
    count = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid == uid:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    count += int(stat.read().rsplit(b")", 1)[1].split()[17])  # num_threads
        except (OSError, ValueError, IndexError):
            continue
    return count


def _preexec(limits: Limits, group: PidsGroup | None):
    # RLIMIT_NPROC is per user: allow what the user already runs plus the child's share. (Root is exempt
    # from it; the pids cgroup, where there is one, is the exact limit.)
    nproc = limits.max_processes + (_tasks_of(os.getuid()) if os.getuid() != 0 else 0)

    def setup() -> None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if group is not None:
            group.join()
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))

    return setup


def run_child(
    module: str,
    args: Sequence[str],
    *,
    cwd: Path,
    limits: Limits = Limits(),
    sandbox: Sandbox | None = None,
    writable: Sequence[Path] = (),
    learner_roots: Sequence[Path] = (),
) -> ChildResult:
    """Run `python -P -m module args` in `cwd` under `limits` (and `sandbox`), and say how it went.

    `learner_roots`: folders whose files are the learner's, for trimming tracebacks (default: `cwd`).
    """
    cwd = Path(cwd).resolve()
    command = [sys.executable, "-P", "-m", module, *args]
    if sandbox is not None:
        command = sandbox.argv(command, writable)
    read_fd, write_fd = os.pipe()
    env = dict(os.environ)
    env[FD_VARIABLE] = str(write_fd)
    token = secrets.token_hex(16)
    env[TOKEN_VARIABLE] = token
    env[ROOTS_VARIABLE] = os.pathsep.join(str(Path(r).resolve()) for r in (learner_roots or [cwd]))
    group = PidsGroup.create(limits.max_processes)
    try:
        try:
            proc = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(write_fd,),
                start_new_session=True,
                preexec_fn=_preexec(limits, group),
            )
        finally:
            os.close(write_fd)
        return _collect(proc, read_fd, limits, group, token)
    finally:
        with contextlib.suppress(OSError):
            os.close(read_fd)
        if group is not None:
            group.remove()


def _kill_everything(proc: subprocess.Popen, group: PidsGroup | None) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if group is not None:
        group.kill_all()


def _collect(proc: subprocess.Popen, read_fd: int, limits: Limits, group: PidsGroup | None, token: str) -> ChildResult:
    out, err = _Stream(limits.output_bytes), _Stream(limits.output_bytes)
    channel = bytearray()
    assert proc.stdout is not None and proc.stderr is not None
    pidfd = os.pidfd_open(proc.pid)
    sel = selectors.DefaultSelector()
    sinks = {proc.stdout.fileno(): out.add, proc.stderr.fileno(): err.add, read_fd: channel.extend}
    for fd in sinks:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    sel.register(pidfd, selectors.EVENT_READ)
    deadline = time.monotonic() + limits.seconds
    timed_out = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = proc.poll() is None
                break
            events = sel.select(remaining)
            exited = False
            for key, _ in events:
                if key.fd == pidfd:
                    exited = True
                    continue
                _drain(key.fd, sinks[key.fd], sel)
            if exited:
                break
        _kill_everything(proc, group)  # the child is done (or out of time): take everything it started with it
        proc.wait()
        # every writer is dead now, so the pipes reach end-of-file
        for fd, sink in sinks.items():
            with contextlib.suppress(KeyError):
                sel.get_key(fd)
                os.set_blocking(fd, True)
                _drain(fd, sink, sel, until_eof=True)
    finally:
        sel.close()
        os.close(pidfd)
        proc.stdout.close()
        proc.stderr.close()
    return _verdict(proc.returncode, timed_out, bytes(channel), out.text(), err.text(), limits, token)


def _drain(fd: int, sink, sel: selectors.BaseSelector, until_eof: bool = False) -> None:
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        if not chunk:
            sel.unregister(fd)
            return
        sink(chunk)
        if not until_eof:
            return


def _verdict(
    returncode: int | None, timed_out: bool, channel: bytes, stdout: str, stderr: str, limits: Limits, token: str
) -> ChildResult:
    def result(outcome: str, message: str, value: object | None = None) -> ChildResult:
        return ChildResult(outcome, value, stdout, stderr, message, returncode)

    if timed_out:
        return result(
            "timeout",
            f"Your code took longer than {limits.seconds:g} s and was stopped. "
            "Look for a loop that never ends, or make the work smaller.",
        )
    report = None
    if channel:
        try:
            report = json.loads(channel)
        except ValueError:
            report = None
    if not isinstance(report, dict) or report.get("token") != token:
        report = None  # garbled, or not written by the channel
    if isinstance(report, dict) and report.get("kind") == "ok":
        return result("ok", "", report.get("result"))
    kind = report.get("kind") if isinstance(report, dict) else None
    if kind == "memory" or (kind is None and "MemoryError" in stderr[-2000:]):
        return result(
            "memory",
            f"Your code used more than {_size(limits.memory_bytes)} of memory and was stopped (MemoryError). "
            "Look for a list or array that grows without end, or one far larger than needed.",
        )
    if kind == "error":
        return result("error", str(report.get("message", "")).rstrip())  # type: ignore[union-attr]
    if returncode is not None and returncode < 0:
        name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
        return result(
            "crash",
            f"Your code's process died from signal {name} before it could report a result"
            + (" (it may have run out of memory)." if name == "SIGKILL" else "."),
        )
    return result(
        "no-result",
        f"Your code ended the process (exit status {returncode}) before the check could report a result: "
        "look for sys.exit(), os._exit() or exit() at the top level of your file, which stop everything "
        "as soon as the file is loaded.",
    )
