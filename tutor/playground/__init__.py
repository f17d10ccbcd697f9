"""The playground: type a small program, see its graph, step its backward pass.

The language is read by a whitelist (`program.py`) and never run as Python.
This package has no Textual import; the screen lives with the app.
"""

from tutor.playground.program import (
    DEFAULT_LIMITS,
    FUNCTIONS,
    Built,
    GradCheck,
    Limits,
    Program,
    ProgramError,
    Statement,
    gradient_check,
    parse,
    run,
)

__all__ = [
    "DEFAULT_LIMITS",
    "FUNCTIONS",
    "Built",
    "GradCheck",
    "Limits",
    "Program",
    "ProgramError",
    "Statement",
    "gradient_check",
    "parse",
    "run",
]
