"""How much faster `tutor check` is with lessons checked in parallel processes.

    python benchmarks/check_jobs.py [--repeat 3] [--jobs N]

Runs `python -m tutor check --jobs 1` and `python -m tutor check --jobs N`
(N: the cores, by default) over the shipped lessons, alternately, and
prints the median wall time of each and their ratio.
Target: on the 2-core machine, --jobs 2 takes at most 0.6x the time of --jobs 1.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lessons.check import default_jobs

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.6


def timed_check(jobs: int) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "check", "--jobs", str(jobs)], cwd=ROOT, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"check --jobs {jobs} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    args = parser.parse_args()
    serial: list[float] = []
    parallel: list[float] = []
    for _ in range(args.repeat):  # alternate, so a busy moment on the machine hits both alike
        serial.append(timed_check(1))
        parallel.append(timed_check(args.jobs))
    one, many = statistics.median(serial), statistics.median(parallel)
    ratio = many / one
    print(f"| measure | --jobs 1 | --jobs {args.jobs} | ratio | target | met? |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    print(
        f"| `tutor check`, shipped lessons (median of {args.repeat}) | {one:.1f} s | {many:.1f} s "
        f"| {ratio:.2f}x | ≤ {TARGET}x | {'met' if ratio <= TARGET else 'not met'} |"
    )


if __name__ == "__main__":
    main()
