"""Exercise 11: a convolution layer, forward and backward, in NumPy (no framework).

x is (N, C, H, W): N images of C channels; w is (F, C, KH, KW): F filters; b is (F,).
Stride 1, no padding ("valid"), and, as in every deep learning library, no
flipping of the kernel (a cross-correlation):
    out[n, f, i, j] = b[f] + Σ_c Σ_p Σ_q x[n, c, i + p, j + q] · w[f, c, p, q]
so out is (N, F, H - KH + 1, W - KW + 1).
    conv2d_forward(x, w, b)      -> out
    conv2d_backward(dout, x, w)  -> (dx, dw, db), the gradients of Σ out·dout

Usage:
    x = np.ones((1, 1, 4, 4)); w = np.ones((1, 1, 3, 3))
    conv2d_forward(x, w, np.zeros(1)).shape     # (1, 1, 2, 2), every value 9

Check it with `python -m tutor exercises check . 11`.
"""

import numpy as np


def conv2d_forward(x, w, b):
    # TODO: the output size is H - KH + 1 by W - KW + 1; loop over the output positions
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            patch = x[:, :, i : i + KH, j : j + KW]  # (N, C, KH, KW)
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out
    # ELSE
    raise NotImplementedError("conv2d_forward")
    # END


def conv2d_backward(dout, x, w):
    # TODO: every output position sends dout back to the patch it read (dx) and to the filter (dw)
    F, _, KH, KW = w.shape
    dx = np.zeros_like(x, dtype=float)
    dw = np.zeros_like(w, dtype=float)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            patch = x[:, :, i : i + KH, j : j + KW]
            g = dout[:, :, i, j]  # (N, F)
            dw += np.tensordot(g, patch, axes=([0], [0]))
            dx[:, :, i : i + KH, j : j + KW] += np.tensordot(g, w, axes=([1], [0]))
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db
    # ELSE
    raise NotImplementedError("conv2d_backward")
    # END
