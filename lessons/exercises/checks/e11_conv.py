"""11-conv: a valid, stride-1 convolution forward and backward, against a NumPy reference."""

from __future__ import annotations

import numpy as np

from lessons.exercises.checks._arrays import mismatch, rand

NAME = "11-conv"
TITLE = "A convolution layer: forward and backward in NumPy"
GRAPH = False
HINTS = (
    "A KH-wide window fits H - KH + 1 times along H (positions 0 to H - KH): that +1 is the classic off-by-one. "
    "Each output value is one patch of x times the filter, summed, plus the bias.",
    "Backward runs the same loop: the output at (i, j) read x[:, :, i:i+KH, j:j+KW], so that patch's dx gets "
    "dout[:, f, i, j] · w[f] and dw[f] gets dout[:, f, i, j] · patch. db sums dout over N, i and j.",
    "for i in range(H - KH + 1):\n    for j in range(W - KW + 1):\n        patch = x[:, :, i:i+KH, j:j+KW]\n"
    "        out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b",
)


def inputs(rng) -> dict:
    n, c, f = rng.randint(1, 2), rng.randint(1, 3), rng.randint(1, 3)
    kh, kw = rng.randint(2, 3), rng.randint(2, 3)
    h, w = rng.randint(kh + 1, 6), rng.randint(kw + 1, 6)
    return {
        "x": rand(rng, n, c, h, w),
        "w": rand(rng, f, c, kh, kw),
        "b": rand(rng, f),
        "dout": rand(rng, n, f, h - kh + 1, w - kw + 1),
    }


def probe(learner, inputs: dict) -> dict:
    x, w, b, dout = (np.array(inputs[k]) for k in ("x", "w", "b", "dout"))
    out = {"out": learner.conv2d_forward(x.copy(), w.copy(), b.copy())}
    dx, dw, db = learner.conv2d_backward(dout.copy(), x.copy(), w.copy())
    out.update(dx=dx, dw=dw, db=db)
    return out


def reference(x, w, b, dout):
    _, _, H, W = x.shape
    _, _, KH, KW = w.shape
    OH, OW = H - KH + 1, W - KW + 1
    windows = np.lib.stride_tricks.sliding_window_view(x, (KH, KW), axis=(2, 3))  # N, C, OH, OW, KH, KW
    out = np.einsum("ncijpq,fcpq->nfij", windows, w) + b[None, :, None, None]
    dw = np.einsum("nfij,ncijpq->fcpq", dout, windows)
    dx = np.zeros_like(x)
    for p in range(KH):
        for q in range(KW):
            dx[:, :, p : p + OH, q : q + OW] += np.einsum("nfij,fc->ncij", dout, w[:, :, p, q])
    return {"out": out, "dx": dx, "dw": dw, "db": dout.sum(axis=(0, 2, 3))}


def verdict(inputs: dict, obs: dict) -> list[str]:
    x, w, b, dout = (np.array(inputs[k]) for k in ("x", "w", "b", "dout"))
    want = reference(x, w, b, dout)
    where = f"(x {x.shape}, w {w.shape})"
    for part in ("out", "db", "dw", "dx"):
        problem = mismatch(f"conv2d {part} {where}", obs[part], want[part])
        if problem:
            if part == "out" and "shape" in problem:
                problem += ": the output is H - KH + 1 by W - KW + 1"
            return [problem]
    return []
