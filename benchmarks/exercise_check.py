"""How fast an exercise's check answers after the learner saves, and how long checking all 14 takes.

    python benchmarks/exercise_check.py [--repeat 7]

1. Save to verdict: the exercises screen (headless, the real app) watches the
   folder with watchfiles; the learner's 01-value.py is rewritten, and the time
   until the screen posts its `ExerciseChecked` message is measured. Target:
   median under 1 s.
2. One check without the watcher: `check_exercise` on 01-value (a child
   process starts, imports, probes; the parent judges).
3. `python -m tutor exercises check` of the 14 reference solutions, wall time
   of the whole command (children run four at a time). Target: a few seconds.
Medians of --repeat runs are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def save_to_verdict(folder: Path, repeat: int) -> list[float]:
    from lessons.catalog import load_catalog
    from lessons.exercises import by_name
    from tutor.app import TutorApp
    from tutor.exercises.messages import ExerciseChecked
    from tutor.progress import Progress

    solution = by_name("01").solution
    arrived: asyncio.Queue[float] = asyncio.Queue()

    def hook(message) -> None:
        if isinstance(message, ExerciseChecked) and message.name == "01-value":
            arrived.put_nowait(time.perf_counter())

    app = TutorApp(load_catalog(), Progress.load(folder / "data"), exercises=folder)
    times = []
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        for i in range(repeat + 1):
            await settle(pilot)  # the checks at opening, or of the last save, are all done and counted
            while not arrived.empty():
                arrived.get_nowait()
            start = time.perf_counter()
            (folder / "01-value.py").write_text(solution + f"\n# save {i}\n", encoding="utf-8")
            done = await asyncio.wait_for(arrived.get(), 30)
            if i:  # the first save warms the watcher up
                times.append(done - start)
    return times


async def settle(pilot) -> None:
    await pilot.pause()
    checks = [w for w in pilot.app.workers if w.group == "checks"]
    if checks:
        await pilot.app.workers.wait_for_complete(checks)
    await pilot.pause()


def one_check(folder: Path, repeat: int) -> list[float]:
    from lessons.exercises import by_name
    from tutor.exercises.checking import check_exercise

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        assert check_exercise(by_name("01"), folder).passed
        times.append(time.perf_counter() - start)
    return times


def check_all(folder: Path, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "tutor", "--data-dir", str(folder / "data"), "exercises", "check", str(folder)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        times.append(time.perf_counter() - start)
        assert done.returncode == 0, done.stdout + done.stderr
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    from tutor.exercises.workspace import lay_out

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ex"
        lay_out(folder, solved=True)
        saved = asyncio.run(save_to_verdict(folder, args.repeat))
        single = one_check(folder, args.repeat)
        whole = check_all(folder, max(1, args.repeat // 2))
    print(f"save 01-value.py -> verdict on screen: median {statistics.median(saved):.3f} s (target < 1 s)")
    print(f"one check of 01-value (child + judge):  median {statistics.median(single):.3f} s")
    print(f"`exercises check` of 14 solutions:      median {statistics.median(whole):.2f} s")


if __name__ == "__main__":
    main()
