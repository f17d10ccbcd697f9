"""The child's side of the private result channel.

`run_child` opens a pipe and passes its write end to the child, naming the
descriptor in the environment variable `TUTOR_RESULT_FD`. A child module
calls `serve(main)`: it takes the descriptor (and removes the variable),
runs `main(argv)` and writes one JSON message on the pipe:

    {"kind": "ok", "result": ...}              main returned
    {"kind": "error", "message": "..."}        main raised (message: the learner's traceback, trimmed)
    {"kind": "memory", "message": "..."}       MemoryError

Nothing is written when the code ends the process itself (`sys.exit`,
`os._exit`): the parent then reports "no-result". What the code prints goes
to stdout/stderr, which the parent keeps apart, so printing "passed" proves
nothing. Each message also carries a one-time token from the parent (taken
out of the environment before any learner code runs), so JSON written on
some descriptor by the learner's code is not taken for a result. Code in
the same process could still dig the token out of memory: verdicts that
matter are decided in the parent, from the numbers the child reports.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from tutor.learner.tracebacks import learner_traceback

FD_VARIABLE = "TUTOR_RESULT_FD"
TOKEN_VARIABLE = "TUTOR_RESULT_TOKEN"
ROOTS_VARIABLE = "TUTOR_LEARNER_ROOTS"  # os.pathsep-separated folders whose files are "the learner's"


class ChannelMissing(RuntimeError):
    """The module was started by hand, not through `run_child`."""


def _take_fd() -> tuple[int, str]:
    value = os.environ.pop(FD_VARIABLE, None)
    token = os.environ.pop(TOKEN_VARIABLE, "")
    if value is None or not value.isdigit():
        raise ChannelMissing(f"{FD_VARIABLE} is not set: start this module through tutor.learner.process.run_child")
    fd = int(value)
    os.set_inheritable(fd, False)
    return fd, token


def learner_roots() -> list[Path]:
    """The folders holding the learner's files (for trimming tracebacks); the working directory by default."""
    raw = os.environ.get(ROOTS_VARIABLE, "")
    roots = [Path(p) for p in raw.split(os.pathsep) if p]
    return roots or [Path.cwd()]


def _write(fd: int, message: dict) -> None:
    data = json.dumps(message, allow_nan=True).encode()
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.close(fd)


def serve(main: Callable[[list[str]], object], argv: list[str] | None = None) -> None:
    """Run `main(argv)` and report its result (JSON-serialisable) or its failure on the private channel."""
    fd, token = _take_fd()
    args = sys.argv[1:] if argv is None else argv
    try:
        result = main(args)
    except SystemExit:
        os.close(fd)  # the learner's code ended the run: no result
        raise
    except MemoryError:
        _write(fd, {"kind": "memory", "message": "MemoryError", "token": token})
        return
    except BaseException as exc:
        _write(fd, {"kind": "error", "message": learner_traceback(exc, learner_roots()), "token": token})
        return
    finally:
        # The exit's own garbage collection would walk every object the script made: a micrograd graph holds
        # a closure cycle per node, and for 100,000 nodes that was a second before the parent saw the child
        # end. Frozen objects are left out of it; the learner's atexit handlers and files still run and close.
        gc.freeze()
    _write(fd, {"kind": "ok", "result": result, "token": token})
