"""Classroom: serve the tutor to a whole class from one machine.

- `ssh_server`: `python -m tutor serve ssh`, one tutor process per SSH session on its own PTY;
- `web_server`: `python -m tutor serve web`, the tutor in a browser tab through textual-serve;
- `teacher`: `python -m tutor class`, the table of students and their progress;
- `users`: user names and where each student's progress lives;
- `cli`: the subcommands, wired into `tutor.cli`.

This package imports nothing heavy at the top: `tutor.classroom.child` is the entry
point of every student's process, and asyncssh/textual-serve are an optional extra
(`pip install backprop-tutor[classroom]`).
"""
