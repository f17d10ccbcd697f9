"""The entry point of one student's tutor process: `python -m tutor.classroom.child ARGS`.

The SSH server starts this in a new session (`setsid`) with a fresh pseudo-terminal
on stdin/stdout/stderr. Taking that terminal as the controlling terminal is the
one thing `python -m tutor` would not do, and it matters twice: the kernel sends
SIGWINCH when the server sets the window size, and SIGHUP when the server's end
of the terminal closes, so the tutor ends even if the server itself is killed.
Everything else is `tutor.cli.main(ARGS)`, exactly as `python -m tutor ARGS`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import termios

FIRST_FRAME_FD = "TUTOR_FIRST_FRAME_FD"  # set by the zygote: the pipe it waits on before starting the next tutor


def report_first_frame() -> None:
    """Tell the zygote (if it started us) that the first screen is drawn: the next student may start."""
    fd = os.environ.pop(FIRST_FRAME_FD, None)
    if fd is None:
        return
    with contextlib.suppress(OSError, ValueError):
        os.write(int(fd), b"drawn")
        os.close(int(fd))


def main(argv: list[str] | None = None) -> int:
    with contextlib.suppress(OSError):  # not a session leader, or stdin not a terminal: run as a plain tutor
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    from tutor.cli import main as tutor_main

    return tutor_main(argv)


if __name__ == "__main__":
    sys.exit(main())
