"""Exercise 12: a vanilla RNN step, backprop through time over a sequence, and gradient clipping.

Shapes: x_t is (B, D), h is (B, H), Wx (D, H), Wh (H, H), b (H,).
    rnn_step(x, h, Wx, Wh, b)        -> tanh(x @ Wx + h @ Wh + b)
    rnn_forward(xs, h0, Wx, Wh, b)   xs is (T, B, D); -> hs, the T hidden states (T, B, H)
    clip(g, max_norm)                g scaled down to norm max_norm if its norm
                                     (sqrt of the sum of squares) is larger, else g
    bptt(xs, h0, Wx, Wh, b, dhs, max_norm)
        the gradients of L = Σ_t Σ hs[t] · dhs[t] (dhs is (T, B, H)) with respect
        to Wx, Wh, b and h0, going back through every step, each clipped to
        max_norm at the end; -> (dWx, dWh, db, dh0)
Without clipping, a large Wh makes these gradients explode over a long sequence.

Usage:
    hs = rnn_forward(xs, h0, Wx, Wh, b)
    dWx, dWh, db, dh0 = bptt(xs, h0, Wx, Wh, b, np.ones_like(hs), max_norm=5.0)

Check it with `python -m tutor exercises check . 12`.
"""

import numpy as np


def rnn_step(x, h, Wx, Wh, b):
    # TODO: one step
    return np.tanh(x @ Wx + h @ Wh + b)
    # ELSE
    raise NotImplementedError("rnn_step")
    # END


def rnn_forward(xs, h0, Wx, Wh, b):
    # TODO: run rnn_step over the sequence, keeping every hidden state
    hs, h = [], h0
    for x in xs:
        h = rnn_step(x, h, Wx, Wh, b)
        hs.append(h)
    return np.array(hs)
    # ELSE
    raise NotImplementedError("rnn_forward")
    # END


def clip(g, max_norm):
    # TODO: scale g down to norm max_norm when it is longer
    norm = np.sqrt(np.sum(g * g))
    return g * (max_norm / norm) if norm > max_norm else g
    # ELSE
    raise NotImplementedError("clip")
    # END


def bptt(xs, h0, Wx, Wh, b, dhs, max_norm):
    # TODO: backward through time: walk t from the end, carrying dh into the step before
    hs = rnn_forward(xs, h0, Wx, Wh, b)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(len(xs))):
        h_prev = hs[t - 1] if t > 0 else h0
        dh = dhs[t] + dh_next
        da = dh * (1 - hs[t] ** 2)  # through tanh
        dWx += xs[t].T @ da
        dWh += h_prev.T @ da
        db += da.sum(axis=0)
        dh_next = da @ Wh.T
    return tuple(clip(g, max_norm) for g in (dWx, dWh, db, dh_next))
    # ELSE
    raise NotImplementedError("bptt")
    # END
