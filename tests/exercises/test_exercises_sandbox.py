"""`exercises check --sandbox` end to end, and the classroom's --allow-code switch."""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from lessons.exercises import by_name
from tutor.classroom import cli as classroom_cli
from tutor.classroom.teacher import format_table, read_students
from tutor.exercises.workspace import lay_out
from tutor.learner.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
NO_SANDBOX = Sandbox.available()


@pytest.mark.skipif(NO_SANDBOX is not None, reason=f"bubblewrap cannot run here: {NO_SANDBOX}")
def test_check_sandbox_contains_writes_and_connections_and_still_judges(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    lay_out(folder, solved=True)
    outside = tmp_path / "outside.txt"  # tmp_path is not the workspace
    project_file = ROOT / "sandbox-was-here.txt"
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        port = server.getsockname()[1]
        attack = f"""
import socket
for target in ({str(outside)!r}, {str(project_file)!r}):
    try:
        open(target, "w").write("escaped")
    except OSError:
        pass
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(b"escaped")
except OSError:
    pass
"""
        (folder / "01-value.py").write_text(attack + by_name("01").solution, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "tutor", "--data-dir", str(tmp_path / "data"), "exercises", "check",
             str(folder), "01", "02", "--sandbox"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        server.setblocking(False)
        with pytest.raises(BlockingIOError):
            server.accept()  # nothing ever connected
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[:2] == ["✓ 01-value", "✓ 02-backward"]
    assert not outside.exists() and not project_file.exists()


def test_check_sandbox_says_why_when_there_is_none(tmp_path: Path, monkeypatch) -> None:
    from tutor.exercises import cli

    monkeypatch.setattr(Sandbox, "available", staticmethod(lambda: "bubblewrap is not installed"))
    lay_out(tmp_path / "ws")
    args = argparse.Namespace(rest=["check", str(tmp_path / "ws"), "--sandbox"], data_dir=tmp_path / "data")
    assert cli.run(args) == 2


def _serve_args(tmp_path: Path, allow: bool) -> argparse.Namespace:
    """`serve ssh` as the command line parses it."""
    from tutor.cli import build_parser

    argv = ["--data-dir", str(tmp_path), "serve", "ssh", "--open", "--port", "0"] + (["--allow-code"] if allow else [])
    return build_parser().parse_args(argv)


def test_allow_code_without_a_sandbox_refuses_to_start(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(Sandbox, "available", staticmethod(lambda: "bwrap cannot create its sandbox here: denied"))
    assert classroom_cli.run(_serve_args(tmp_path, allow=True)) == 2
    err = capsys.readouterr().err
    assert "--allow-code needs a working sandbox" in err and "denied" in err


def test_students_get_exercises_off_unless_allowed(tmp_path: Path) -> None:
    assert classroom_cli._tutor_args(_serve_args(tmp_path, allow=False))[-2:] == ["--code", "off"]
    assert classroom_cli._tutor_args(_serve_args(tmp_path, allow=True))[-2:] == ["--code", "sandbox"]


def test_teacher_view_counts_exercises_passed(tmp_path: Path) -> None:
    from lessons.catalog import load_catalog

    home = tmp_path / "users" / "ada"
    home.mkdir(parents=True)
    progress = {
        "version": 1,
        "last_lesson": None,
        "lessons": {},
        "exercises": {"01-value": {"passed": True, "hints_used": 2}, "02-backward": {"passed": False}},
    }
    (home / "progress.json").write_text(json.dumps(progress), encoding="utf-8")
    table = format_table(read_students(tmp_path), load_catalog())
    header, row = table.splitlines()
    assert "EXERCISES" in header
    assert row.split()[0] == "ada" and row[header.index("EXERCISES")] == "1"
