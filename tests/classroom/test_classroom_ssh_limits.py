"""The SSH server under abuse: key floods, huge windows, crowds that never log in, password guessing,
many seats on one connection, bad ports. Real servers on loopback, bounded in count and time."""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncssh
import pytest
from classroom_client import BROWSER_TITLE, LESSON_TITLE, Terminal, process_alive
from conftest import free_port

from tutor.classroom.login_limits import FailedLogins, PreLoginGate
from tutor.classroom.pty_process import INPUT_LIMIT
from tutor.classroom.ssh_server import Auth

# -- 1. flow control --


class Flooder(Terminal):
    """A client that types as fast as the server lets it, and notes when the server holds it back."""

    def __init__(self) -> None:
        super().__init__()
        self.held_back = asyncio.Event()
        self._may_write = asyncio.Event()
        self._may_write.set()
        self.sent = 0

    def pause_writing(self) -> None:
        self.held_back.set()
        self._may_write.clear()

    def resume_writing(self) -> None:
        self._may_write.set()

    async def flood(self, seconds: float) -> None:
        chunk = b"x" * 4096
        end = time.monotonic() + seconds
        while time.monotonic() < end and not self.closed.is_set():
            await self._may_write.wait()
            self.type(chunk)
            self.sent += len(chunk)  # write() calls pause_writing when the server stops reading: then we wait


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():  # the server runs in this process
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise KeyError("VmRSS")


async def test_a_key_flood_is_held_back_bounded_and_others_keep_answering(classroom):
    _, ben = await classroom.open("ben")
    await ben.wait_for(BROWSER_TITLE)
    conn = await classroom.connect("ana")
    _, ana = await conn.create_session(Flooder, term_type="xterm", term_size=(80, 24), encoding=None)
    await ana.wait_for(BROWSER_TITLE)
    session = classroom.session_of("ana")
    before = _rss_kib()

    flood = asyncio.create_task(ana.flood(4))
    ben.type("\r")  # meanwhile ben opens a lesson and steps on
    await ben.wait_for(LESSON_TITLE, timeout=15)
    await flood
    ben.type("n")
    await ben.wait_for("step 2/", timeout=10)
    grown_mib = (_rss_kib() - before) / 1024
    assert ana.held_back.is_set()  # the server stopped reading: its buffer was full
    assert ana.sent > 10 * INPUT_LIMIT  # it really flooded: far more than one buffer
    assert session.child.input_peak <= INPUT_LIMIT + 64 * 1024  # the limit, plus at most one SSH packet
    assert grown_mib <= 50, f"the server grew by {grown_mib:.0f} MiB during the flood"

    pid = session.child.pid
    conn.close()
    await session.wait_closed()
    assert not process_alive(pid)
    assert (_rss_kib() - before) / 1024 <= 50  # nothing of the flood stays behind
    ben.type("42")  # ben still answers after ana left (step 2 asks a question: the box takes the keys)
    await ben.wait_for("▊  42", timeout=10)


# -- 2. window sizes --


async def test_huge_windows_are_clamped_not_refused(classroom):
    conn = await classroom.connect("ana")
    _, term = await conn.create_session(  # asks for 9999x9999; the screen it reads is what the tutor draws: 300x100
        lambda: Terminal(300, 100), term_type="xterm", term_size=(9999, 9999), encoding=None
    )
    session = classroom.session_of("ana")
    assert session.size == (300, 100)
    screen = await term.wait_for(lambda s: s.splitlines()[-1].rstrip().endswith("palette"), timeout=40)
    assert screen.splitlines()[0].strip().startswith(BROWSER_TITLE)
    assert len(screen.splitlines()[-1].rstrip()) > 250  # the footer spans the 300 columns
    assert session.child.size == (300, 100)


async def test_a_resize_beyond_the_limit_is_clamped(classroom):
    _, term = await classroom.open("ana")
    await term.wait_for(BROWSER_TITLE)
    session = classroom.session_of("ana")
    term.screen.resize(100, 300)
    term.chan.change_terminal_size(5000, 4000)
    await term.wait_for(lambda s: len(s.splitlines()) == 100 and s.splitlines()[-1].rstrip().endswith("palette"))
    assert len(term.text().splitlines()[-1].rstrip()) > 250  # it drew 300 columns wide
    assert session.size == (300, 100)
    assert session.child.size == (300, 100)


# -- 3. before login --


IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)  # Linux 4.2+


