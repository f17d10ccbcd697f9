"""`python -m tutor serve ssh`: the tutor for a whole class, over SSH, from one machine.

Every SSH session gets its own `python -m tutor` process (through
`tutor.classroom.child`) on its own pseudo-terminal, with the student's progress
in `<data-dir>/users/<name>/`. The server only ever runs the tutor: a session
without a terminal, a command (`ssh host ls`, scp), a subsystem (sftp), port,
agent or X11 forwarding are all refused, and there is no shell to fall into.

It also holds up under abuse: one session per connection, window sizes clamped
to 300x100, keys buffered up to a limit (then the server stops reading from that
client until its tutor catches up), and the limits before login of
`tutor.classroom.login_limits` (connections, tries, delays, file descriptors).

    server = ClassroomServer(ServerConfig(data_dir, auth=Auth.keys(path)))
    await server.start()          # server.port, server.fingerprint
    ...
    await server.close()          # ends every student's process, politely first
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hmac
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import asyncssh

from tutor.classroom.login_limits import (
    FD_RESERVE,
    FailedLogins,
    OncePerInterval,
    PreLoginGate,
    raise_open_file_limit,
)
from tutor.classroom.pty_process import RESET_TERMINAL, Child, PtyProcess
from tutor.classroom.users import InvalidUserName, user_dir, user_name
from tutor.classroom.zygote import Zygote, clean_environment

__all__ = ["HOST_KEY_FILE", "Auth", "ClassroomServer", "ServerConfig", "TutorSession", "load_or_create_host_key"]

log = logging.getLogger("tutor.classroom")

HOST_KEY_FILE = "ssh_host_ed25519_key"
QUIT_KEY = b"\x11"  # ctrl+q: the tutor's quit key, so it restores the student's terminal as it exits
MAX_COLS, MAX_ROWS = 300, 100  # larger windows are clamped to this: far more than a real terminal, bounded cost
FDS_PER_SESSION = 3  # the connection's socket, the PTY's master end, and one to spare while a tutor starts


# -- configuration --


@dataclass(frozen=True)
class Auth:
    """How students log in: public keys from a file, one class password, or nothing (`open`)."""

    mode: Literal["keys", "password", "open"]
    authorized_keys: Path | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def keys(cls, path: Path) -> Auth:
        return cls("keys", authorized_keys=Path(path))

    @classmethod
    def class_password(cls, password: str) -> Auth:
        if not password:
            raise ValueError("the class password is empty")
        return cls("password", password=password)

    @classmethod
    def open(cls) -> Auth:
        return cls("open")

    def describe(self) -> str:
        if self.mode == "keys":
            return f"public keys listed in {self.authorized_keys}"
        if self.mode == "password":
            return "the class password"
        return "none (--open: anyone who can reach the port gets in)"


@dataclass
class ServerConfig:
    data_dir: Path
    auth: Auth
    host: str = "127.0.0.1"
    port: int = 2222  # 0: any free port (tests)
    max_sessions: int = 40
    idle_timeout: float = 1800.0  # seconds without a key press; 0 for never
    tutor_args: list[str] = field(default_factory=list)  # e.g. ["--lessons", "/abs/dir"], passed to every tutor
    python: str = sys.executable
    failed_login_delay: float = 1.0  # seconds before answering a wrong password; doubles per failure from an address
    failed_login_most_delay: float = 16.0  # ... up to this
    stop_grace: float = 2.0  # seconds a tutor gets to quit cleanly when the server ends its session
    login_timeout: float = 20.0  # seconds to log in before the connection is closed
    max_auth_tries: int = 5  # failed keys or passwords on one connection before it is closed
    max_unauthenticated: int = 200  # connections not logged in yet; more push out the oldest
    max_unauthenticated_per_address: int = 50  # ... from one address; more are refused
    max_per_address: int = 0  # sessions from one address (0: no limit)
    zygote: bool = True  # fork tutors from a pre-started one (quick starts, shared memory); False: start each anew


def load_or_create_host_key(data_dir: Path) -> tuple[asyncssh.SSHKey, Path, bool]:
    """The server's host key, made on first start and kept (mode 600) so its fingerprint never changes.

    Returns the key, its file and whether it was just made.
    """
    path = Path(data_dir) / HOST_KEY_FILE
    if path.exists():
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
            log.warning("%s was readable by others; its mode is now 600", path)
        return asyncssh.read_private_key(path), path, False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="backprop-tutor classroom")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(key.export_private_key())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return key, path, True


class _AuthorizedKeysFile:
    """The authorized keys, read again whenever the file changes (add a student without a restart)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._keys: asyncssh.SSHAuthorizedKeys | None = None
        self.count = 0
        self.get()

    def get(self) -> asyncssh.SSHAuthorizedKeys:
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp or self._keys is None:
            text = self.path.read_text(encoding="utf-8")
            self._keys = asyncssh.import_authorized_keys(text)
            self.count = sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
            self._stamp = stamp
        return self._keys


