"""`python -m tutor.learner.script_child FILE`: run a learner's script; report the names it defined.

The smallest child for `run_child`: it proves the script ran to its end.
"""

from __future__ import annotations

from pathlib import Path

from tutor.learner.channel import serve
from tutor.learner.script import run_script


def main(argv: list[str]) -> dict[str, object]:
    scope = run_script(Path(argv[0]), argv[1:])
    return {"finished": True, "names": sorted(k for k in scope if not k.startswith("__"))}


if __name__ == "__main__":
    serve(main)
