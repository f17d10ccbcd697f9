"""A class larger than one machine: two tutor servers behind HAProxy (TCP mode), on loopback.

    python benchmarks/haproxy_two_servers.py            # 6 students
    python benchmarks/haproxy_two_servers.py --students 10

Starts two SSH classroom servers (each with its own data folder, as two machines
would have), and HAProxy in front of them with the configuration that
docs/teaching.md recommends: TCP mode, least connections for a new student, and a
stick table on the source address so a student who reconnects lands on the box
that holds their progress. Each student connects from their own loopback address
(127.0.2.N, as laptops in a classroom have their own), opens the first lesson,
steps to step 2 and leaves; then connects again and must be welcomed back on the
same box and resume at step 2. Prints a table and exits 1 if any student did not
resume, or if the students did not land on both boxes.

Needs HAProxy (`apt-get install haproxy`); without it the script says so and exits 0.
Needs the `classroom` and `test` extras (asyncssh, pyte).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tutor.classroom.ssh_server import Auth, ClassroomServer, ServerConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ssh_sessions import BROWSER_TITLE, Screen  # the same scripted terminal as the session benchmark

HAPROXY_CONFIG = """\
global
    maxconn 2000

defaults
    mode tcp
    timeout connect 5s
    timeout client 2h
    timeout server 2h

frontend tutor
    bind 127.0.0.1:{port}
    tcp-request connection track-sc0 src table tutors
    tcp-request connection reject if {{ sc0_conn_cur gt 20 }}
    default_backend tutors

backend tutors
    balance leastconn
    stick-table type ip size 100k expire 12h store conn_cur
    stick on src
{servers}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_listening(port: int, process: subprocess.Popen, timeout: float = 10) -> None:
    """Until something accepts on 127.0.0.1:port (HAProxy has no 'ready' line in the foreground)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("HAProxy did not start") from None
            await asyncio.sleep(0.05)


async def saved_step(data_dirs: list[Path], name: str, step: int, timeout: float = 10) -> None:
    """Until one box has saved `name` at `step` (the tutor saves as the student goes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for data_dir in data_dirs:
            path = data_dir / "users" / name / "progress.json"
            with contextlib.suppress(OSError, ValueError):
                lessons = json.loads(path.read_text()).get("lessons", {})
                if any(entry.get("step") == step for entry in lessons.values()):
                    return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{name}'s progress was not saved")


async def visit(port: int, name: str, address: str, servers: list[ClassroomServer], again: bool) -> int:
    """One visit through HAProxy; the index of the box it landed on."""
    conn = await asyncssh.connect(
        "127.0.0.1",
        port,
        username=name,
        local_addr=(address, 0),
        known_hosts=None,
        agent_path=None,
        client_keys=[],
    )
    _, screen = await conn.create_session(Screen, term_type="xterm-256color", term_size=(80, 24), encoding=None)
    assert screen.chan is not None
    if again:
        await screen.wait_for("Welcome back")
        screen.chan.write(b"y")
        await screen.wait_for("step 2/")
    else:
        await screen.wait_for(BROWSER_TITLE)
        screen.chan.write(b"\r")
        await screen.wait_for("step 1/")
        screen.chan.write(b"n")
        await screen.wait_for("step 2/")
    box = next(i for i, server in enumerate(servers) if any(s.name == name for s in server.sessions))
    if not again:
        await saved_step([server.config.data_dir for server in servers], name, 1)
    conn.close()
    return box


async def run(students: int) -> int:
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if haproxy is None:
        print("skipped: HAProxy is not installed (apt-get install haproxy)")
        return 0
    with tempfile.TemporaryDirectory(prefix="tutor-haproxy-") as tmp:
        servers = [
            ClassroomServer(ServerConfig(data_dir=Path(tmp) / f"box{i}", auth=Auth.open(), port=0, idle_timeout=0))
            for i in range(2)
        ]
        for server in servers:
            await server.start()
        port = free_port()
        lines = "\n".join(f"    server box{i} 127.0.0.1:{s.port} check" for i, s in enumerate(servers))
        config = Path(tmp) / "haproxy.cfg"
        config.write_text(HAPROXY_CONFIG.format(port=port, servers=lines))
        proxy = subprocess.Popen([haproxy, "-db", "-f", str(config)], stderr=subprocess.PIPE)
        try:
            await wait_listening(port, proxy)
            names = [f"student{i}" for i in range(students)]
            addresses = [f"127.0.2.{i + 1}" for i in range(students)]
            first = await asyncio.gather(*(visit(port, n, a, servers, False) for n, a in zip(names, addresses)))
            for server in servers:  # everyone has left: wait until their tutors are reaped
                await asyncio.gather(*(s.wait_closed() for s in list(server.sessions)))
            second = await asyncio.gather(*(visit(port, n, a, servers, True) for n, a in zip(names, addresses)))
        finally:
            proxy.terminate()
            proxy.wait(10)
            for server in servers:
                await server.close()
    print("| student | from | first visit on | reconnect on | resumed at step 2 |")
    print("|---|---|---|---|---|")
    for name, address, a, b in zip(names, addresses, first, second):
        print(f"| {name} | {address} | box{a} | box{b} | {'yes' if a == b else 'NO'} |")
    both = len(set(first)) == 2
    resumed = first == second
    print(
        f"\nlanded on both boxes: {'yes' if both else 'NO'}; every student resumed on their box: "
        f"{'yes' if resumed else 'NO'}"
    )
    return 0 if both and resumed else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=6, help="how many students (default 6, at most 250)")
    args = parser.parse_args(argv)
    return asyncio.run(run(max(2, min(args.students, 250))))


if __name__ == "__main__":
    sys.exit(main())
