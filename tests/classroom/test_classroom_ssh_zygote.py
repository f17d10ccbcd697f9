"""Sessions forked from the zygote: quick, and never left behind, even when the server is killed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import asyncssh
import pytest
from classroom_client import BROWSER_TITLE, LESSON_TITLE, Terminal, children_of, wait_gone

from lessons.catalog import load_catalog


async def test_sessions_are_forked_by_the_zygote_in_their_own_session(classroom):
    _, term = await classroom.open("ana")
    await term.wait_for(BROWSER_TITLE)
    pid = classroom.session_of("ana").child.pid
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    assert int(fields[1]) == classroom.server.zygote.process.pid  # its parent is the zygote
    assert int(fields[2]) == pid and int(fields[3]) == pid  # leader of its own group and session
    term.type("\r")
    await term.wait_for(LESSON_TITLE)


async def test_killing_the_server_with_sigkill_leaves_no_tutor_behind(server_process_factory):
    server = server_process_factory()
    conn = await asyncssh.connect(
        "127.0.0.1", server.port, username="ana", known_hosts=None, agent_path=None, client_keys=[]
    )
    _, term = await conn.create_session(lambda: Terminal(), term_type="xterm", term_size=(80, 24), encoding=None)
    await term.wait_for(BROWSER_TITLE)
    (zygote,) = children_of(server.pid)
    (tutor,) = children_of(zygote)

    server.proc.send_signal(signal.SIGKILL)
    await asyncio.gather(wait_gone(zygote), wait_gone(tutor))
    await term.wait_closed()
    conn.close()


async def test_the_zygote_runs_a_tutor_command_with_pipes_like_a_subprocess(zygote, tmp_path):
    """What `serve web` uses: `python -m tutor ARGS` forked with pipes, read like an asyncio subprocess."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    process = await zygote.spawn_process([sys.executable, "-m", "tutor", "list"], env=env, cwd=tmp_path)
    out = await asyncio.wait_for(process.stdout.read(), 20)
    assert await asyncio.wait_for(process.wait(), 10) == 0
    first = load_catalog().lessons[0]
    assert out.decode().splitlines()[0].startswith(first.id)
    with pytest.raises(ValueError):
        await zygote.spawn_process(["sh", "-c", "id"], env=env)  # it only ever runs the tutor
