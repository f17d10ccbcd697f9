"""The SSH server, end to end: asyncssh's client on 127.0.0.1, real tutor processes, the screen read with pyte."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
from pathlib import Path

import asyncssh
import pytest
from classroom_client import (
    BROWSER_TITLE,
    LESSON_TITLE,
    Terminal,
    group_members,
    process_alive,
    wait_for_file,
    wait_gone,
)

from lessons.catalog import load_catalog
from tutor.classroom.ssh_server import HOST_KEY_FILE, Auth


async def test_key_login_shows_the_browser_keys_move_it_and_disconnect_reaps_the_tutor(classroom):
    conn, term = await classroom.open("ana", cols=90, rows=28)
    screen = await term.wait_for(BROWSER_TITLE)
    assert screen.splitlines()[0].strip().startswith(BROWSER_TITLE)
    session = classroom.session_of("ana")
    pid = session.child.pid
    assert process_alive(pid)

    term.type("\r")  # Enter opens the first lesson
    screen = await term.wait_for(LESSON_TITLE)
    assert "step 1/" in screen.splitlines()[0]

    term.type("n")  # next step
    await term.wait_for("step 2/")

    conn.close()
    await asyncio.wait_for(session.wait_closed(), 10)
    assert not process_alive(pid)
    assert group_members(pid) == []  # nothing the tutor started is left either
    assert not classroom.server.sessions


async def test_resize_reaches_the_tutor(classroom):
    _, term = await classroom.open("ana", cols=80, rows=24)
    await term.wait_for(BROWSER_TITLE)
    session = classroom.session_of("ana")

    term.resize(120, 30)
    # The footer's palette hint sits at the right edge: it moves to the new edge when the tutor redraws.
    await term.wait_for(lambda s: len(s.splitlines()) == 30 and s.splitlines()[-1].rstrip().endswith("palette"))
    assert len(term.text().splitlines()[-1].rstrip()) > 100
    assert session.size == (120, 30)

    term.resize(60, 20)
    # at 60 columns the key bar has no room for the palette hint: 20 rows, with the key bar in the last
    await term.wait_for(lambda s: s.count("\n") == 19 and s.splitlines()[-1].rstrip().endswith("Quit"))
    term.type("\r")
    await term.wait_for(LESSON_TITLE)


@pytest.mark.parametrize("use_zygote", [True, False], ids=["zygote", "fresh-process"])
async def test_the_tutor_gets_the_clients_term_and_a_clean_environment(classroom_factory, monkeypatch, use_zygote):
    monkeypatch.setenv("TUTOR_CLASS_PASSWORD", "secret")
    room = await classroom_factory(zygote=use_zygote)
    assert (room.server.zygote is not None) == use_zygote
    _, term = await room.open("ana", term="xterm-16color")
    _, ben = await room.open("ben", term="xterm-256color")
    await term.wait_for(BROWSER_TITLE)
    await ben.wait_for(BROWSER_TITLE)
    # The tutor draws for the terminal it was told of: 16 colours for one, 256 for the other.
    assert b"\x1b[38;5;" not in term.raw and b"\x1b[38;2;" not in term.raw and b"\x1b[3" in term.raw
    assert b"\x1b[38;5;" in ben.raw or b"\x1b[38;2;" in ben.raw
    pid = room.session_of("ana").child.pid
    processes = [pid] + ([room.server.zygote.process.pid] if use_zygote else [])
    for process in processes:  # nothing of the server's environment reaches a tutor
        environ = Path(f"/proc/{process}/environ").read_bytes()
        assert b"TUTOR_CLASS_PASSWORD" not in environ and b"secret" not in environ
        assert b"COLORTERM" not in environ
    if not use_zygote:  # a forked child keeps its parent's /proc environ: only a fresh process shows its own
        assert b"TERM=xterm-16color\0" in Path(f"/proc/{pid}/environ").read_bytes()
    assert os.readlink(f"/proc/{pid}/cwd") == str(room.server.config.data_dir / "users" / "ana")


async def test_progress_is_kept_per_user_and_a_reconnect_resumes(classroom):
    data = classroom.server.config.data_dir
    conn, term = await classroom.open("Ana")  # names are folded to lower case
    await term.wait_for(BROWSER_TITLE)
    term.type("\r")
    await term.wait_for(LESSON_TITLE)
    term.type("n")
    await term.wait_for("step 2/")
    progress = data / "users" / "ana" / "progress.json"
    first = load_catalog().lessons[0].id  # Enter opened the first lesson of the list
    text = await wait_for_file(progress, lambda t: json.loads(t)["lessons"].get(first, {}).get("step") == 1)
    saved = json.loads(text)
    assert saved["last_lesson"] == first
    assert saved["lessons"][first]["step"] == 1
    session = classroom.session_of("ana")
    conn.close()
    await session.wait_closed()

    _, ben = await classroom.open("ben")  # another student starts afresh
    await ben.wait_for(BROWSER_TITLE)
    assert "Welcome back" not in ben.text()

    _, again = await classroom.open("ana")
    await again.wait_for("Welcome back")
    again.type("y")
    await again.wait_for("step 2/")
    assert sorted(p.name for p in (data / "users").iterdir()) == ["ana", "ben"]


async def test_wrong_key_and_unknown_user_key_are_rejected(classroom, other_key):
    with pytest.raises(asyncssh.PermissionDenied):
        await classroom.connect("ana", client_keys=[other_key])
    with pytest.raises(asyncssh.PermissionDenied):
        await classroom.connect("ana", client_keys=[], password="anything")
    assert not (classroom.server.config.data_dir / "users" / "ana").exists()


async def test_password_login(classroom_factory):
    room = await classroom_factory(auth=Auth.class_password("correct horse"))
    with pytest.raises(asyncssh.PermissionDenied):
        await room.connect("ana", client_keys=[], password="wrong")
    with pytest.raises(asyncssh.PermissionDenied):
        await room.connect("ana", password="wrong")  # a key is no use either
    _, term = await room.open("ana", client_keys=[], password="correct horse")
    await term.wait_for(BROWSER_TITLE)


async def test_open_server_needs_no_credentials(classroom_factory):
    room = await classroom_factory(auth=Auth.open())
    _, term = await room.open("ana", client_keys=[])
    await term.wait_for(BROWSER_TITLE)


async def test_no_pty_exec_subsystems_and_forwarding_are_refused(classroom, caplog):
    caplog.set_level(logging.INFO, logger="tutor.classroom")
    conn = await classroom.connect("ana")
    with pytest.raises(asyncssh.ChannelOpenError):  # a shell without a terminal
        await conn.create_session(Terminal, encoding=None)
    with pytest.raises(asyncssh.ChannelOpenError):  # a command, even with a terminal
        await conn.create_session(Terminal, "sh -c id", term_type="xterm", encoding=None)
    with pytest.raises(asyncssh.ChannelOpenError):
        await conn.run("id")
    with pytest.raises(asyncssh.ChannelOpenError):  # scp (the old protocol is a command)
        await conn.run("scp -t /tmp")
    with pytest.raises((asyncssh.ChannelOpenError, asyncssh.SFTPError)):  # sftp, and scp over sftp
        await conn.start_sftp_client()
    with pytest.raises(asyncssh.ChannelOpenError):  # ssh -L
        await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", classroom.server.port)
    with pytest.raises(asyncssh.ChannelListenError):  # ssh -R
        await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 9)
    with pytest.raises(asyncssh.ChannelOpenError):  # a Unix socket, e.g. -L to the Docker socket
        await conn.create_unix_connection(asyncssh.SSHTCPSession, "/var/run/docker.sock")
    assert not classroom.server.sessions  # none of that started a tutor
    logged = caplog.text
    for what in ("no terminal", "command 'sh -c id'", "subsystem 'sftp'", "port forwarding", "remote forwarding"):
        assert f"refused {what}" in logged


async def test_a_log_line_for_every_connect_and_disconnect(classroom, caplog):
    caplog.set_level(logging.INFO, logger="tutor.classroom")
    conn, term = await classroom.open("ana", cols=100, rows=30)
    await term.wait_for(BROWSER_TITLE)
    session = classroom.session_of("ana")
    conn.close()
    await session.wait_closed()
    connect, disconnect = (r.getMessage() for r in caplog.records if r.getMessage().startswith(("connect", "disc")))
    assert connect.startswith("connect ana from 127.0.0.1:") and "xterm-256color 100x30" in connect
    assert disconnect.startswith("disconnect ana from 127.0.0.1:") and "100x30" in disconnect


async def test_agent_and_x11_forwarding_are_refused(classroom, tmp_path):
    conn, term = await classroom.open("ana", agent_forwarding=True, agent_path=str(tmp_path / "no-agent"))
    await term.wait_for(BROWSER_TITLE)
    session = classroom.session_of("ana")
    assert session.chan.get_agent_path() is None  # no agent socket was made for this session
    environ = Path(f"/proc/{session.child.pid}/environ").read_bytes()
    assert b"SSH_AUTH_SOCK" not in environ and b"DISPLAY" not in environ
    with pytest.raises(asyncssh.ChannelOpenError):
        await conn.create_session(
            Terminal, term_type="xterm", encoding=None, x11_forwarding=True, x11_display="127.0.0.1:0"
        )


async def test_invalid_user_names_are_refused(classroom):
    data = classroom.server.config.data_dir
    for bad in ("../etc", "a/b", "-rf", ".hidden", "x" * 40, "zoë"):
        conn, term = await classroom.open(bad)
        status = await term.wait_closed()
        assert status == 1
        assert "is not a valid name" in term.text()
        conn.close()
    assert list((data / "users").iterdir()) == []
    assert sorted(p.name for p in data.iterdir()) == [HOST_KEY_FILE, "users"]


async def test_max_sessions_turns_the_next_student_away_kindly(classroom_factory):
    room = await classroom_factory(max_sessions=2)
    terms = [(await room.open(name))[1] for name in ("ana", "ben")]
    for term in terms:
        await term.wait_for(BROWSER_TITLE)
    _, carl = await room.open("carl")
    assert await carl.wait_closed() == 1
    assert "the class is full" in carl.text()
    assert len(room.server.sessions) == 2

    ana = room.session_of("ana")
    terms[0].type("q")  # ana quits: her place is free again
    assert await terms[0].wait_closed() == 0
    await asyncio.wait_for(ana.wait_closed(), 10)
    _, dora = await room.open("dora")
    await dora.wait_for(BROWSER_TITLE)


async def test_idle_sessions_are_closed_with_a_message(classroom_factory):
    room = await classroom_factory(idle_timeout=2.0)
    _, term = await room.open("ana")
    await term.wait_for(BROWSER_TITLE)
    pid = room.session_of("ana").child.pid
    assert await term.wait_closed(timeout=15) == 0
    assert "without a key press" in term.text()
    assert "progress is saved" in term.text()
    await wait_gone(pid)
    assert not process_alive(pid)


async def test_stopping_the_server_ends_every_tutor(classroom):
    terms = [(await classroom.open(name))[1] for name in ("ana", "ben")]
    for term in terms:
        await term.wait_for(BROWSER_TITLE)
    pids = [s.child.pid for s in classroom.server.sessions]
    await classroom.server.close()
    for term in terms:
        await term.wait_closed()
        assert "The teacher stopped the server" in term.text()
    assert not any(process_alive(pid) for pid in pids)


async def test_twenty_students_at_once_each_get_a_working_tutor(classroom):
    names = [f"student{i:02}" for i in range(20)]
    opened = await asyncio.gather(*(classroom.open(name) for name in names))
    terms = [term for _, term in opened]
    await asyncio.gather(*(term.wait_for(BROWSER_TITLE, timeout=60) for term in terms))
    assert len({s.child.pid for s in classroom.server.sessions}) == 20
    for term in terms:
        term.type("\r")
    await asyncio.gather(*(term.wait_for(LESSON_TITLE, timeout=30) for term in terms))
    sessions = list(classroom.server.sessions)
    pids = [s.child.pid for s in sessions]
    for conn, _ in opened:
        conn.close()
    await asyncio.gather(*(s.wait_closed() for s in sessions))
    assert not any(process_alive(pid) for pid in pids)
    assert sorted(p.name for p in (classroom.server.config.data_dir / "users").iterdir()) == names


async def test_host_key_is_made_once_with_mode_600(classroom_factory, tmp_path):
    first = await classroom_factory()
    fingerprint = first.server.fingerprint
    path = tmp_path / "server" / HOST_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    await first.server.close()
    second = await classroom_factory()
    assert second.server.fingerprint == fingerprint
    assert not second.server.host_key_created
    conn = await second.connect("ana")
    assert conn.get_server_host_key().get_fingerprint() == fingerprint