# -- the server --


class ClassroomServer:
    """The SSH server: accepts students, runs one tutor per session, keeps count."""

    def __init__(self, config: ServerConfig, zygote: Zygote | None = None) -> None:
        """`zygote`: one already running to share (tests); by default the server starts its own."""
        self.config = config
        self.sessions: set[TutorSession] = set()
        self.host_key: asyncssh.SSHKey | None = None
        self.host_key_path: Path | None = None
        self.host_key_created = False
        self._authorized_keys: _AuthorizedKeysFile | None = None
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self.pre_login = PreLoginGate(config.max_unauthenticated, config.max_unauthenticated_per_address)
        self.failed_logins = FailedLogins(config.failed_login_delay, config.failed_login_most_delay)
        self.complaints = OncePerInterval(log)
        self.fd_limit = 1024
        self.zygote: Zygote | None = zygote
        self._own_zygote = zygote is None
        self.closing = False

    @property
    def port(self) -> int:
        assert self._acceptor is not None, "start() first"
        return self._acceptor.get_port()

    @property
    def fingerprint(self) -> str:
        assert self.host_key is not None, "start() first"
        return self.host_key.get_fingerprint("sha256")

    async def start(self) -> None:
        config = self.config
        if config.auth.mode == "keys":
            assert config.auth.authorized_keys is not None
            self._authorized_keys = _AuthorizedKeysFile(config.auth.authorized_keys)  # fail now, not at login
        self.host_key, self.host_key_path, self.host_key_created = load_or_create_host_key(config.data_dir)
        (Path(config.data_dir) / "users").mkdir(mode=0o700, parents=True, exist_ok=True)
        self.fd_limit = raise_open_file_limit()
        if config.zygote and self.zygote is None:
            try:
                self.zygote = await Zygote.start(config.python, clean_environment(config.data_dir))
            except (TimeoutError, OSError, RuntimeError) as exc:
                log.warning("no zygote (%s): every tutor starts from scratch, slower", exc)
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(self._loop_exception)
        self._acceptor = await asyncssh.create_server(
            lambda: _Connection(self),
            config.host,
            config.port,
            server_host_keys=[self.host_key],
            server_version="BackpropTutor",
            encoding=None,  # the PTY's bytes pass through untouched
            line_editor=False,
            allow_pty=True,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            gss_host=None,
            host_based_auth=False,
            public_key_auth=config.auth.mode == "keys",
            password_auth=config.auth.mode == "password",
            kbdint_auth=config.auth.mode == "password",
            login_timeout=config.login_timeout,
            keepalive_interval=30,  # a student whose laptop went to sleep is let go after ~2 minutes
            keepalive_count_max=4,
            reuse_address=True,
        )

    async def close(self) -> None:
        """Stop accepting, end every student's tutor (politely, then firmly) and reap them all."""
        self.closing = True
        if self._acceptor is not None:
            self._acceptor.close()
        await asyncio.gather(
            *(
                s.end_by_server("The teacher stopped the server. Your progress is saved.", "server stopped")
                for s in list(self.sessions)
            )
        )
        for conn in list(self._connections):
            conn.close()
        with contextlib.suppress(TimeoutError):  # until every tutor is reaped
            await asyncio.wait_for(asyncio.gather(*(s.wait_closed() for s in list(self.sessions))), 10)
        if self._acceptor is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._acceptor.wait_closed(), 5)
        if self.zygote is not None and self._own_zygote:
            await self.zygote.close()

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """Out of file descriptors (asyncio pauses accepting for a second): one line a minute, no traceback each."""
        exc = context.get("exception")
        if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
            self.complaints.warning(f"out of file descriptors ({exc.strerror}): new connections wait or are refused")
            return
        loop.default_exception_handler(context)

    # -- used by connections and sessions --

    def room_for_connection(self) -> bool:
        """Whether one more connection fits in the file descriptors this process may open."""
        used = len(self._connections) + FDS_PER_SESSION * len(self.sessions)
        return used + FD_RESERVE < self.fd_limit

    def sessions_from(self, address: str) -> int:
        return sum(1 for s in self.sessions if s.connection.address == address)

    def authorized_keys(self) -> asyncssh.SSHAuthorizedKeys | None:
        if self._authorized_keys is None:
            return None
        try:
            return self._authorized_keys.get()
        except (OSError, ValueError) as exc:
            log.error("cannot read %s (%s): no key logins until it is fixed", self._authorized_keys.path, exc)
            return None

    def tutor_args(self, data_dir: Path) -> list[str]:
        """The arguments of one student's tutor (`python -m tutor ARGS`)."""
        return ["--data-dir", str(data_dir), *self.config.tutor_args]

    def child_argv(self, data_dir: Path) -> list[str]:
        return [self.config.python, "-m", "tutor.classroom.child", *self.tutor_args(data_dir)]

    def spawner(self, data_dir: Path, env: dict[str, str]) -> Callable[[int], Awaitable[Child]] | None:
        """How to start a tutor on a terminal: forked by the zygote while it runs, else None (a fresh process)."""
        zygote = self.zygote if self.config.zygote else None
        if zygote is None or not zygote.alive:
            if zygote is not None:
                self.complaints.warning("the zygote has stopped: tutors start from scratch, slower")
            return None
        args = self.tutor_args(data_dir)
        return lambda fd: zygote.spawn(args, env=env, cwd=data_dir, fds=(fd, fd, fd))

    def child_env(self, name: str, home: Path, term: str, client_env: dict[str, str]) -> dict[str, str]:
        """A small, clean environment: nothing of the server's (its password, say) reaches a student."""
        env = clean_environment(home) | {"USER": name, "LOGNAME": name, "TERM": term or "xterm"}
        for key in ("COLORTERM", "NO_COLOR"):  # only if the client sends them (OpenSSH: SetEnv/SendEnv)
            if key in client_env:
                env[key] = client_env[key]
        return env


