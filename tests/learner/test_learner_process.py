"""Learner code runs in a child process with limits, and reports only on its private channel."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from learner_scripts import processes_mentioning, run_script, write

from tutor.learner.pids_limit import PidsGroup
from tutor.learner.process import Limits


def test_a_script_that_finishes_reports_ok_and_its_output_apart(tmp_path):
    path = write(
        tmp_path,
        "ok.py",
        """
        x = 2
        print("hello from the learner")
    """,
    )
    result = run_script(path)
    assert result.outcome == "ok", result.message
    assert result.result == {"finished": True, "names": ["x"]}
    assert result.stdout == "hello from the learner\n"
    assert result.message == ""


def test_the_script_folder_is_importable_but_cannot_shadow_the_tutor(tmp_path):
    write(tmp_path, "json.py", "raise RuntimeError('the learner json.py was imported by the tutor')\n")
    write(tmp_path, "engine_mine.py", "class Value:\n    pass\n")
    path = write(tmp_path, "uses.py", "from engine_mine import Value\nv = Value()\n")
    result = run_script(path)
    assert result.outcome == "ok", result.message


def test_timeout_kills_the_child_and_what_it_started(tmp_path):
    path = write(
        tmp_path,
        "forever.py",
        """
        import subprocess
        sleeper = subprocess.Popen(["sleep", "1000"])
        open("sleeper.pid", "w").write(str(sleeper.pid))
        while True:
            pass
    """,
    )
    result = run_script(path, Limits(seconds=2))
    assert result.outcome == "timeout"
    assert "longer than 2 s" in result.message
    sleeper = int((tmp_path / "sleeper.pid").read_text())
    stat = Path(f"/proc/{sleeper}/stat")
    state = stat.read_text().rsplit(")", 1)[1].split()[0] if stat.exists() else ""
    assert state in ("", "Z"), f"the sleeper {sleeper} is still running"
    assert processes_mentioning(str(path)) == []


def test_allocating_ten_gigabytes_is_stopped_with_a_clear_message(tmp_path):
    path = write(tmp_path, "greedy.py", "hoard = bytearray(10 * 1024**3)\n")
    result = run_script(path)
    assert result.outcome == "memory"
    assert "more than 1 GiB of memory" in result.message


def test_a_syntax_error_points_at_the_learners_line(tmp_path):
    path = write(
        tmp_path,
        "broken.py",
        """
        a = 1
        b = 2
        c = (a +
    """,
    )
    result = run_script(path)
    assert result.outcome == "error"
    assert f'File "{path}", line 3' in result.message
    assert "SyntaxError" in result.message
    assert "tutor/learner" not in result.message


def test_an_exception_is_trimmed_to_the_learners_frames(tmp_path):
    path = write(
        tmp_path,
        "raises.py",
        """
        def slope(x):
            return 1 / x
        slope(0)
    """,
    )
    result = run_script(path)
    assert result.outcome == "error"
    assert f'File "{path}", line 2, in slope' in result.message
    assert f'File "{path}", line 3, in <module>' in result.message
    assert result.message.endswith("ZeroDivisionError: division by zero")
    assert "tutor" not in result.message.replace(str(tmp_path), "")


@pytest.mark.parametrize(
    "source",
    [
        "import sys\nprint('passed')\nsys.exit(0)\n",
        "import os\nprint('passed', flush=True)\nos._exit(0)\n",
        "raise SystemExit(0)\n",
        'print(\'{"kind": "ok", "result": {"finished": true, "names": []}}\')\nimport os\nos._exit(0)\n',
    ],
    ids=["sys.exit", "os._exit", "SystemExit", "fake-json-on-stdout"],
)
def test_ending_the_process_at_import_or_printing_passed_gives_no_result(tmp_path, source):
    path = write(tmp_path, "cheat.py", source)
    result = run_script(path)
    assert result.outcome == "no-result"
    assert result.result is None
    assert "sys.exit()" in result.message


def test_a_crash_is_reported_as_one(tmp_path):
    path = write(tmp_path, "crash.py", "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    result = run_script(path)
    assert result.outcome == "crash"
    assert "SIGSEGV" in result.message


def _can_limit_processes() -> str | None:
    if os.geteuid() != 0:
        return None  # RLIMIT_NPROC binds
    group = PidsGroup.create(8)
    if group is None:
        return "running as root without a pids cgroup: nothing could stop a fork loop but the timeout"
    group.remove()
    return None


FORK_LOOP = """
    import os
    while True:
        try:
            os.fork()
        except OSError:
            open("refused", "w").close()
"""


@pytest.mark.skipif(_can_limit_processes() is not None, reason=str(_can_limit_processes()))
def test_a_fork_loop_is_contained_and_nothing_is_left_running(tmp_path):
    path = write(tmp_path, "forks.py", FORK_LOOP)
    result = run_script(path, Limits(seconds=2, max_processes=16))
    assert result.outcome == "timeout"
    assert (tmp_path / "refused").exists(), "the process limit never refused a fork"
    assert processes_mentioning(str(path)) == []


def test_output_beyond_the_limit_is_dropped_and_noted(tmp_path):
    path = write(tmp_path, "chatty.py", "for i in range(200_000):\n    print('line', i)\n")
    result = run_script(path, Limits(output_bytes=10_000))
    assert result.outcome == "ok"
    assert result.stdout.startswith("line 0\nline 1\n")
    assert "more bytes of output were dropped" in result.stdout
    assert len(result.stdout) < 10_200


def test_json_written_on_some_descriptor_by_the_learners_code_is_not_a_result(tmp_path):
    path = write(
        tmp_path,
        "forger.py",
        """
        import json, os
        fake = json.dumps({"kind": "ok", "result": {"finished": True, "names": []}}).encode()
        for fd in range(3, 64):
            try:
                os.write(fd, fake)
            except OSError:
                pass
        os._exit(0)
    """,
    )
    result = run_script(path)
    assert result.outcome == "no-result"
    assert result.result is None
