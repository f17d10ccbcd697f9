"""Fixtures for the classroom tests: a real SSH server on a free loopback port, real tutor
processes, and asyncssh's own client reading the screen through a terminal emulator (pyte)."""

from __future__ import annotations

import asyncio
import resource
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncssh
import pytest
from classroom_client import Terminal

from tutor.classroom.ssh_server import Auth, ClassroomServer, ServerConfig
from tutor.classroom.zygote import Zygote


@pytest.fixture(scope="session")
def client_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


@pytest.fixture(scope="session")
def other_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


@pytest.fixture
def authorized_keys(tmp_path: Path, client_key: asyncssh.SSHKey) -> Path:
    path = tmp_path / "authorized_keys"
    path.write_bytes(client_key.export_public_key())
    return path


class Classroom:
    """A running server and a way to connect to it."""

    def __init__(self, server: ClassroomServer, client_key: asyncssh.SSHKey) -> None:
        self.server = server
        self.client_key = client_key
        self.connections: list[asyncssh.SSHClientConnection] = []

    async def connect(self, user: str = "ana", **kwargs) -> asyncssh.SSHClientConnection:
        options = {"known_hosts": None, "client_keys": [self.client_key], "agent_path": None} | kwargs
        conn = await asyncssh.connect("127.0.0.1", self.server.port, username=user, **options)
        self.connections.append(conn)
        return conn

    async def open(
        self, user: str = "ana", cols: int = 80, rows: int = 24, term: str = "xterm-256color", **kwargs
    ) -> tuple[asyncssh.SSHClientConnection, Terminal]:
        conn = await self.connect(user, **kwargs)
        _, terminal = await conn.create_session(
            lambda: Terminal(cols, rows), term_type=term, term_size=(cols, rows), encoding=None
        )
        return conn, terminal

    def session_of(self, user: str):
        return next(s for s in self.server.sessions if s.name == user)


@pytest.fixture(scope="session")
def zygote() -> Iterator[Zygote]:
    """One zygote for the whole run, as a server keeps one for all its sessions (it takes a second to start)."""
    shared = Zygote.launch()
    yield shared
    shared.close_now()


@pytest.fixture
async def classroom_factory(
    tmp_path: Path, client_key: asyncssh.SSHKey, authorized_keys: Path, zygote: Zygote
) -> AsyncIterator[Callable[..., asyncio.Future]]:
    """`await classroom_factory(auth=..., max_sessions=...)`: a started server, closed after the test."""
    started: list[Classroom] = []

    async def start(auth: Auth | None = None, **options) -> Classroom:
        config = ServerConfig(
            data_dir=tmp_path / "server",
            auth=auth or Auth.keys(authorized_keys),
            port=0,
            failed_login_delay=0.05,
            **options,
        )
        server = ClassroomServer(config, zygote=zygote if config.zygote else None)
        await server.start()
        room = Classroom(server, client_key)
        started.append(room)
        return room

    yield start
    for room in started:
        for conn in room.connections:
            conn.close()
        await room.server.close()
        assert not room.server.sessions


@pytest.fixture
async def classroom(classroom_factory) -> Classroom:
    return await classroom_factory()


class ServerProcess:
    """`python -m tutor serve ssh` in its own process (so its memory, open-file limit and log are its own)."""

    def __init__(self, proc: subprocess.Popen, port: int, log_path: Path) -> None:
        self.proc = proc
        self.port = port
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def status(self, field: str) -> int:
        """A number from /proc/<pid>/status, e.g. VmRSS (in kB)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    def open_file_limit(self) -> int:
        for line in Path(f"/proc/{self.pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                return int(line.split()[3])
        raise KeyError("Max open files")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server_process_factory(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """`server_process_factory(nofile=(soft, hard), *options)`: a started `serve ssh --open`, stopped after."""
    started: list[ServerProcess] = []

    def start(*options: str, nofile: tuple[int, int] | None = None) -> ServerProcess:
        port = free_port()
        log_path = tmp_path / f"server-{len(started)}.log"

        def limit() -> None:
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, nofile)

        argv = [sys.executable, "-m", "tutor", "serve", "ssh", "--open", "--port", str(port)]
        argv += ["--data-dir", str(tmp_path / "server"), *options]
        with open(log_path, "wb") as log_file:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log_file, preexec_fn=limit)
        server = ServerProcess(proc, port, log_path)
        started.append(server)
        assert proc.stdout is not None
        for line in proc.stdout:  # read until it says it listens
            if b"Ctrl+C stops the server" in line:
                break
        else:
            raise AssertionError(f"the server did not start:\n{server.log()}")
        return server

    yield start
    for server in started:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
        if server.proc.stdout is not None:
            server.proc.stdout.close()