class _Connection(asyncssh.SSHServer):
    """One SSH connection: authentication, and the one thing it may open (a tutor session)."""

    def __init__(self, server: ClassroomServer) -> None:
        self.server = server
        self.conn: asyncssh.SSHServerConnection | None = None
        self.peer = "?"
        self.address = "?"
        self.user = "?"
        self.logged_in = False
        self.failed_tries = 0
        self.seat: TutorSession | None = None  # the session that runs this connection's tutor

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.address = str(peer[0])
        self.peer = f"{peer[0]}:{peer[1]}"
        server = self.server
        if not server.room_for_connection():  # near the open-file limit: make room, or refuse
            oldest = server.pre_login.oldest()
            if oldest is None:
                server.complaints.warning(f"refused connections: near the limit of {server.fd_limit} open files")
                asyncio.get_running_loop().call_soon(conn.abort)  # after asyncssh has finished setting it up
                return
            server.complaints.warning(f"near the limit of {server.fd_limit} open files: closing the oldest logins")
            server.pre_login.leave(oldest)
            oldest.abort()
        admitted, evicted = server.pre_login.admit(conn, self.address)
        if not admitted:
            server.complaints.warning(f"refused connections from {self.address}: too many waiting to log in")
            asyncio.get_running_loop().call_soon(conn.abort)
            return
        if evicted is not None:
            server.complaints.warning("too many connections waiting to log in: closing the oldest ones")
            evicted.abort()
        server._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None:
            self.server._connections.discard(self.conn)
            self.server.pre_login.leave(self.conn)
        if not self.logged_in and self.user != "?":
            log.info("no login: %s from %s gave up or was refused", self.user, self.peer)

    def begin_auth(self, username: str) -> bool:
        self.user = username
        auth = self.server.config.auth
        if auth.mode == "open":
            return False  # no authentication: a trusted lab network
        if auth.mode == "keys" and self.conn is not None:
            keys = self.server.authorized_keys()
            if keys is not None:
                self.conn.set_authorized_keys(keys)
        return True

    def auth_completed(self) -> None:
        self.logged_in = True
        if self.conn is not None:
            self.server.pre_login.leave(self.conn)

    def password_auth_supported(self) -> bool:
        return self.server.config.auth.mode == "password"

    async def validate_password(self, username: str, password: str) -> bool:
        expected = self.server.config.auth.password
        if expected is not None and hmac.compare_digest(password.encode(), expected.encode()):
            return True
        log.info("wrong password for %s from %s", username, self.peer)
        await asyncio.sleep(self.server.failed_logins.failed(self.address))
        self._failed_try()
        return False

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """Called for a key that is not in the authorized keys: one failed try."""
        self._failed_try()
        return False

    def _failed_try(self) -> None:
        self.failed_tries += 1
        if self.failed_tries >= self.server.config.max_auth_tries and self.conn is not None:
            log.info("closed %s from %s after %d failed logins", self.user, self.peer, self.failed_tries)
            conn = self.conn
            asyncio.get_running_loop().call_soon(
                conn.disconnect, asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE, "Too many authentication failures"
            )

    def session_requested(self) -> TutorSession | bool:
        if self.seat is not None:  # one seat per connection
            return self._refuse("a second session on one connection")
        return TutorSession(self.server, self)

    # Never anything else. (asyncssh's defaults refuse these too; saying so keeps it true if they change.)
    # Agent and X11 forwarding are switched off in create_server.

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        return self._refuse(f"port forwarding to {dest_host}:{dest_port}")  # ssh -L, ssh -D

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        return self._refuse(f"remote forwarding from {listen_host}:{listen_port}")  # ssh -R

    def unix_connection_requested(self, dest_path: str) -> bool:
        return self._refuse(f"forwarding to {dest_path}")

    def unix_server_requested(self, listen_path: str) -> bool:
        return self._refuse(f"remote forwarding from {listen_path}")

    def tun_requested(self, unit: int | None) -> bool:
        return self._refuse("a tunnel device")

    def tap_requested(self, unit: int | None) -> bool:
        return self._refuse("a tunnel device")

    def _refuse(self, what: str) -> bool:
        log.info("refused %s for %s from %s", what, self.user, self.peer)
        return False


