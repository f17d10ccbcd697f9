"""User names, the teacher's view, and the classroom command line."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons.catalog import load_catalog
from tutor.classroom import cli as classroom_cli
from tutor.classroom.teacher import format_table, read_students
from tutor.classroom.users import InvalidUserName, user_dir, user_name
from tutor.cli import build_parser

# -- user names --


@pytest.mark.parametrize("name", ["ana", "Ana", "_x", "ben.smith", "c-3po", "a" * 32, "student07"])
def test_good_names(name, tmp_path):
    assert user_name(name) == name.lower()
    assert user_dir(tmp_path, name) == tmp_path / "users" / name.lower()


@pytest.mark.parametrize(
    "name", ["", ".", "..", "../etc", "a/b", "/abs", "-rf", ".hidden", "1abc", "a" * 33, "zoë", "ana\n", "a b", "a\\b"]
)
def test_bad_names(name):
    with pytest.raises(InvalidUserName, match="not a valid name"):
        user_name(name)


@given(st.text(max_size=40))
def test_any_accepted_name_stays_one_folder_below_users(raw):
    try:
        name = user_name(raw)
    except InvalidUserName:
        return
    path = user_dir(Path("/srv/class"), raw)
    assert path.parent == Path("/srv/class/users")
    assert path.name == name and "/" not in name and name not in (".", "..")


def test_user_dir_is_made_private(tmp_path):
    path = user_dir(tmp_path, "Ana", create=True)
    assert path.is_dir() and path.name == "ana"
    assert (path.stat().st_mode & 0o777) == 0o700


# -- the teacher's view --


def _progress(folder: Path, data) -> None:
    folder.mkdir(parents=True)
    (folder / "progress.json").write_text(data if isinstance(data, str) else json.dumps(data))


def test_the_table_shows_lesson_step_and_completed_and_reports_damage(tmp_path, capsys):
    catalog = load_catalog()
    first, second = catalog.lessons[0], catalog.lessons[1]
    users = tmp_path / "users"
    _progress(
        users / "ana",
        {
            "version": 1,
            "last_lesson": second.id,
            "lessons": {first.id: {"status": "done", "step": 7}, second.id: {"status": "in_progress", "step": 3}},
        },
    )
    _progress(users / "ben", "{not json")
    _progress(users / "carl", {"version": 99, "lessons": {}})
    (users / "dora").mkdir()  # connected, never got past the first screen
    (users / "not a student").mkdir()  # not a name the server makes: ignored
    (users / "stray-file").write_text("x")

    students = read_students(tmp_path)
    assert [s.name for s in students] == ["ana", "ben", "carl", "dora"]
    table = format_table(students, catalog)
    rows = {line.split()[0]: line for line in table.splitlines()[1:]}
    assert table.splitlines()[0].split()[:3] == ["STUDENT", "LESSON", "STEP"]
    assert second.title[:20] in rows["ana"] and " 4 " in rows["ana"]
    assert f"1/{len(catalog.lessons)}" in rows["ana"] and first.id in rows["ana"]
    assert "damaged" in rows["ben"] and "not JSON" in rows["ben"]
    assert "damaged" in rows["carl"] and "version" in rows["carl"]
    assert f"0/{len(catalog.lessons)}" in rows["dora"]
    # The teacher's view never touches a student's file, damaged or not.
    assert (users / "ben" / "progress.json").read_text() == "{not json"
    assert sorted(p.name for p in (users / "ben").iterdir()) == ["progress.json"]

    args = build_parser().parse_args([])
    args.command, args.data_dir = "class", tmp_path
    assert classroom_cli.run(args) == 0
    out = capsys.readouterr().out
    assert "Students in" in out and "ana" in out and "could not be read: ben, carl" in out


def test_a_file_nested_too_deep_is_flagged_and_the_rest_of_the_class_listed(tmp_path, capsys):
    users = tmp_path / "users"
    _progress(users / "ana", {"version": 1, "last_lesson": None, "lessons": {}})
    _progress(users / "ben", "[" * 3000)
    (users / "carl").mkdir()
    (users / "carl" / "progress.json").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    args = argparse.Namespace(command="class", data_dir=tmp_path, lessons=[])
    assert classroom_cli.run(args) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if line.split()}
    assert "ana" in rows and "damaged" not in rows["ana"]
    assert "damaged" in rows["ben"] and "nested too deep" in rows["ben"]
    assert "damaged" in rows["carl"] and "not UTF-8" in rows["carl"]
    assert "could not be read: ben, carl" in out


def test_no_students_yet(tmp_path, capsys):
    args = argparse.Namespace(command="class", data_dir=tmp_path, lessons=[])
    assert classroom_cli.run(args) == 0
    assert "No students yet" in capsys.readouterr().out


# -- the command line --


def _parser() -> argparse.ArgumentParser:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "serve" not in sub.choices:  # until tutor.cli adds them itself
        classroom_cli.add_commands(sub)
    return parser


def test_the_commands_parse_with_their_defaults(tmp_path):
    args = _parser().parse_args(["serve", "ssh", "--open"])
    assert (args.command, args.serve_kind, args.host, args.port, args.max_sessions) == (
        "serve",
        "ssh",
        "127.0.0.1",
        2222,
        40,
    )
    args = _parser().parse_args(["--data-dir", str(tmp_path), "serve", "web"])  # the top-level option is kept
    assert (args.serve_kind, args.port, args.data_dir) == ("web", 8000, tmp_path)
    args = _parser().parse_args(["class", "--data-dir", str(tmp_path)])
    assert args.data_dir == tmp_path


def test_serve_web_takes_its_limits_and_refuses_bad_ones(tmp_path, capsys):
    origins = ["--allowed-origin", "https://a.example", "--allowed-origin", "http://b:81"]
    args = _parser().parse_args(["serve", "web", "--max-sessions", "5", *origins])
    assert (args.max_sessions, args.allowed_origin) == (5, ["https://a.example", "http://b:81"])
    assert _parser().parse_args(["serve", "web"]).max_sessions == 40
    refused = ((["--allowed-origin", "a.example/path"], "not an origin"), (["--max-sessions", "0"], "at least 1"))
    for bad, says in refused:
        args = _parser().parse_args(["serve", "web", "--data-dir", str(tmp_path), *bad])
        assert classroom_cli.run(args) == 2
        assert says in capsys.readouterr().err
    assert not (tmp_path / "users").exists()  # refused before anything started


def test_serve_ssh_refuses_to_start_without_a_way_to_log_in(tmp_path, capsys):
    args = _parser().parse_args(["serve", "ssh", "--data-dir", str(tmp_path)])
    assert classroom_cli.run(args) == 2
    err = capsys.readouterr().err
    assert "--authorized-keys" in err and "--password" in err and "--open" in err
    assert not (tmp_path / "ssh_host_ed25519_key").exists()


def test_the_password_never_comes_from_the_command_line(tmp_path, monkeypatch, capsys):
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "ssh", "--password", "hunter2"])
    monkeypatch.delenv(classroom_cli.PASSWORD_ENV, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO())  # no terminal to prompt on
    args = _parser().parse_args(["serve", "ssh", "--password", "--data-dir", str(tmp_path)])
    assert classroom_cli.run(args) == 2
    assert classroom_cli.PASSWORD_ENV in capsys.readouterr().err
    monkeypatch.setenv(classroom_cli.PASSWORD_ENV, "hunter2")
    auth = classroom_cli._auth(args)
    assert auth.mode == "password" and auth.password == "hunter2" and "hunter2" not in repr(auth)


def test_a_missing_authorized_keys_file_is_named(tmp_path, capsys):
    args = _parser().parse_args(["serve", "ssh", "--authorized-keys", str(tmp_path / "nope")])
    assert classroom_cli.run(args) == 2
    assert "no file" in capsys.readouterr().err


@pytest.mark.parametrize(("host", "says"), [("127.0.0.1", "only this machine"), ("0.0.0.0", "every network interface")])
def test_the_start_banner_tells_what_to_type_and_where_it_listens(host, says, tmp_path, capsys):
    from types import SimpleNamespace

    from tutor.classroom.ssh_server import Auth, ServerConfig

    config = ServerConfig(tmp_path, Auth.open(), host=host)
    server = SimpleNamespace(
        config=config, port=2222, fingerprint="SHA256:abc", host_key_created=True, host_key_path=tmp_path / "k"
    )
    classroom_cli._announce_ssh(server)
    out = capsys.readouterr().out
    assert says in out and "SHA256:abc" in out and "ssh -p 2222 NAME@" in out
