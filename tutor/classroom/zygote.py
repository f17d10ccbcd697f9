"""A pre-started tutor that forks one child per session: quick starts for a whole class at once.

Starting `python -m tutor` costs a lone session ~0.3 s of CPU, mostly importing
Textual, the engine and the lessons; forty students arriving in the same second
on two cores wait ~8 s. The zygote pays that once: a process that has imported
all of it and then only forks. Each child sets up its own terminal, environment
and folder and runs the tutor; the pages it imported are shared with the zygote
and with every other child until written to (gc.freeze keeps Python's
bookkeeping from writing to them), so a session costs a fraction of the memory.

    zygote = await Zygote.start()               # in the server, once (or Zygote.launch(), blocking)
    child = await zygote.spawn(argv, env=..., cwd=..., fds=(pty, pty, pty))
    child.pid; await child.wait()               # like an asyncio subprocess
    await zygote.close()

Forty children drawing their first screen at once would share the CPU fairly and all
finish late, so the zygote forks each at once but lets at most one per CPU start at a
time, first come first served: a child waits for its "go" and, once the app has drawn
its first frame, says so on a pipe it inherited (`TUTOR_FIRST_FRAME_FD`, see
`tutor.classroom.child.report_first_frame`). A child that exits frees its place too,
and one that hangs holds it for 30 s at most.

No process is left behind: the zygote dies with the server (PR_SET_PDEATHSIG) or
when its socket closes, each child gets SIGHUP when the zygote dies, and the
zygote, their parent, reaps them and reports every exit over the socket. A child
is the leader of its own session and process group, so `os.killpg(child.pid, …)`
ends it and whatever it started.

The protocol, over a Unix SOCK_SEQPACKET pair: the server sends one JSON request
per spawn with the child's stdin, stdout and stderr as SCM_RIGHTS; the zygote
answers `{"pid": N}` (or `{"error": "..."}`) in order, and `{"exit": N, "status": S}`
whenever a child ends (S as `returncode`: negative for a signal).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from functools import partial, wraps
from pathlib import Path

from tutor.classroom.child import FIRST_FRAME_FD

__all__ = ["Zygote", "ZygoteChild", "ZygoteProcess", "clean_environment", "set_parent_death_signal"]

PR_SET_PDEATHSIG = 1
PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds the `tutor` package
_READY = b"ready"


def set_parent_death_signal(sig: int) -> None:
    """Have the kernel send `sig` to this process when its parent dies (Linux prctl)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


# -- the server's side --


