"""`python -m tutor.learner.capture_child FILE [--name NAME]`: run a learner's script, capture its graph.

Started by `tutor.learner.walk.capture_script` through `run_child`; reports
`{"capture": capture_graph(...)}` or `{"problem": "..."}` on the private
channel. An exception in the script itself is reported by `channel.serve`
as the learner's traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tutor.learner.capture import CaptureProblem, capture_graph, find_root
from tutor.learner.channel import serve
from tutor.learner.script import run_script


def main(argv: list[str]) -> dict:
    path, name = Path(argv[0]), None
    if len(argv) >= 3 and argv[1] == "--name":
        name = argv[2]
    scope = run_script(path)
    sys.stdout.flush()
    try:
        root, found = find_root(scope, name)
        return {"capture": capture_graph(root, found, root_name=found.split(" ")[0])}
    except CaptureProblem as exc:
        return {"problem": str(exc)}


if __name__ == "__main__":
    serve(main)