def _connect_from(address: str, port: int) -> socket.socket:
    s = socket.socket()
    s.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)  # a port at connect(), not bind(): much quicker
    s.bind((address, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    return s


async def _crowd_then_student(server, count: int) -> float:
    """Hold `count` idle connections from 100 addresses, then log a student in; seconds to log in."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 500), hard))
    crowd = [_connect_from(f"127.0.1.{1 + i % 100}", server.port) for i in range(count)]
    try:
        start = time.monotonic()
        conn = await asyncssh.connect(
            "127.0.0.1", server.port, username="ana", known_hosts=None, agent_path=None, client_keys=[]
        )
        seconds = time.monotonic() - start
        _, term = await conn.create_session(lambda: Terminal(), term_type="xterm", term_size=(80, 24), encoding=None)
        await term.wait_for(BROWSER_TITLE)
        conn.close()
        return seconds
    finally:
        for s in crowd:
            s.close()


async def test_a_thousand_idle_connections_do_not_lock_the_class_out(server_process_factory):
    server = server_process_factory(nofile=(1024, 4096))
    assert server.open_file_limit() == 4096  # the server raised its own limit at start
    seconds = await _crowd_then_student(server, 1000)
    assert seconds < 5
    log = server.log()
    assert "Traceback" not in log
    assert log.count("too many connections waiting to log in") <= 2  # once a minute, not once per connection


async def test_running_out_of_file_descriptors_is_quiet_and_a_student_still_gets_in(server_process_factory):
    server = server_process_factory(nofile=(256, 256))  # it cannot raise this one
    assert server.open_file_limit() == 256
    seconds = await _crowd_then_student(server, 400)
    assert seconds < 5
    log = server.log()
    assert "Traceback" not in log and "Too many open files" not in log.replace("(Too many open files)", "")
    assert 1 <= log.count("open files") <= 4


async def test_a_connection_that_does_not_log_in_is_closed_after_the_login_timeout(classroom_factory):
    room = await classroom_factory(login_timeout=1.0)
    reader, writer = await asyncio.open_connection("127.0.0.1", room.server.port)
    started = time.monotonic()
    banner = await asyncio.wait_for(reader.readline(), 5)
    assert banner.startswith(b"SSH-2.0-BackpropTutor")
    while await asyncio.wait_for(reader.read(4096), 10):  # until the server closes it (EOF)
        pass
    assert 0.9 <= time.monotonic() - started < 5
    writer.close()
    assert len(room.server.pre_login) == 0


def test_the_pre_login_gate_caps_per_address_and_pushes_out_the_oldest():
    gate = PreLoginGate(total=3, per_address=2)
    assert gate.admit("a1", "10.0.0.1") == (True, None)
    assert gate.admit("a2", "10.0.0.1") == (True, None)
    assert gate.admit("a3", "10.0.0.1") == (False, None)  # a third from one address
    assert gate.admit("b1", "10.0.0.2") == (True, None)
    assert gate.admit("c1", "10.0.0.3") == (True, "a1")  # full: the oldest goes
    gate.leave("a2")
    assert gate.admit("a4", "10.0.0.1") == (True, None)
    assert len(gate) == 3


def test_failed_logins_wait_longer_and_longer_per_address():
    failures = FailedLogins(first_delay=1.0, most_delay=16.0)
    assert [failures.failed("10.0.0.1") for _ in range(7)] == [1, 2, 4, 8, 16, 16, 16]
    assert failures.failed("10.0.0.2") == 1  # another address starts afresh


async def test_five_failed_tries_close_the_connection(classroom, caplog):
    caplog.set_level(logging.INFO, logger="tutor.classroom")
    wrong = [asyncssh.generate_private_key("ssh-ed25519") for _ in range(8)]
    with pytest.raises((asyncssh.PermissionDenied, asyncssh.ConnectionLost, asyncssh.DisconnectError)):
        await classroom.connect("ana", client_keys=[*wrong, classroom.client_key])  # the right key comes too late
    assert "after 5 failed logins" in caplog.text
    conn = await classroom.connect("ana", client_keys=[*wrong[:4], classroom.client_key])  # 4 wrong: still fine
    conn.close()


async def test_wrong_passwords_from_one_address_are_answered_ever_more_slowly(classroom_factory):
    room = await classroom_factory(auth=Auth.class_password("secret"))
    times = []
    for _ in range(3):
        start = time.monotonic()
        with pytest.raises(asyncssh.PermissionDenied):
            await room.connect("ana", client_keys=[], password="wrong")
        times.append(time.monotonic() - start)
    assert times[2] > times[0] + 0.1  # 0.05 s, 0.1 s, 0.2 s (the test server's first delay is 0.05 s)


# -- 4. one seat per connection --


async def test_a_second_session_on_one_connection_is_refused(classroom):
    conn, term = await classroom.open("ana")
    await term.wait_for(BROWSER_TITLE)
    with pytest.raises(asyncssh.ChannelOpenError):
        await conn.create_session(lambda: Terminal(), term_type="xterm", term_size=(80, 24), encoding=None)
    assert len(classroom.server.sessions) == 1
    term.type("\r")  # the first one is unharmed
    await term.wait_for(LESSON_TITLE)


async def test_max_per_address(classroom_factory):
    room = await classroom_factory(max_per_address=1)
    _, ana = await room.open("ana")
    await ana.wait_for(BROWSER_TITLE)
    _, ben = await room.open("ben")
    assert await ben.wait_closed() == 1
    assert "at most 1 session from one address" in ben.text()
    pid = room.session_of("ana").child.pid
    assert process_alive(pid)


# -- 9. ports and addresses --


@pytest.mark.parametrize("kind", ["ssh", "web"])
def test_bad_ports_and_addresses_give_one_clear_line_and_status_2(kind, tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    in_use = busy.getsockname()[1]
    auth = ["--open"] if kind == "ssh" else []
    cases = {
        ("--port", "99999"): "--port 99999 is not a TCP port (1 to 65535)",
        ("--port", "-1"): "--port -1 is not a TCP port",
        ("--port", "65536"): "--port 65536 is not a TCP port",
        ("--port", str(in_use)): f"port {in_use} is in use",
        ("--host", "192.0.2.1", "--port", str(free_port())): "192.0.2.1 is not an address of this machine",
    }
    try:
        for options, expected in cases.items():
            argv = [sys.executable, "-m", "tutor", "serve", kind, *auth, "--data-dir", str(tmp_path), *options]
            result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            assert result.returncode == 2, result.stderr
            assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
            assert result.stdout == ""
    finally:
        busy.close()
