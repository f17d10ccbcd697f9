"""How fast the tutor starts, and how fast it opens a big graph.

    python benchmarks/app_startup.py [--repeat 7]

1. Cold start to the first frame: a fresh Python process that imports the
   tutor, loads the lessons and the learner's progress, draws the lesson
   browser once and exits, next to the same for a minimal Textual app (one
   Static). Both run headless; the median wall time of each and their ratio
   are printed. Target: the tutor within 2x of the minimal app.
2. Opening the ~66,000-node graph of micrograd's demo loss (100 two-moons
   points, MLP(2,[16,16,1]) written out neuron by neuron as in the lecture,
   hinge loss + L2) in the graph tree, until the screen has refreshed.
   Target: under 0.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MINIMAL = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("hello")
    def on_mount(self):
        self.call_after_refresh(self.exit)

Minimal().run(headless=True)
"""

TUTOR = """
import sys
from pathlib import Path
from lessons.catalog import load_catalog
from tutor.app import TutorApp
from tutor.progress import Progress

class FirstFrame(TutorApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.exit)

FirstFrame(load_catalog(), Progress.load(Path(sys.argv[1]))).run(headless=True)
"""


def cold_start(script: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, str(script), *args], check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - start


def demo_loss_graph():
    """micrograd's demo loss, built the way the lecture writes a neuron: 2n+1 nodes per neuron."""
    import random

    from engine import Value
    from engine.data import make_moons

    rng = random.Random(1337)
    X, y = make_moons(100, noise=0.1, seed=1, signed=True)
    sizes = [2, 16, 16, 1]
    layers = [
        [([Value(rng.uniform(-1, 1)) for _ in range(nin)], Value(0.0)) for _ in range(nout)]
        for nin, nout in itertools.pairwise(sizes)
    ]

    def forward(x):
        for i, layer in enumerate(layers):
            out = []
            for w, b in layer:
                act = sum((wi * xi for wi, xi in zip(w, x)), b)
                out.append(act.relu() if i < len(layers) - 1 else act)
            x = out
        return x[0]

    scores = [forward([Value(a), Value(b)]) for a, b in X.tolist()]
    losses = [(1 + -int(yi) * s).relu() for yi, s in zip(y.tolist(), scores)]
    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)


async def open_graph(root, repeat: int) -> list[float]:
    from textual.app import App

    from tutor.components.graph_tree import GraphTree

    class TreeApp(App):
        def compose(self):
            yield GraphTree()

    times = []
    app = TreeApp()
    async with app.run_test(size=(80, 24)) as pilot:
        tree = app.query_one(GraphTree)
        for _ in range(repeat):
            tree.show_graph(None)
            await pilot.pause()
            start = time.perf_counter()
            tree.show_graph(root)
            await pilot.pause()
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from engine.graph import count_nodes

    with tempfile.TemporaryDirectory() as scratch:
        minimal_script, tutor_script = Path(scratch, "minimal.py"), Path(scratch, "tutor_first_frame.py")
        minimal_script.write_text(MINIMAL)
        tutor_script.write_text(TUTOR)
        minimal, tutor = [], []
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            minimal.append(cold_start(minimal_script))
            tutor.append(cold_start(tutor_script, scratch))
    root = demo_loss_graph()
    nodes = count_nodes(root)
    opened = asyncio.run(open_graph(root, args.repeat))

    m, t, g = statistics.median(minimal), statistics.median(tutor), statistics.median(opened)
    print(f"medians of {args.repeat} runs on this machine (python {sys.version.split()[0]})\n")
    print("| measure | minimal Textual app | Backprop Tutor | ratio | target | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    met = "yes" if t / m <= 2 else "NO"
    print(f"| cold start to first frame | {m:.3f} s | {t:.3f} s | {t / m:.2f}x | within 2x | {met} |")
    print(f"| open the {nodes:,}-node demo graph | | {g:.3f} s | | < 0.5 s | {'yes' if g < 0.5 else 'NO'} |")


if __name__ == "__main__":
    main()
