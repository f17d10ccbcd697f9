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
import sys
import termios


def main(argv: list[str] | None = None) -> int:
    with contextlib.suppress(OSError):  # not a session leader, or stdin not a terminal: run as a plain tutor
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    from tutor.cli import main as tutor_main

    return tutor_main(argv)


if __name__ == "__main__":
    sys.exit(main())
