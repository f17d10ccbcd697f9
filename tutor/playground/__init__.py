"""The playground: type a small program, see its graph, step its backward pass.

The language is read by a whitelist (`program.py`) and never run as Python.
This package has no Textual import; the screen lives with the app.
"""

from tutor.playground import program
from tutor.playground.program import *  # noqa: F403  (the package's API is the parser's)

__all__ = program.__all__