def clean_environment(home: str | os.PathLike[str]) -> dict[str, str]:
    """What the zygote itself runs with: nothing of the server's (a password, say); each child gets its own."""
    pythonpath = [str(PROJECT_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": os.fspath(home),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONPATH": os.pathsep.join(dict.fromkeys(pythonpath)),
    }


class ZygoteChild:
    """One forked tutor, as the server sees it: a pid, and its exit status once the zygote reports it."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._exited = asyncio.Event()

    async def wait(self) -> int:
        await self._exited.wait()
        assert self.returncode is not None
        return self.returncode

    def _set_exit(self, status: int) -> None:
        self.returncode = status
        self._exited.set()


def _end_unwanted(reply: asyncio.Future[ZygoteChild | str]) -> None:
    """A child forked for a caller that has gone: end it (the zygote reaps it)."""
    child = None if reply.cancelled() or reply.exception() else reply.result()
    if isinstance(child, ZygoteChild):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGHUP)


class ZygoteProcess:
    """A forked tutor with pipes, standing in for `asyncio.subprocess.Process` (textual-serve's tabs)."""

    def __init__(
        self,
        child: ZygoteChild,
        stdin: asyncio.StreamWriter,
        stdout: asyncio.StreamReader,
        stderr: asyncio.StreamReader,
    ) -> None:
        self._child = child
        self.pid = child.pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr

    @property
    def returncode(self) -> int | None:
        return self._child.returncode

    async def wait(self) -> int:
        return await self._child.wait()

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Zygote:
    """The server's handle on the zygote process: `await Zygote.start()` (or `Zygote.launch()` outside a loop)."""

    def __init__(self, process: subprocess.Popen, sock: socket.socket) -> None:
        self.process = process
        self._sock = sock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._children: dict[int, ZygoteChild] = {}
        self.alive = True

    @classmethod
    def launch(cls, python: str = sys.executable, env: Mapping[str, str] | None = None) -> Zygote:
        """Start the zygote and wait until it has imported everything (a second or two); blocks."""
        process, ours = cls._fork(python, env)
        ready = b""
        try:
            ours.settimeout(60)
            ready = ours.recv(65536)
        finally:
            cls._check_ready(process, ours, ready)
        return cls(process, ours)

    @classmethod
    async def start(cls, python: str = sys.executable, env: Mapping[str, str] | None = None) -> Zygote:
        """Start the zygote and wait, without blocking the event loop, until it is ready."""
        process, ours = cls._fork(python, env)  # from this thread: the zygote dies when it does (PDEATHSIG)
        ready = b""
        try:
            ours.setblocking(False)
            ready = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(ours, 65536), 60)
        finally:
            cls._check_ready(process, ours, ready)
        return cls(process, ours)

    @staticmethod
    def _fork(python: str, env: Mapping[str, str] | None) -> tuple[subprocess.Popen, socket.socket]:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            process = subprocess.Popen(
                [python, "-m", "tutor.classroom.zygote", str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env=dict(env) if env is not None else None,
                start_new_session=True,  # Ctrl+C in the teacher's terminal reaches the server, which ends it
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        return process, ours

    @staticmethod
    def _check_ready(process: subprocess.Popen, sock: socket.socket, ready: bytes) -> None:
        """Raise (and leave nothing running) unless the zygote said it is ready."""
        if ready == _READY:
            sock.setblocking(False)
            return
        sock.close()
        process.kill()
        process.wait()
        raise RuntimeError("the zygote did not start (see the server's log)")

    def _attach(self) -> None:
        """Listen to the zygote from the running event loop (a zygote can outlive one loop: tests share one)."""
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._sock.fileno())
        self._loop = loop
        self._replies: asyncio.Queue[ZygoteChild | str] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._children.clear()  # those of an earlier loop were all reaped with their server
        loop.add_reader(self._sock.fileno(), self._read)

    async def spawn(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: str | os.PathLike[str] | None,
        fds: tuple[int, int, int],
        controlling_terminal: bool = True,
    ) -> ZygoteChild:
        """Fork a tutor running `tutor.cli.main(argv)` with `fds` as stdin, stdout and stderr."""
        if not self.alive:
            raise OSError("the zygote has stopped")
        self._attach()
        request = json.dumps(
            {
                "argv": list(argv),
                "env": dict(env),
                "cwd": None if cwd is None else os.fspath(cwd),
                "ctty": controlling_terminal,
            }
        ).encode()
        async with self._lock:  # replies come in the order of the requests
            await self._send(request, list(fds))
            pending = asyncio.ensure_future(self._replies.get())  # first in line for the next reply
            try:
                reply = await asyncio.shield(pending)
            except asyncio.CancelledError:  # the caller gave up: the reply is still taken, its child ended
                pending.add_done_callback(_end_unwanted)
                raise
        if isinstance(reply, str):
            raise OSError(reply)
        return reply

    async def spawn_process(
        self, argv: Sequence[str], *, env: Mapping[str, str], cwd: str | os.PathLike[str] | None = None
    ) -> ZygoteProcess:
        """Fork `python -m tutor ARGS` (given as the whole `argv`) with pipes, like `create_subprocess_exec`.

        For textual-serve, which talks to each tab's tutor over its stdin and stdout.
        """
        if list(argv[1:3]) != ["-m", "tutor"]:
            raise ValueError(f"the zygote runs `python -m tutor ...`, not {list(argv)[:3]}")
        loop = asyncio.get_running_loop()
        pipes = [os.pipe() for _ in range(3)]  # stdin, stdout, stderr: (read end, write end)
        theirs = (pipes[0][0], pipes[1][1], pipes[2][1])
        ours = (pipes[0][1], pipes[1][0], pipes[2][0])
        try:
            child = await self.spawn(argv[3:], env=env, cwd=cwd, fds=theirs, controlling_terminal=False)
        except BaseException:
            for fd in ours:
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        stdin_transport, stdin_protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(ours[0], "wb", buffering=0)
        )
        stdin = asyncio.StreamWriter(stdin_transport, stdin_protocol, None, loop)
        readers = []
        for fd in ours[1:]:
            reader = asyncio.StreamReader(limit=2**16)
            await loop.connect_read_pipe(partial(asyncio.StreamReaderProtocol, reader), os.fdopen(fd, "rb", 0))
            readers.append(reader)
        return ZygoteProcess(child, stdin, readers[0], readers[1])

    async def _send(self, data: bytes, fds: list[int]) -> None:
        assert self._loop is not None
        while True:
            try:
                socket.send_fds(self._sock, [data], fds)
                return
            except BlockingIOError:
                ready = self._loop.create_future()
                self._loop.add_writer(self._sock.fileno(), ready.set_result, None)
                try:
                    await ready
                finally:
                    self._loop.remove_writer(self._sock.fileno())

    def _read(self) -> None:
        while True:
            try:
                data = self._sock.recv(65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._stopped()
                return
            message = json.loads(data)
            if "exit" in message:  # always after the reply with its pid
                child = self._children.pop(message["exit"], None)
                if child is not None:
                    child._set_exit(message["status"])
            elif "pid" in message:
                child = ZygoteChild(message["pid"])
                self._children[child.pid] = child
                self._replies.put_nowait(child)
            else:
                self._replies.put_nowait(message["error"])

    def _stopped(self) -> None:
        """The zygote is gone: its children died with it (SIGHUP), so none is waited for any more."""
        if not self.alive:
            return
        self.alive = False
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._sock.fileno())
            for child in self._children.values():
                child._set_exit(-signal.SIGHUP)
            self._replies.put_nowait("the zygote has stopped")
        self._children.clear()

    def close_now(self) -> None:
        """Stop the zygote (its children get SIGHUP) and reap it; blocks for up to 5 s."""
        self._stopped()
        self._sock.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close_now)


