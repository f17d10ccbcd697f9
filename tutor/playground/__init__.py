"""The playground: type a small program, see its graph, step its backward pass.

The language is read by a whitelist (`program.py`) and never run as Python; `cli.py` prints a program's
graph and grads for `python -m tutor play`. This package has no Textual import; the screen lives with the app.
"""
