"""`python -m tutor` collects garbage less often than Python's default: training makes no cycles."""

from __future__ import annotations

import json
import subprocess
import sys

from tutor.gc_settings import FIRST_GENERATION


def test_the_tutors_process_raises_the_first_threshold_and_keeps_the_others():
    code = (
        "import gc, json, sys\n"
        "default = gc.get_threshold()\n"
        "from tutor import cli\n"
        "cli.main(['list'])\n"  # the lesson list on stdout; the thresholds before and after on stderr
        "print(json.dumps([default, gc.get_threshold()]), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    default, now = json.loads(done.stderr)
    assert default == [700, 10, 10]
    assert now == [FIRST_GENERATION, 10, 10]