# -- the zygote's side --


_FIRST_SCREENS_MODULES = (
    "textual_plotext",
    "tutor.screens.lesson",
    "textual.widgets._markdown",
    "textual.widgets.tree",
    "textual.highlight",
    "textual.scrollbar",
    "textual.layouts.factory",
    "textual.layouts.horizontal",
    "textual.layouts.stream",
    "markdown_it",
    "linkify_it",
    "mdurl",
    "rich.ansi",
    "rich._emoji_codes",
    "concurrent.futures.thread",
)


def _preload() -> None:
    """Import what every session needs, so children start with it in shared memory."""
    import gc
    import importlib

    import numpy  # noqa: F401  (the lessons' tensors and plots need it on their first screen)
    import textual.app
    import textual.drivers.linux_driver  # noqa: F401

    import tutor.app
    import tutor.cli
    from lessons.catalog import load_catalog

    tutor.cli.shared_parser()  # argparse's help texts and gettext lookups: 10 ms a tutor otherwise

    for name in _FIRST_SCREENS_MODULES:  # what the browser and a lesson's first step would import in each child
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    with contextlib.suppress(Exception):
        from rich.cells import cell_len

        cell_len("\u4e00")  # loads rich's table of character widths
    with contextlib.suppress(Exception):  # the tutor reports broken lessons itself, in the child
        load_catalog([])
    _share_parsed_css()
    with contextlib.suppress(Exception):  # a warm-up only: the children report any problem themselves
        _draw_first_screen_once()
    gc.collect()
    gc.freeze()  # what is imported now stays put: refcounts and collections do not touch these pages


def _share_parsed_css() -> None:
    """Keep what Textual parses from CSS for the whole process, so children find it parsed by the zygote.

    Textual caches parsed CSS per stylesheet, and every app (every child) builds its own stylesheets;
    the rules depend only on the CSS, where it comes from and the theme's variables.
    """
    from textual.css.stylesheet import Stylesheet

    parse_rules = Stylesheet._parse_rules
    parsed: dict[tuple, list] = {}

    @wraps(parse_rules)
    def shared_parse_rules(self, css, read_from, is_default_rules=False, tie_breaker=0, scope=""):
        key = (css, read_from, is_default_rules, tie_breaker, scope, tuple(self._variables.items()))
        if key not in parsed:
            parsed[key] = parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
        return parsed[key]

    Stylesheet._parse_rules = shared_parse_rules  # type: ignore[method-assign]


