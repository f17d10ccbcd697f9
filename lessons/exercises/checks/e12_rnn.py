"""12-rnn: an RNN step, forward over a sequence, BPTT against NumPy, and clipping that holds."""

from __future__ import annotations

import numpy as np

from lessons.exercises.checks._arrays import mismatch, rand
from lessons.exercises.numbers import num

NAME = "12-rnn"
TITLE = "A vanilla RNN step, backprop through time, gradient clipping"
GRAPH = False
HINTS = (
    "BPTT is backprop on the unrolled loop: the hidden state at step t gets gradient from its own loss term "
    "and from step t + 1 (through Wh). Walk t from the end, carrying that second part along.",
    "At each step: dh = dhs[t] + dh_next; da = dh · (1 - h_t²); dWx += x_t.T @ da; dWh += h_{t-1}.T @ da; "
    "db += da.sum(0); dh_next = da @ Wh.T. Clip each gradient's norm at the very end.",
    "norm = np.sqrt(np.sum(g * g))\nreturn g * (max_norm / norm) if norm > max_norm else g",
)


def inputs(rng) -> dict:
    t, b, d, h = rng.randint(3, 6), rng.randint(1, 3), rng.randint(2, 4), rng.randint(2, 4)
    return {
        "xs": rand(rng, t, b, d),
        "h0": rand(rng, b, h, scale=0.5),
        "Wx": rand(rng, d, h, scale=0.5),
        "Wh": rand(rng, h, h, scale=0.5),
        "b": rand(rng, h, scale=0.1),
        "dhs": rand(rng, t, b, h),
        "long": {"xs": rand(rng, 40, 2, d, scale=0.1), "Wh": (np.eye(h) * 3.0).tolist(), "max_norm": 1.0},
    }


def _arrays(inputs):
    return [np.array(inputs[k]) for k in ("xs", "h0", "Wx", "Wh", "b", "dhs")]


def probe(learner, inputs: dict) -> dict:
    xs, h0, Wx, Wh, b, dhs = _arrays(inputs)
    out = {
        "step": learner.rnn_step(xs[0], h0, Wx, Wh, b),
        "hs": learner.rnn_forward(xs, h0, Wx, Wh, b),
        "grads": list(learner.bptt(xs, h0, Wx, Wh, b, dhs, 1e12)),
    }
    long = inputs["long"]
    lxs = np.array(long["xs"])
    lh0 = np.ones((lxs.shape[1], Wh.shape[0]))
    out["clipped"] = list(
        learner.bptt(lxs, lh0, Wx, np.array(long["Wh"]), b, np.ones((*lxs.shape[:2], Wh.shape[0])), long["max_norm"])
    )
    return out


def reference(xs, h0, Wx, Wh, b, dhs):
    hs, h = [], h0
    for x in xs:
        h = np.tanh(x @ Wx + h @ Wh + b)
        hs.append(h)
    dWx, dWh, db, dh_next = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b), np.zeros_like(h0)
    for t in reversed(range(len(xs))):
        da = (dhs[t] + dh_next) * (1 - hs[t] ** 2)
        dWx += xs[t].T @ da
        dWh += (hs[t - 1] if t else h0).T @ da
        db += da.sum(axis=0)
        dh_next = da @ Wh.T
    return np.array(hs), [dWx, dWh, db, dh_next]


def verdict(inputs: dict, obs: dict) -> list[str]:
    xs, h0, Wx, Wh, b, dhs = _arrays(inputs)
    hs, grads = reference(xs, h0, Wx, Wh, b, dhs)
    problem = mismatch("rnn_step", obs["step"], hs[0]) or mismatch("rnn_forward's hidden states", obs["hs"], hs)
    if problem:
        return [problem]
    if len(obs["grads"]) != 4:
        return [f"bptt returned {len(obs['grads'])} things, expected 4 (dWx, dWh, db, dh0)"]
    for name, got, want in zip(("dWx", "dWh", "db", "dh0"), obs["grads"], grads):
        problem = mismatch(f"bptt's {name} (no clipping needed)", got, want)
        if problem:
            return [problem]
    long = inputs["long"]
    for name, got in zip(("dWx", "dWh", "db", "dh0"), obs["clipped"]):
        norm = float(np.sqrt(np.sum(np.asarray(got, dtype=float) ** 2)))
        if not norm <= long["max_norm"] * (1 + 1e-6):
            return [
                f"over 40 steps with a large Wh, bptt's ‖{name}‖ is {num(norm)}, expected ≤ {long['max_norm']:g} "
                "after clipping"
            ]
    return []
