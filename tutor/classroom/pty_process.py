"""One child process on its own pseudo-terminal, driven from asyncio.

The server holds the PTY's master end; the child gets the slave end as its stdin,
stdout and stderr, in a new session and process group. Output is handed to a
callback as it arrives (reading pauses while the consumer is full), input is
written without ever blocking the event loop into a bounded buffer (`write()`
says when it is full, and `on_input_drained` when the child has caught up, so
the producer can pause), and `terminate()` ends the whole process group and
reaps it, so no session leaves a process behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import signal
import struct
import termios
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Protocol

__all__ = ["INPUT_LIMIT", "RESET_TERMINAL", "Child", "PtyProcess", "set_window_size"]

INPUT_LIMIT = 64 * 1024  # bytes of input held for a child that is slow to read: far more than anyone types

# What a full-screen app turns on and a killed one leaves on: the alternate screen,
# mouse reporting, bracketed paste, focus events, the kitty keyboard protocol, a hidden cursor.
RESET_TERMINAL = (
    b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?1004l\x1b[?2004l"
    b"\x1b[<u\x1b[0m\x1b[?25h\x1b[?1049l\r\n"
)


class Child(Protocol):
    """A started process, as `PtyProcess` needs it: an asyncio subprocess, or a child of the zygote."""

    pid: int

    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...


def set_window_size(fd: int, cols: int, rows: int) -> None:
    """Set a terminal's size in character cells (TIOCSWINSZ)."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class PtyProcess:
    """A process on a new pseudo-terminal; start it with `await start()`."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: str | os.PathLike[str] | None = None,
        size: tuple[int, int] = (80, 24),
        on_output: Callable[[bytes], object],
        on_exit: Callable[[int], object],
        on_input_drained: Callable[[], object] | None = None,
        spawn: Callable[[int], Awaitable[Child]] | None = None,
    ) -> None:
        """`spawn(slave_fd)` starts the child on the terminal (in a new session); by default `argv` is run."""
        self.argv = list(argv)
        self.env = dict(env)
        self.cwd = cwd
        self.size = size
        self._on_output = on_output
        self._on_exit = on_exit
        self._on_input_drained = on_input_drained
        self._spawn = spawn or self._exec
        self._loop = asyncio.get_running_loop()
        self._master = -1
        self._proc: Child | None = None
        self._pending = bytearray()  # input the PTY could not take yet, at most INPUT_LIMIT (+ one write)
        self._input_full = False
        self.input_peak = 0  # the most input ever held at once, in bytes
        self._reading = False
        self._paused = False
        self._output_closed = asyncio.Event()
        self._exited = asyncio.Event()
        self._waiter: asyncio.Task[None] | None = None
        self.returncode: int | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    async def start(self) -> None:
        master, slave = os.openpty()
        try:
            set_window_size(slave, *self.size)
            os.set_blocking(master, False)
            self._proc = await self._spawn(slave)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)  # only the child holds it now, so its exit reads as EIO on the master
        self._master = master
        self._start_reading()
        self._waiter = self._loop.create_task(self._wait())  # kept: the loop holds tasks only weakly

    async def _exec(self, slave: int) -> Child:
        return await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,  # its own session and process group: killpg reaches all of it
        )

    # -- output --

    def _start_reading(self) -> None:
        if not self._reading and self._master >= 0 and not self._output_closed.is_set():
            self._loop.add_reader(self._master, self._read)
            self._reading = True

    def _stop_reading(self) -> None:
        if self._reading:
            self._loop.remove_reader(self._master)
            self._reading = False

    def pause_reading(self) -> None:
        """Stop reading output (the consumer is full); the child blocks once the PTY buffer fills."""
        self._paused = True
        self._stop_reading()

    def resume_reading(self) -> None:
        self._paused = False
        self._start_reading()

    def _read(self) -> None:
        try:
            data = os.read(self._master, 65536)
        except BlockingIOError:
            return
        except OSError as exc:  # EIO: every process holding the slave end has closed it
            if exc.errno != errno.EIO:
                raise
            data = b""
        if data:
            self._on_output(data)
        else:
            self._stop_reading()
            self._output_closed.set()

    async def _wait(self) -> None:
        assert self._proc is not None
        returncode = await self._proc.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, signal.SIGKILL)  # anything the child left behind in its group
        # What the child wrote just before it exited is still in the PTY: hand it on.
        with contextlib.suppress(asyncio.TimeoutError):
            self._start_reading()
            await asyncio.wait_for(self._output_closed.wait(), 0.5)
        self._stop_reading()
        self._loop.remove_writer(self._master)
        os.close(self._master)
        self._master = -1
        self.returncode = returncode
        self._exited.set()
        self._on_exit(returncode)

    # -- input --

    def write(self, data: bytes) -> bool:
        """Send input to the child (what the user typed); never blocks.

        False when the buffer is full: the caller should stop sending until
        `on_input_drained` is called.
        """
        if self._master < 0 or not self.running:
            return True
        had_pending = bool(self._pending)
        self._pending += data
        if not had_pending:
            self._flush()
        self.input_peak = max(self.input_peak, len(self._pending))
        if len(self._pending) >= INPUT_LIMIT:
            self._input_full = True
        return not self._input_full

    def _flush(self) -> None:
        if self._master < 0:
            self._pending.clear()
            return
        try:
            written = os.write(self._master, self._pending)
        except BlockingIOError:
            written = 0
        except OSError:  # the child is gone
            self._pending.clear()
            written = 0
        del self._pending[:written]
        if self._pending:
            self._loop.add_writer(self._master, self._flush)
        else:
            self._loop.remove_writer(self._master)
        if self._input_full and len(self._pending) < INPUT_LIMIT // 2:
            self._input_full = False
            if self._on_input_drained is not None:
                self._on_input_drained()

    def resize(self, cols: int, rows: int) -> None:
        """Set the PTY's size and tell the child (SIGWINCH) to redraw."""
        self.size = (cols, rows)
        if self._master < 0 or not self.running:
            return
        set_window_size(self._master, cols, rows)  # the kernel signals the foreground group...
        self.signal(signal.SIGWINCH)  # ...when the child took the PTY as its terminal; this covers when not

    # -- ending --

    def signal(self, sig: int) -> None:
        """Send a signal to the child's whole process group (if it is still running)."""
        if self.running and self._proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, sig)

    async def wait(self) -> int:
        await self._exited.wait()
        assert self.returncode is not None
        return self.returncode

    async def terminate(self, *, grace: float = 2.0, polite_keys: bytes = b"") -> bool:
        """End the child and reap it; True if it ended by itself or on `polite_keys`.

        `polite_keys` (e.g. the app's quit key) are typed first, and the child gets
        `grace` seconds to exit cleanly, restoring the terminal as it goes. Then the
        process group gets SIGHUP, and a second later SIGKILL.
        """
        if self._proc is None:
            return True
        if polite_keys and self.running:
            self.write(polite_keys)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.wait()), grace)
        if self._exited.is_set():
            return True
        for sig, patience in ((signal.SIGHUP, 1.0), (signal.SIGKILL, 5.0)):
            self.signal(sig)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.wait()), patience)
                return False
        return False
