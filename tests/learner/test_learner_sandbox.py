"""In the bubblewrap sandbox: the system is read-only, the workspace the only writable place, no network."""

from __future__ import annotations

import socket

import pytest
from learner_scripts import processes_mentioning, run_script, write

from tutor.learner.process import Limits
from tutor.learner.sandbox import Sandbox

WHY_NOT = Sandbox.available()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=f"bwrap cannot run here: {WHY_NOT}")


def test_the_workspace_is_writable_and_nothing_else_is(tmp_path):
    workspace, outside = tmp_path / "ws", tmp_path / "outside.txt"
    path = write(
        workspace,
        "writes.py",
        f"""
        open("inside.txt", "w").write("mine")
        for target in [{str(outside)!r}, "/var/tmp/learner-was-here", {str(workspace.parent / "sibling")!r}]:
            try:
                open(target, "w").write("escaped")
                print("wrote", target)
            except OSError as exc:
                print("refused", target, exc.strerror)
    """,
    )
    result = run_script(path, sandbox=Sandbox(workspace))
    assert result.outcome == "ok", result.message
    assert (workspace / "inside.txt").read_text() == "mine"
    assert not outside.exists()
    assert not (workspace.parent / "sibling").exists()
    assert "refused /var/tmp/learner-was-here Read-only file system" in result.stdout


def test_no_connection_to_a_port_on_loopback(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        path = write(
            tmp_path / "ws",
            "connects.py",
            f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=5)
                print("connected")
            except OSError as exc:
                print("no connection:", exc.strerror)
        """,
        )
        result = run_script(path, sandbox=Sandbox(tmp_path / "ws"))
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert result.outcome == "ok", result.message
    assert result.stdout.startswith("no connection:")


def test_a_fork_loop_is_contained_and_nothing_is_left_running(tmp_path):
    path = write(
        tmp_path / "ws",
        "forks.py",
        """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                open("refused", "w").close()
    """,
    )
    result = run_script(path, Limits(seconds=2, max_processes=16), sandbox=Sandbox(tmp_path / "ws"))
    assert result.outcome == "timeout"
    assert processes_mentioning(str(path)) == []


def test_ten_gigabytes_and_a_script_that_never_ends_are_stopped(tmp_path):
    greedy = write(tmp_path / "ws", "greedy.py", "hoard = bytearray(10 * 1024**3)\n")
    sleeper = "import subprocess\nsubprocess.Popen(['sleep', '987.654'])\nwhile True:\n    pass\n"
    forever = write(tmp_path / "ws", "forever.py", sleeper)
    assert run_script(greedy, sandbox=Sandbox(tmp_path / "ws")).outcome == "memory"
    result = run_script(forever, Limits(seconds=2), sandbox=Sandbox(tmp_path / "ws"))
    assert result.outcome == "timeout"
    assert processes_mentioning(str(forever)) == []
    assert processes_mentioning("sleep 987.654") == []


def test_an_exception_inside_the_sandbox_still_points_at_the_learners_line(tmp_path):
    path = write(tmp_path / "ws", "raises.py", "x = 1\ny = x / 0\n")
    result = run_script(path, sandbox=Sandbox(tmp_path / "ws"))
    assert result.outcome == "error"
    assert f'File "{path.resolve()}", line 2, in <module>' in result.message
