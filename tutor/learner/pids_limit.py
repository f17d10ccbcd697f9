"""A pids cgroup for one child run: at most N processes, and a way to kill every one of them.

RLIMIT_NPROC does not bind root (the kernel exempts uid 0), so when the tutor
runs as root a fork loop would only be stopped by the timeout. Where a pids
cgroup can be created (cgroup v1 `pids` hierarchy or a cgroup v2 tree with
the `pids` controller enabled), the child joins its own group with
`pids.max` set, and the group's member list lets the parent kill even
processes that left the child's process group. Where it cannot, `create`
returns None and the rlimit and process-group kill are what remain.
"""

from __future__ import annotations

import contextlib
import os
import signal
import uuid
from pathlib import Path


def _pids_root() -> Path | None:
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    for line in mounts:
        parts = line.split()
        if len(parts) < 4:
            continue
        mount_point, fstype, options = parts[1], parts[2], parts[3].split(",")
        if fstype == "cgroup" and "pids" in options:
            return Path(mount_point)
        if fstype == "cgroup2":
            controllers = Path(mount_point, "cgroup.subtree_control")
            with contextlib.suppress(OSError):
                if "pids" in controllers.read_text().split():
                    return Path(mount_point)
    return None


class PidsGroup:
    """One cgroup directory; `join()` is called in the child before exec."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._procs = str(path / "cgroup.procs")

    @classmethod
    def create(cls, max_processes: int) -> PidsGroup | None:
        root = _pids_root()
        if root is None:
            return None
        path = root / f"tutor-learner-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(max_processes))
        except OSError:
            with contextlib.suppress(OSError):
                path.rmdir()
            return None
        return cls(path)

    def join(self) -> None:
        """Move the calling process into the group (safe to call between fork and exec)."""
        fd = os.open(self._procs, os.O_WRONLY)
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)

    def members(self) -> list[int]:
        try:
            return [int(p) for p in Path(self._procs).read_text().split()]
        except OSError:
            return []

    def kill_all(self) -> None:
        """SIGKILL every member until none is left (a fork loop cannot outrun it: pids.max caps it)."""
        for _ in range(1000):
            pids = self.members()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            os.sched_yield()

    def remove(self) -> None:
        self.kill_all()
        for _ in range(1000):  # the last member may take a moment to be reaped
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                os.sched_yield()
