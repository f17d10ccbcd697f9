"""What the classroom tests use to talk to the server: a terminal that reads the screen
(asyncssh's client session feeding pyte, a VT100 emulator) and process checks from /proc."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncssh
import pyte

BROWSER_TITLE = "Backprop Tutor · pick a lesson"
LESSON_TITLE = "step 1/"


class Terminal(asyncssh.SSHClientSession):
    """The client's terminal: every byte from the server goes through a VT100 emulator."""

    def __init__(self, cols: int = 80, rows: int = 24) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.chan: asyncssh.SSHClientChannel | None = None
        self.raw = bytearray()  # every byte received, escape sequences and all
        self.closed = asyncio.Event()
        self._changed = asyncio.Event()

    def connection_made(self, chan: asyncssh.SSHClientChannel) -> None:
        self.chan = chan

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self.raw += data
        self.stream.feed(data)
        self._changed.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()
        self._changed.set()

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def type(self, keys: bytes | str) -> None:
        assert self.chan is not None
        self.chan.write(keys.encode() if isinstance(keys, str) else keys)

    def resize(self, cols: int, rows: int) -> None:
        assert self.chan is not None
        self.screen.resize(rows, cols)
        self.chan.change_terminal_size(cols, rows)

    async def wait_for(self, predicate: str | Callable[[str], bool], timeout: float = 20.0) -> str:
        """Wait until the screen shows `predicate` (a text, or a test of the whole screen)."""
        test = (lambda screen: predicate in screen) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        while not test(self.text()):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self.closed.is_set() and not test(self.text())):
                raise AssertionError(f"screen never matched {predicate!r}; it shows:\n{self.text()}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))
        return self.text()

    async def wait_closed(self, timeout: float = 10.0) -> int | None:
        await asyncio.wait_for(self.closed.wait(), timeout)
        assert self.chan is not None
        return self.chan.get_exit_status()


async def wait_for_file(path: Path, test: Callable[[str], bool], timeout: float = 10.0) -> str:
    """Wait until the file at `path` exists and its text passes `test` (inotify through watchfiles)."""
    from watchfiles import awatch

    def ready() -> str | None:
        with contextlib.suppress(OSError, ValueError):
            text = path.read_text()
            if test(text):
                return text
        return None

    async def watch() -> str:
        path.parent.mkdir(parents=True, exist_ok=True)
        # yield_on_timeout: a look every second as a safety net, should an event come before the watch began
        async for _ in awatch(path.parent, rust_timeout=1000, yield_on_timeout=True, debounce=50):
            if (text := ready()) is not None:
                return text
        raise AssertionError(f"{path} never matched")

    return ready() or await asyncio.wait_for(watch(), timeout)


async def wait_gone(pid: int, timeout: float = 10.0) -> None:
    """Wait until process `pid` (any process, not only a child) has exited: a pidfd becomes readable then."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    gone = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(fd, gone.set)
    try:
        await asyncio.wait_for(gone.wait(), timeout)
    finally:
        loop.remove_reader(fd)
        os.close(fd)


def process_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _process_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of /proc/PID/stat after the command name: state, ppid, pgid, ...) of every process."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                yield int(entry), Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue


def group_members(pgid: int) -> list[int]:
    """Live processes in process group `pgid`."""
    return [pid for pid, fields in _process_stats() if int(fields[2]) == pgid and fields[0] != "Z"]


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    return [child for child, fields in _process_stats() if int(fields[1]) == pid]