def _draw_first_screen_once() -> None:
    """Start the tutor headless and draw the lesson browser once in each theme a session starts with.

    Its CSS is then parsed and its caches filled for both: `ansi-dark` (a 16-colour terminal,
    NO_COLOR) and `textual-dark` (a 256-colour one: most students). The parsed rules depend on
    the theme's colours, so a warm-up in one theme only would leave the other to parse in every child.
    """
    import asyncio
    import tempfile

    from lessons.catalog import load_catalog
    from tutor.app import TutorApp
    from tutor.progress import Progress

    async def draw(folder: Path, theme: str) -> None:
        app = TutorApp(load_catalog([]), Progress.load(folder), theme=theme)
        async with app.run_test(size=(80, 24), tooltips=True, notifications=True) as pilot:  # as a session has
            await pilot.pause()

    for theme in ("ansi-dark", "textual-dark"):
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(draw(Path(folder), theme))


def _run_child(request: dict, fds: list[int], sock: socket.socket, gate: _Gate, turn: _Turn) -> None:
    """In the forked child: become the session's own process and run the tutor. Never returns."""
    status = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        sock.close()
        gate.close_all()  # the zygote's pipes, and other children's: only this child's own end stays open
        set_parent_death_signal(signal.SIGHUP)
        if os.getppid() == 1:  # the zygote died before prctl: do not outlive it
            os._exit(1)
        os.setsid()
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        for fd in set(fds):
            if fd > 2:
                os.close(fd)
        if request.get("cwd"):
            os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ[FIRST_FRAME_FD] = str(turn.drawn_w)
        turn.wait_for_go()  # admission: at most `gate.slots` tutors draw their first screen at a time
        import importlib
        import random

        import textual.constants

        importlib.reload(textual.constants)  # TEXTUAL_* settings come from this session's environment
        random.seed()
        sys.argv = ["tutor", *request["argv"]]
        from tutor.classroom import child

        if request.get("ctty", True):
            status = child.main(request["argv"])
        else:
            from tutor.cli import main

            status = main(request["argv"])
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status or 0)


def _status(wait_status: int) -> int:
    return -os.WTERMSIG(wait_status) if os.WIFSIGNALED(wait_status) else os.WEXITSTATUS(wait_status)


class _Turn:
    """One child's place in the queue to start: a pipe for its go, a pipe for its "first frame drawn"."""

    def __init__(self) -> None:
        self.go_r, self.go_w = os.pipe()
        self.drawn_r, self.drawn_w = os.pipe()
        self.pid = 0
        self.deadline = 0.0

    def wait_for_go(self) -> None:
        """In the child: block until the zygote says go (or is gone: then PDEATHSIG ends us anyway)."""
        with contextlib.suppress(OSError):
            os.read(self.go_r, 1)
        os.close(self.go_r)

    def forked(self, pid: int) -> None:
        """In the zygote, after the fork: keep our ends only."""
        self.pid = pid
        os.close(self.go_r)
        os.close(self.drawn_w)