# -- one session: one tutor --


class TutorSession(asyncssh.SSHServerSession):
    """One student's session: a PTY, a tutor process on it, and the bytes in between."""

    def __init__(self, server: ClassroomServer, connection: _Connection) -> None:
        self.server = server
        self.connection = connection
        self.chan: asyncssh.SSHServerChannel | None = None
        self.name = ""
        self.term: str | None = None
        self.size = (80, 24)
        self.child: PtyProcess | None = None
        self.started_at = time.monotonic()
        self._last_input = 0.0
        self.input_paused = False
        self._closed = asyncio.Event()  # set when the session has left the server, its tutor reaped
        self._idle_handle: asyncio.TimerHandle | None = None
        self._server_ending = False
        self._finished = False
        self._tasks: set[asyncio.Task[None]] = set()

    # -- what the client asks for --

    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int], term_modes: object) -> bool:
        self.term = term_type
        self.size = _cells(term_size[0], term_size[1])
        return True

    def shell_requested(self) -> bool:
        if self.term is None:
            return self._refuse("no terminal", "The Backprop Tutor needs a terminal: connect without -T")
        return True

    def exec_requested(self, command: str) -> bool:
        return self._refuse(f"command {command[:60]!r}", "This server only runs the Backprop Tutor: no commands")

    def subsystem_requested(self, subsystem: str) -> bool:
        return self._refuse(f"subsystem {subsystem!r}", "This server only runs the Backprop Tutor: no sftp or scp")

    def break_received(self, msec: int) -> bool:
        return False

    def _refuse(self, what: str, message: str) -> bool:
        log.info("refused %s for %s from %s", what, self.connection.user, self.connection.peer)
        if self.chan is not None:
            with contextlib.suppress(Exception):
                self.chan.write_stderr(f"{message}. Connect with: {self._how_to_connect()}\r\n".encode())
            asyncio.get_running_loop().call_later(0.5, self._close_channel)
        return False

    def _how_to_connect(self) -> str:
        port = self.server.port
        host = self.chan.get_extra_info("sockname", ("HOST",))[0] if self.chan else "HOST"
        if ":" in host:
            host = f"[{host}]"
        return f"ssh -p {port} NAME@{host}" if port != 22 else f"ssh NAME@{host}"

    def _close_channel(self) -> None:
        if self.chan is not None:
            with contextlib.suppress(Exception):
                self.chan.close()

    # -- starting --

    def session_started(self) -> None:
        try:
            self.name = user_name(self.connection.user)
        except InvalidUserName as exc:
            log.info("refused user name %r from %s", self.connection.user[:40], self.connection.peer)
            self._say_and_close(f"{exc}.\r\nConnect as, for example: {self._how_to_connect().replace('NAME', 'ana')}")
            return
        limit = self.server.config.max_sessions
        if self.server.closing:
            self._say_and_close("The server is stopping. Ask your teacher.")
            return
        if len(self.server.sessions) >= limit:
            log.info("class full (%d sessions): refused %s from %s", limit, self.name, self.connection.peer)
            self._say_and_close(
                f"Sorry, the class is full: all {limit} places on this server are taken.\r\n"
                "Try again in a minute, or ask your teacher."
            )
            return
        if self.connection.seat is not None:
            log.info("refused a second session on one connection for %s from %s", self.name, self.connection.peer)
            self._say_and_close("One tutor per connection: this connection already has one.")
            return
        per_address = self.server.config.max_per_address
        if per_address and self.server.sessions_from(self.connection.address) >= per_address:
            log.info("refused %s from %s: %d sessions from that address", self.name, self.connection.peer, per_address)
            self._say_and_close(
                f"Sorry, this server takes at most {per_address} session{'s' if per_address != 1 else ''} "
                "from one address, and that many are open.\r\nClose one and try again, or ask your teacher."
            )
            return
        self.server.sessions.add(self)  # counted now, before anything awaits, so the limit holds under a rush
        self.connection.seat = self
        self._spawn(self._start_child())

    def _say_and_close(self, message: str) -> None:
        assert self.chan is not None
        with contextlib.suppress(Exception):
            self.chan.write(f"\r\n{message}\r\n".encode())
            self.chan.exit(1)

    async def _start_child(self) -> None:
        assert self.chan is not None
        try:
            home = user_dir(self.server.config.data_dir, self.name, create=True)
            term = self.term or "xterm"
            env = self.server.child_env(self.name, home, term, self.chan.get_environment())
            self.child = PtyProcess(
                self.server.child_argv(home),
                env=env,
                cwd=home,
                size=self.size,
                on_output=self._child_output,
                on_exit=self._child_exited,
                on_input_drained=self._input_drained,
                spawn=self.server.spawner(home, env),
            )
            await self.child.start()
        except OSError as exc:
            if exc.errno not in (errno.EMFILE, errno.ENFILE, errno.EAGAIN, errno.ENOMEM):
                log.exception("could not start a tutor for %s", self.name)
            else:
                self.server.complaints.warning(f"could not start a tutor: {exc.strerror}")
            self._free_seat()
            self._say_and_close("The server is too busy to start your tutor. Try again in a minute.")
            return
        except Exception as exc:
            log.exception("could not start a tutor for %s", self.name)
            self._free_seat()
            self._say_and_close(f"The tutor could not start ({type(exc).__name__}). Ask your teacher.")
            return
        if self._finished:  # the client left while the child was starting
            await self.child.terminate(grace=0)
            return
        cols, rows = self.size
        log.info(
            "connect %s from %s, %s %dx%d, pid %s (%d/%d sessions)",
            self.name,
            self.connection.peer,
            term,
            cols,
            rows,
            self.child.pid,
            len(self.server.sessions),
            self.server.config.max_sessions,
        )
        self._last_input = time.monotonic()
        self._arm_idle_timer(self.server.config.idle_timeout)

    # -- running --

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self._last_input = time.monotonic()
        if self.child is not None and not self.child.write(data) and self.chan is not None:
            self.chan.pause_reading()  # the tutor is behind: let the client wait (SSH's own window holds it)
            self.input_paused = True

    def _input_drained(self) -> None:
        if self.input_paused and self.chan is not None:
            self.input_paused = False
            self.chan.resume_reading()

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self._last_input = time.monotonic()
        self.size = _cells(width, height)
        if self.child is not None:
            self.child.resize(*self.size)

    def eof_received(self) -> bool:
        return True  # stay half-open: the tutor runs until the client goes or the student quits

    def pause_writing(self) -> None:  # the client is slow to take output: let the PTY fill up
        if self.child is not None:
            self.child.pause_reading()

    def resume_writing(self) -> None:
        if self.child is not None:
            self.child.resume_reading()

    def _child_output(self, data: bytes) -> None:
        if self.chan is not None and not self._finished:
            with contextlib.suppress(Exception):
                self.chan.write(data)

    def _child_exited(self, returncode: int) -> None:
        if self._server_ending or self._finished:
            return
        with contextlib.suppress(Exception):
            assert self.chan is not None
            self.chan.exit(returncode if returncode >= 0 else 128 - returncode)  # killed by signal N: 128+N
        self._finish("student quit" if returncode == 0 else f"tutor exited with status {returncode}")

    def _arm_idle_timer(self, delay: float) -> None:
        if self.server.config.idle_timeout > 0 and not self._finished:
            self._idle_handle = asyncio.get_running_loop().call_later(delay, self._check_idle)

    def _check_idle(self) -> None:
        timeout = self.server.config.idle_timeout
        idle = time.monotonic() - self._last_input
        if idle < timeout:
            self._arm_idle_timer(timeout - idle)
            return
        minutes = timeout / 60
        shown = f"{minutes:g} minute{'s' if minutes != 1 else ''}" if timeout >= 60 else f"{timeout:g} seconds"
        self._spawn(
            self.end_by_server(
                f"Closed after {shown} without a key press. Your progress is saved: connect again to go on.", "idle"
            )
        )

    # -- ending --

    async def end_by_server(self, message: str, reason: str) -> None:
        """End the session from this side (idle, server stopping): quit the tutor, tell the student, close."""
        if self._finished or self._server_ending:
            return
        self._server_ending = True
        clean = True
        if self.child is not None:
            clean = await self.child.terminate(grace=self.server.config.stop_grace, polite_keys=QUIT_KEY)
        if self.chan is not None and not self._finished:
            with contextlib.suppress(Exception):
                self.chan.write((b"" if clean else RESET_TERMINAL) + f"\r\n{message}\r\n".encode())
                self.chan.exit(0)
        self._finish(reason)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._finished:
            self._finish("client left" if exc is None else "connection dropped")

    def _finish(self, reason: str) -> None:
        """Once per session: stop the timer, end and reap the tutor, log the disconnect."""
        if self._finished:
            return
        self._finished = True
        if self._idle_handle is not None:
            self._idle_handle.cancel()
        if self.child is None:  # refused before a tutor started: nothing to log as a session
            self._free_seat()
            return
        self._spawn(self._reap(reason))

    async def _reap(self, reason: str) -> None:
        assert self.child is not None
        try:
            await self.child.terminate(grace=0)
        finally:
            self._free_seat()
        cols, rows = self.size
        minutes, seconds = divmod(int(time.monotonic() - self.started_at), 60)
        log.info(
            "disconnect %s from %s after %dm%02ds (%s), %s %dx%d",
            self.name,
            self.connection.peer,
            minutes,
            seconds,
            reason,
            self.term,
            cols,
            rows,
        )

    def _free_seat(self) -> None:
        self.server.sessions.discard(self)
        if self.connection.seat is self:
            self.connection.seat = None
        self._closed.set()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run `coro` in the background, holding on to it (the loop keeps only weak references)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_closed(self) -> None:
        """Wait until this session has ended and its tutor has been reaped."""
        await self._closed.wait()


def _cells(width: int, height: int) -> tuple[int, int]:
    """A usable size in cells: clients that report 0 get 80x24, larger than 300x100 is clamped."""
    return (min(width, MAX_COLS) if width > 0 else 80, min(height, MAX_ROWS) if height > 0 else 24)
