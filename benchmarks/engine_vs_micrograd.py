"""Our engine side by side with micrograd 0.1.0, in one run, on this machine.

    python benchmarks/engine_vs_micrograd.py            # about a minute
    python benchmarks/engine_vs_micrograd.py --repeats 7 --micrograd-demo-gc-on   # + ~3 minutes
    python benchmarks/engine_vs_micrograd.py --clock cpu   # CPU time: on a machine busy with other work

micrograd is a benchmark-only peer (`pip install micrograd==0.1.0`), never a
dependency: without it the script says so and reports our numbers alone.

What is measured (medians over --repeats runs, runs of the engines interleaved):

1. One step of micrograd's demo, written as a learner following the lecture
   writes it: inputs as lists of Value, `MLP(2, [16, 16, 1])` called on them,
   hinge loss + 1e-4·L2, zero_grad, backward, SGD update. The same code runs
   on both engines. Ours runs with Python's garbage collector on, as a learner
   runs it, in rounds with micrograd's GC-off steps (`gc.collect()` before
   each timed step, outside the timing: micrograd's graphs are reference
   cycles that only the GC frees). micrograd with the GC on is timed over
   consecutive steps, each leaving its graph as garbage, as in the notebook.
2. The whole 100-step demo (fresh model, lr = 1.0 - 0.9*k/100): ours always;
   micrograd's with the GC off unless --skip-micrograd-demo, with the GC on only
   with --micrograd-demo-gc-on (about 3 minutes).
3. backward() of a chain of 1,000,000 additions (`v = v + 1.0`), at the
   default recursion limit. micrograd's recursive topological sort raises
   RecursionError; the script builds its chain and reports what happens.
4. Memory: tracemalloc over building the forward pass of one demo step.
   "bytes per node" uses micrograd's own neuron formula, sum(wᵢ·xᵢ) + b with
   + and *, in both engines, so both graphs have the same nodes; "graph memory"
   is each engine's demo step as written (ours with one `dot` node per neuron).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from engine import Value
from engine.data import make_moons
from engine.nn import MLP

try:
    import micrograd
    from micrograd.engine import Value as MgValue
    from micrograd.nn import MLP as MgMLP
except ImportError:
    micrograd = None

TARGETS = {
    "step_vs_gc_on": 30.0,  # at least 30x faster than micrograd with the GC on
    "step_vs_gc_off": 4.0,  # at least 4x faster than micrograd with the GC off
    "demo_seconds": 3.0,  # the 100-step demo under 3 s
    "chain_seconds": 2.0,  # backward of the 1,000,000-op chain under 2 s
    "bytes_per_node": 200.0,  # at most 200 bytes per node
}


# -- the demo, as the notebook writes it: the same code for both engines ------------------


def demo_data():
    X, y = make_moons(n=100, noise=0.1, seed=0)
    return X, y * 2 - 1  # labels -1 / +1, numpy arrays as in the notebook


def new_model(engine: str):
    random.seed(1337)  # both initialise from the global random state: the same weights, bit for bit
    return MLP(2, [16, 16, 1]) if engine == "ours" else MgMLP(2, [16, 16, 1])


def demo_step(value_cls, model, X, y, k: int):
    inputs = [list(map(value_cls, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    accuracy = sum((yi > 0) == (s.data > 0) for yi, s in zip(y, scores)) / len(y)
    return total_loss.data, accuracy


CLOCK = [time.perf_counter]  # --clock cpu: time.process_time, this process's own CPU time


def timed(fn: Callable[[], object], gc_on: bool, collect_first: bool = True) -> float:
    if collect_first:
        gc.collect()
    if not gc_on:
        gc.disable()
    try:
        start = CLOCK[0]()
        fn()
        return CLOCK[0]() - start
    finally:
        gc.enable()


def bench_demo_step(repeats: int, with_micrograd: bool) -> dict[str, list[float]]:
    X, y = demo_data()
    runs: dict[str, list[float]] = {"ours": [], "ours_gc_off": [], "mg_gc_off": [], "mg_gc_on": []}
    ours = new_model("ours")
    mg = new_model("micrograd") if with_micrograd else None
    for k in range(2):  # warm up
        demo_step(Value, ours, X, y, k)
        if mg:
            timed(lambda k=k: demo_step(MgValue, mg, X, y, k), gc_on=False)
    k = 2
    for r in range(repeats):  # rounds, so that both engines see the same noise
        runs["ours"].append(timed(lambda k=k: demo_step(Value, ours, X, y, k), gc_on=True))
        runs["ours_gc_off"].append(timed(lambda k=k: demo_step(Value, ours, X, y, k + 1), gc_on=False))
        if mg:
            runs["mg_gc_off"].append(timed(lambda k=k: demo_step(MgValue, mg, X, y, k), gc_on=False))
        k += 2
        print(f"  demo step, round {r + 1}/{repeats}: " + _last(runs))
    if mg:
        # micrograd with the GC on, in the steady state of a training loop: consecutive steps,
        # each leaving its graph as garbage for the collector, as the notebook does
        gc.collect()
        for _ in range(2):
            demo_step(MgValue, mg, X, y, k)
            k += 1
        for r in range(repeats):
            runs["mg_gc_on"].append(timed(lambda k=k: demo_step(MgValue, mg, X, y, k), gc_on=True, collect_first=False))
            k += 1
            print(f"  micrograd demo step with the GC on, {r + 1}/{repeats}: {runs['mg_gc_on'][-1] * 1e3:.0f} ms")
    gc.collect()
    return runs


def _last(runs: dict[str, list[float]]) -> str:
    return ", ".join(f"{name} {times[-1] * 1e3:.1f} ms" for name, times in runs.items() if times)


def full_demo(engine: str, gc_on: bool) -> tuple[float, float, float]:
    """(seconds, final loss, final training accuracy) of the 100-step demo from a fresh model.

    With the GC on, the time of the whole loop. With it off, the sum of the
    100 step times, collecting the garbage between steps outside the timing
    (never collecting would grow micrograd's heap by ~45 MB a step).
    """
    X, y = demo_data()
    model = new_model(engine)
    value_cls = Value if engine == "ours" else MgValue
    result = [0.0, 0.0]

    def train():
        for k in range(100):
            result[:] = demo_step(value_cls, model, X, y, k)

    if gc_on:
        seconds = timed(train, gc_on=True)
    else:
        seconds = 0.0
        for k in range(100):
            seconds += timed(lambda k=k: result.__setitem__(slice(None), demo_step(value_cls, model, X, y, k)), False)
    gc.collect()
    return seconds, result[0], result[1]


# -- a deep chain -----------------------------------------------------------------------------


def chain(value_cls, n: int):
    x = value_cls(0.5)
    v = x
    for _ in range(n):
        v = v + 1.0
    return x, v


def bench_chain(repeats: int, n: int) -> tuple[float, list[float], float]:
    start = time.perf_counter()
    x, v = chain(Value, n)
    build = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        x.grad = 0.0
        times.append(timed(v.backward, gc_on=True))
    assert x.grad == 1.0
    del x, v
    return build, times, sys.getrecursionlimit()


def micrograd_chain(n: int) -> str:
    gc.disable()  # a million reference cycles: building them with the GC on takes minutes
    try:
        _, v = chain(MgValue, n)
        try:
            v.backward()
            outcome = "completed"
        except RecursionError:
            outcome = "RecursionError"
        del v
    finally:
        gc.enable()
        gc.collect()
    return outcome


# -- memory -----------------------------------------------------------------------------------


def count_nodes(root) -> int:
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(node._prev)
    return len(seen)


def micrograd_formula_forward(value_cls, weights, X, y):
    """The demo's forward pass with micrograd's neuron formula: act = sum(wᵢ·xᵢ, b), then relu."""
    x_rows = [list(map(value_cls, row)) for row in X]
    scores = []
    for x in x_rows:
        for layer, last in zip(weights, [False, False, True]):
            x = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
            x = x if last else [v.relu() for v in x]
        scores.append(x[0])
    losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
    return sum(losses) * (1.0 / len(losses))


def traced_bytes(build: Callable[[], object]) -> tuple[object, int]:
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        root = build()
        size, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.enable()
    return root, size


def bench_memory(value_cls, model_engine: str) -> dict[str, float]:
    X, y = demo_data()
    model = new_model(model_engine)
    weights = [[(n.w, n.b) for n in layer.neurons] for layer in model.layers]
    params = len(model.parameters())
    root, size = traced_bytes(lambda: micrograd_formula_forward(value_cls, weights, X, y))
    nodes = count_nodes(root) - params  # the parameters existed before tracing started
    del root
    root, demo_size = traced_bytes(lambda: demo_forward(value_cls, model, X, y))
    demo_nodes = count_nodes(root) - params
    del root
    gc.collect()
    return {"bytes_per_node": size / nodes, "nodes": nodes, "demo_bytes": demo_size, "demo_nodes": demo_nodes}


def demo_forward(value_cls, model, X, y):
    inputs = [list(map(value_cls, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())


# -- report -----------------------------------------------------------------------------------


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT met")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measurement (median reported)")
    parser.add_argument("--chain", type=int, default=1_000_000, help="ops in the deep chain")
    parser.add_argument("--skip-micrograd-demo", action="store_true", help="skip micrograd's 100-step demo")
    parser.add_argument(
        "--micrograd-demo-gc-on", action="store_true", help="also run micrograd's 100-step demo with the GC on (~3 min)"
    )
    parser.add_argument("--no-micrograd", action="store_true", help="measure our engine only")
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="wall: elapsed time; cpu: this process's CPU time, for a machine shared with other work",
    )
    args = parser.parse_args(argv)
    CLOCK[0] = time.process_time if args.clock == "cpu" else time.perf_counter
    use_mg = micrograd is not None and not args.no_micrograd
    if micrograd is None:
        print("micrograd is not installed (pip install micrograd==0.1.0): reporting our engine only.\n")

    print(f"Python {platform.python_version()} on {platform.machine()}, {args.repeats} repeats")
    print("demo step ...")
    steps = bench_demo_step(args.repeats, use_mg)
    print("100-step demo ...")
    demos = [full_demo("ours", gc_on=True) for _ in range(max(1, min(args.repeats, 3)))]
    ours_demo = med([d[0] for d in demos])
    mg_demo_off = mg_demo_on = None
    if use_mg and not args.skip_micrograd_demo:
        print("  micrograd, GC off ...")
        mg_demo_off = full_demo("micrograd", gc_on=False)
        if args.micrograd_demo_gc_on:
            print("  micrograd, GC on (about 3 minutes) ...")
            mg_demo_on = full_demo("micrograd", gc_on=True)
    print(f"chain of {args.chain:,} ops ...")
    build, chain_times, limit = bench_chain(args.repeats, args.chain)
    mg_chain = micrograd_chain(args.chain) if use_mg else None
    print("memory ...")
    mem_ours = bench_memory(Value, "ours")
    mem_mg = bench_memory(MgValue, "micrograd") if use_mg else None

    ours_step = med(steps["ours"])
    rows = []

    def row(measure, ours, mg, ratio, target, ok):
        rows.append(f"| {measure} | {ours} | {mg} | {ratio} | {target} | {verdict(ok)} |")

    if use_mg:
        on, off = med(steps["mg_gc_on"]), med(steps["mg_gc_off"])
        row(
            "demo step vs micrograd, GC on",
            f"{ours_step * 1e3:.1f} ms",
            f"{on * 1e3:.0f} ms",
            f"{on / ours_step:.0f}x",
            f"≥ {TARGETS['step_vs_gc_on']:.0f}x",
            on / ours_step >= TARGETS["step_vs_gc_on"],
        )
        row(
            "demo step vs micrograd, GC off",
            f"{ours_step * 1e3:.1f} ms",
            f"{off * 1e3:.0f} ms",
            f"{off / ours_step:.1f}x",
            f"≥ {TARGETS['step_vs_gc_off']:.0f}x",
            off / ours_step >= TARGETS["step_vs_gc_off"],
        )
    else:
        row("demo step", f"{ours_step * 1e3:.1f} ms", "-", "-", "ratios need micrograd", None)
    row("demo step, ours with the GC off (info)", f"{med(steps['ours_gc_off']) * 1e3:.1f} ms", "", "", "", None)
    mg_demo_text, mg_ratio = "not run", "-"
    if mg_demo_off:
        mg_demo_text, mg_ratio = f"{mg_demo_off[0]:.1f} s (GC off)", f"{mg_demo_off[0] / ours_demo:.1f}x"
    row(
        f"100-step demo (final accuracy {demos[0][2]:.0%})",
        f"{ours_demo:.2f} s",
        mg_demo_text,
        mg_ratio,
        f"< {TARGETS['demo_seconds']:.0f} s",
        ours_demo < TARGETS["demo_seconds"],
    )
    if mg_demo_on:
        row(
            "100-step demo, micrograd GC on",
            f"{ours_demo:.2f} s",
            f"{mg_demo_on[0]:.0f} s",
            f"{mg_demo_on[0] / ours_demo:.0f}x",
            "",
            None,
        )
    chain_s = med(chain_times)
    row(
        f"backward of a {args.chain:,}-op chain (recursion limit {limit})",
        f"{chain_s:.2f} s",
        mg_chain or "-",
        "-",
        f"< {TARGETS['chain_seconds']:.0f} s",
        chain_s < TARGETS["chain_seconds"],
    )
    bpn = mem_ours["bytes_per_node"]
    row(
        f"bytes per node (same {mem_ours['nodes']:,}-node +,*,relu graph)",
        f"{bpn:.0f}",
        f"{mem_mg['bytes_per_node']:.0f}" if mem_mg else "-",
        f"{mem_mg['bytes_per_node'] / bpn:.1f}x less" if mem_mg else "-",
        f"≤ {TARGETS['bytes_per_node']:.0f}",
        bpn <= TARGETS["bytes_per_node"],
    )
    row(
        "graph memory of one demo step (nodes)",
        f"{mem_ours['demo_bytes'] / 1e6:.1f} MB ({mem_ours['demo_nodes']:,})",
        f"{mem_mg['demo_bytes'] / 1e6:.1f} MB ({mem_mg['demo_nodes']:,})" if mem_mg else "-",
        f"{mem_mg['demo_bytes'] / mem_ours['demo_bytes']:.1f}x less" if mem_mg else "-",
        "",
        None,
    )

    print()
    print(
        f"Measured on {os.cpu_count()} cores: Python {platform.python_version()}, "
        f"micrograd {getattr(micrograd, '__version__', '0.1.0') if use_mg else '(not installed)'}, "
        f"medians of {args.repeats} runs of {args.clock} time (chain build {build:.1f} s, not timed)."
    )
    print()
    print("| measure | ours | micrograd | ratio | target | met? |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
