"""The command line's conventions: --version, bad folders, themes and ids refused with exit 2, `play -...`."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tutor.cli import main, starting_theme

BROKEN_LESSON = "from lessons.api import lesson\n\nraise RuntimeError('broken on purpose')\n"


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == "tutor (backprop-tutor) 0.1.0"


@pytest.mark.parametrize("command", [["list"], ["check"], ["play", "a = 2"], ["class"], []])
def test_a_missing_lesson_folder_is_an_error_for_every_command(command, tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["--data-dir", str(tmp_path), "--lessons", str(missing), *command]) == 2
    err = capsys.readouterr().err
    assert f"{missing}: no such folder" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder, so no folder is unreadable")
def test_an_unreadable_lesson_folder_is_an_error(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0)
    try:
        assert main(["--lessons", str(locked), "list"]) == 2
    finally:
        locked.chmod(0o700)
    assert "permission denied" in capsys.readouterr().err


def test_a_folder_with_a_broken_lesson_is_an_error_but_check_says_1(tmp_path, capsys):
    (tmp_path / "broken.py").write_text(BROKEN_LESSON)
    assert main(["--lessons", str(tmp_path), "list"]) == 2
    assert f"{tmp_path / 'broken.py'}:3: RuntimeError: broken on purpose" in capsys.readouterr().err
    assert main(["check", "--jobs", "1", str(tmp_path)]) == 1
    assert "broken on purpose" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["list"], ["play", "a = 2"], ["check", "."], []])
def test_an_unknown_theme_is_refused_for_every_command(command, capsys):
    assert main(["--theme", "no-such-theme", *command]) == 2
    assert "no theme 'no-such-theme'" in capsys.readouterr().err


def test_an_empty_lesson_id_is_refused(capsys):
    assert main(["--lesson", "", "list"]) == 2
    assert "--lesson needs a lesson id" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["play", "-2**0.5"], ["play", "--steps", "-2**0.5"], ["play", "--", "-2**0.5"]])
def test_a_program_starting_with_a_minus_is_played(argv, capsys):
    assert main(argv) == 0
    assert "data -1.414" in capsys.readouterr().out


def test_the_theme_chosen_last_is_the_starting_theme_unless_one_is_asked(tmp_path):
    from tutor.settings import remember_theme

    assert starting_theme(None, tmp_path) is None
    assert remember_theme(tmp_path, "nord") is None
    assert starting_theme(None, tmp_path) == "nord"
    assert starting_theme("dracula", tmp_path) == "dracula"
    (tmp_path / "settings.json").write_text('{"theme": "gone-from-textual"}')
    assert starting_theme(None, tmp_path) is None
    (tmp_path / "settings.json").write_text("[" * 3000)
    assert starting_theme(None, tmp_path) is None


async def test_a_theme_chosen_in_the_app_is_remembered_beside_the_progress(make_app, tmp_path):
    app = make_app(data_dir=tmp_path, theme="textual-dark")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert not (tmp_path / "settings.json").exists()  # the starting theme is not a choice
        app.theme = "nord"  # what the command palette's "Change theme" does
        await pilot.pause()
    assert starting_theme(None, tmp_path) == "nord"


def test_the_console_script_is_backprop_tutor_and_not_tutor():
    scripts = Path(sys.executable).parent
    result = subprocess.run(
        [scripts / "backprop-tutor", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0 and "backprop-tutor" in result.stdout
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    scripts_table = pyproject.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    assert textwrap.dedent(scripts_table).strip() == 'backprop-tutor = "tutor.cli:main"'