class _Gate:
    """First come, first served: at most `slots` children starting (forked, first screen not yet drawn) at once.

    A child leaves the starting set when it writes to its pipe after its first frame, when it exits (the pipe
    closes), or after `timeout` seconds as a safety net for one that hangs before drawing.
    """

    def __init__(self, selector: selectors.BaseSelector, slots: int, timeout: float = 30.0) -> None:
        self.selector = selector
        self.slots = slots
        self.timeout = timeout
        self.waiting: collections.deque[_Turn] = collections.deque()
        self.starting: dict[int, _Turn] = {}  # by the drawn pipe's fd
        self.queued: dict[int, _Turn] = {}  # by the drawn pipe's fd, still waiting for their go

    def add(self, turn: _Turn) -> None:
        self.selector.register(turn.drawn_r, selectors.EVENT_READ, turn)
        self.queued[turn.drawn_r] = turn
        self.waiting.append(turn)
        self._admit()

    def heard(self, turn: _Turn) -> None:
        """The child drew its first frame, or exited: its slot (or its place in the queue) is free."""
        self._forget(turn)
        self._admit()

    def expire(self) -> float | None:
        """Release the slots of children past their deadline; seconds until the next deadline (None: none)."""
        now = time.monotonic()
        for turn in [t for t in self.starting.values() if t.deadline <= now]:
            self._forget(turn)
        self._admit()
        if not self.starting:
            return None
        return max(0.0, min(turn.deadline for turn in self.starting.values()) - now)

    def close_all(self) -> None:
        for turn in [*self.starting.values(), *self.queued.values()]:
            with contextlib.suppress(OSError):
                os.close(turn.drawn_r)
            if turn.go_w >= 0:
                with contextlib.suppress(OSError):
                    os.close(turn.go_w)

    def _forget(self, turn: _Turn) -> None:
        self.selector.unregister(turn.drawn_r)
        self.starting.pop(turn.drawn_r, None)
        if self.queued.pop(turn.drawn_r, None) is not None:
            self.waiting.remove(turn)
            os.close(turn.go_w)
        os.close(turn.drawn_r)

    def _admit(self) -> None:
        while self.waiting and len(self.starting) < self.slots:
            turn = self.waiting.popleft()
            del self.queued[turn.drawn_r]
            with contextlib.suppress(OSError):
                os.write(turn.go_w, b"g")
            os.close(turn.go_w)
            turn.go_w = -1
            turn.deadline = time.monotonic() + self.timeout
            self.starting[turn.drawn_r] = turn


def serve(sock: socket.socket) -> int:
    """The zygote's loop: fork a child per request, start them a few at a time, report every exit."""
    set_parent_death_signal(signal.SIGKILL)  # the server died: nothing here is worth saving
    if os.getppid() == 1:
        return 1
    _preload()
    wakeup_r, wakeup_w = os.pipe()
    os.set_blocking(wakeup_w, False)
    os.set_blocking(wakeup_r, False)
    signal.set_wakeup_fd(wakeup_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so the wakeup fd hears of exits
    sock.send(_READY)
    children: set[int] = set()
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ)
    selector.register(wakeup_r, selectors.EVENT_READ)
    gate = _Gate(selector, slots=len(os.sched_getaffinity(0)))
    try:
        while True:
            for key, _ in selector.select(gate.expire()):
                if isinstance(key.data, _Turn):
                    gate.heard(key.data)
                elif key.fileobj is sock:
                    try:
                        data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 8)
                    except InterruptedError:
                        continue
                    if not data:
                        return 0
                    request = json.loads(data)
                    turn = _Turn()
                    try:
                        pid = os.fork()
                    except OSError as exc:
                        for fd in [*fds, turn.go_r, turn.go_w, turn.drawn_r, turn.drawn_w]:
                            os.close(fd)
                        sock.send(json.dumps({"error": f"cannot fork: {exc.strerror}"}).encode())
                        continue
                    if pid == 0:
                        selector.close()
                        os.close(wakeup_w)
                        os.close(wakeup_r)
                        os.close(turn.go_w)
                        os.close(turn.drawn_r)
                        _run_child(request, fds, sock, gate, turn)
                    for fd in fds:
                        os.close(fd)
                    turn.forked(pid)
                    gate.add(turn)
                    children.add(pid)
                    sock.send(json.dumps({"pid": pid}).encode())
                else:
                    with contextlib.suppress(BlockingIOError):
                        os.read(wakeup_r, 4096)
                    while children:
                        try:
                            pid, wait_status = os.waitpid(-1, os.WNOHANG)
                        except ChildProcessError:
                            break
                        if pid == 0:
                            break
                        children.discard(pid)
                        sock.send(json.dumps({"exit": pid, "status": _status(wait_status)}).encode())
    except (BrokenPipeError, ConnectionResetError):
        return 0
    finally:
        for pid in children:  # the server closed the socket: end every session still running
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGHUP)


if __name__ == "__main__":
    sys.exit(serve(socket.socket(fileno=int(sys.argv[1]))))
