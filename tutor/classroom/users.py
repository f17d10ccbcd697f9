"""Student names and the folders their progress lives in.

A server's data directory holds the host key and one folder per student:

    <data-dir>/ssh_host_ed25519_key      (mode 600)
    <data-dir>/users/ana/progress.json   (the file `tutor.progress` writes)

A name is what the student typed before the `@` in `ssh ana@teacher-host`. It
is checked against a strict pattern before it is ever joined to a path, and
folded to lower case, so `Ana` and `ana` are the same student.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["NAME_RULE", "USERS_DIR", "InvalidUserName", "default_server_dir", "user_dir", "user_name"]

USERS_DIR = "users"
NAME_RULE = "a letter or _, then up to 31 letters, digits, _ . or -"
_NAME = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")


class InvalidUserName(ValueError):
    """A user name that cannot name a student's folder."""


def user_name(raw: str) -> str:
    """The student's canonical name (lower case), or `InvalidUserName`.

    >>> user_name("Ana")
    'ana'

    Refused, for example: `../etc`, `a/b`, `-rf`, `.hidden`, the empty name, a name
    with a newline or a space, and `zoë` (ASCII only).
    """
    name = raw.lower()
    # ASCII only (str.lower() and \w know other alphabets); fullmatch, because `$` also matches before a "\n".
    if not raw.isascii() or not _NAME.fullmatch(name):
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        raise InvalidUserName(f"{shown!r} is not a valid name: use {NAME_RULE}")
    return name


def user_dir(server_dir: Path, raw_name: str, *, create: bool = False) -> Path:
    """The folder of one student's progress; made (mode 700) when `create` is true."""
    path = Path(server_dir) / USERS_DIR / user_name(raw_name)
    if create:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
        os.utime(path)  # "last seen", for the teacher's view
    return path


def default_server_dir() -> Path:
    """Where a server keeps its host key and its students when no --data-dir is given."""
    from tutor.progress import default_data_dir

    return default_data_dir() / "classroom"
