"""Fixtures for the classroom tests: a real SSH server on a free loopback port, real tutor
processes, and asyncssh's own client reading the screen through a terminal emulator (pyte)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncssh
import pytest
from classroom_client import Terminal

from tutor.classroom.ssh_server import Auth, ClassroomServer, ServerConfig


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


@pytest.fixture
async def classroom_factory(
    tmp_path: Path, client_key: asyncssh.SSHKey, authorized_keys: Path
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
        server = ClassroomServer(config)
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
