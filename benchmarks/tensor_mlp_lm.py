"""Training speed of makemore's MLP language model: our Tensor engine next to PyTorch on the CPU.

    python benchmarks/tensor_mlp_lm.py                 # about 30 seconds
    python benchmarks/tensor_mlp_lm.py --steps 500 --repeats 7

The model is the one of makemore part 2 (Bengio et al. 2003): context of 3
characters, a 27 × 10 embedding table, 30 -> 200 tanh hidden layer, 200 -> 27
output, cross-entropy, plain SGD (lr 0.1), minibatches of 32 drawn at random
from the names corpus. One step = draw a batch, forward, zero the grads,
backward, update, as the lecture writes it:

    emb = C[Xb]; h = tanh(emb.view(-1, 30) @ W1 + b1); logits = h @ W2 + b2
    loss = cross_entropy(logits, Yb); zero grads; loss.backward(); p.data -= lr * p.grad

PyTorch is a benchmark-only peer, never a dependency: without it the script
says so and reports our numbers alone. It runs in float32 (its default, and
makemore's) and, for the same arithmetic as ours, in float64. Our engine is
always float64. Runs of the engines are interleaved; each figure is the median
over --repeats runs of --steps steps (after a warm-up).

Both run on one thread unless --threads says otherwise (0: each library's
default). The matrices are tiny (32 × 30 × 200), so threads do not help, and on
a shared machine a busy core makes multi-threaded PyTorch many times slower.

To measure against PyTorch without installing it into the project:

    python -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch numpy
    PYTHONPATH=. /tmp/torchvenv/bin/python benchmarks/tensor_mlp_lm.py
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=300, help="steps per timed run")
parser.add_argument("--repeats", type=int, default=5, help="timed runs per engine")
parser.add_argument("--threads", type=int, default=1, help="BLAS and PyTorch threads (0: the libraries' defaults)")
ARGS = parser.parse_args()
if ARGS.threads:  # before NumPy loads its BLAS
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from engine.names import build_dataset, build_vocab, load_names, split_names  # noqa: E402
from engine.optim import SGD  # noqa: E402
from engine.tensor import Tensor, cross_entropy  # noqa: E402

try:
    import torch
    import torch.nn.functional as F

    if ARGS.threads:
        torch.set_num_threads(ARGS.threads)
except ImportError:
    torch = None

BLOCK, EMB, HIDDEN, BATCH, LR = 3, 10, 200, 32, 0.1
GOAL = 3.0  # ours within 3x of PyTorch's time per step


def data() -> tuple[np.ndarray, np.ndarray, int]:
    words = load_names()
    stoi, _ = build_vocab(words)
    train, _, _ = split_names(words, seed=42)
    X, Y = build_dataset(train, BLOCK, stoi)
    return X, Y, len(stoi)


def initial_weights(vocab: int, seed: int = 2147483647) -> list[np.ndarray]:
    g = np.random.default_rng(seed)
    return [
        g.standard_normal((vocab, EMB)),
        g.standard_normal((BLOCK * EMB, HIDDEN)) * (5 / 3) / (BLOCK * EMB) ** 0.5,
        g.standard_normal(HIDDEN) * 0.01,
        g.standard_normal((HIDDEN, vocab)) * 0.01,
        np.zeros(vocab),
    ]


Engine = tuple[Callable[[int], None], Callable[[], float]]  # run n steps; the loss on the whole training set


def ours(X: np.ndarray, Y: np.ndarray, vocab: int) -> Engine:
    """Training steps on our engine, and the training loss."""
    C, W1, b1, W2, b2 = params = [Tensor(w) for w in initial_weights(vocab)]
    opt = SGD(params, lr=LR)
    rng = np.random.default_rng(0)

    def run(n: int) -> float:
        for _ in range(n):
            ix = rng.integers(0, len(X), BATCH)
            emb = C[X[ix]]  # (32, 3, 10): integer-array indexing, a scatter-add backward
            h = (emb.view(-1, BLOCK * EMB) @ W1 + b1).tanh()
            logits = h @ W2 + b2
            loss = cross_entropy(logits, Y[ix])
            opt.zero_grad()
            loss.backward()
            opt.step()

    def evaluate() -> float:
        h = (C[X].view(-1, BLOCK * EMB) @ W1 + b1).tanh()
        return cross_entropy(h @ W2 + b2, Y).item()

    return run, evaluate


def pytorch(X: np.ndarray, Y: np.ndarray, vocab: int, dtype) -> Engine:
    """The same model and loop in PyTorch, as makemore writes it."""
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    params = [torch.tensor(w, dtype=dtype, requires_grad=True) for w in initial_weights(vocab)]
    C, W1, b1, W2, b2 = params
    g = torch.Generator().manual_seed(0)

    def run(n: int) -> float:
        for _ in range(n):
            ix = torch.randint(0, Xt.shape[0], (BATCH,), generator=g)
            emb = C[Xt[ix]]
            h = torch.tanh(emb.view(-1, BLOCK * EMB) @ W1 + b1)
            logits = h @ W2 + b2
            loss = F.cross_entropy(logits, Yt[ix])
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= LR * p.grad

    @torch.no_grad()
    def evaluate() -> float:
        h = torch.tanh(C[Xt].view(-1, BLOCK * EMB) @ W1 + b1)
        return F.cross_entropy(h @ W2 + b2, Yt).item()

    return run, evaluate


def main(args: argparse.Namespace) -> None:
    X, Y, vocab = data()
    engines: dict[str, Engine] = {"ours (float64)": ours(X, Y, vocab)}
    if torch is None:
        print("PyTorch is not installed: reporting our engine only (see the docstring to compare).\n")
    else:
        engines["PyTorch CPU, float32"] = pytorch(X, Y, vocab, torch.float32)
        engines["PyTorch CPU, float64"] = pytorch(X, Y, vocab, torch.float64)
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}"
        + (f", PyTorch {torch.__version__} (threads: {torch.get_num_threads()})" if torch else "")
        + f"; {len(X):,} training examples, {args.repeats} runs of {args.steps} steps"
    )

    for run, _ in engines.values():
        run(50)  # warm up
    times: dict[str, list[float]] = {name: [] for name in engines}
    for r in range(args.repeats):
        for name, (run, _) in engines.items():  # interleaved, so that every engine sees the same noise
            start = time.perf_counter()
            run(args.steps)
            times[name].append((time.perf_counter() - start) / args.steps)
        print(f"  run {r + 1}/{args.repeats}: " + ", ".join(f"{n} {t[-1] * 1e6:.0f} µs" for n, t in times.items()))

    median = {name: statistics.median(t) for name, t in times.items()}
    ref = median.get("PyTorch CPU, float32")
    print()
    steps = 50 + args.repeats * args.steps
    print(
        f"| engine | steps/s (median) | µs per step | time vs PyTorch float32 | training loss after {steps:,} steps |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, t in median.items():
        ratio = f"{t / ref:.2f}x" if ref else "n/a"
        print(f"| {name} | {1 / t:,.0f} | {t * 1e6:,.0f} | {ratio} | {engines[name][1]():.3f} |")
    if ref:
        ratio = median["ours (float64)"] / ref
        verdict = "met" if ratio <= GOAL else "NOT met"
        print(f"\nGoal: ours within {GOAL:g}x of PyTorch float32 per step: {ratio:.2f}x, {verdict}.")


if __name__ == "__main__":
    main(ARGS)
