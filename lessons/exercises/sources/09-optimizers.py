"""Exercise 09: SGD with momentum and Adam from scratch; gradient descent on a 2-D loss surface.

Each optimizer's step(params, grads) updates a list of NumPy arrays in place:
    Momentum(lr, beta=0.9)     v = beta·v + g;            p -= lr·v
    Adam(lr, beta1=0.9, beta2=0.999, eps=1e-8), with t counting steps from 1:
                               m = beta1·m + (1 - beta1)·g
                               v = beta2·v + (1 - beta2)·g²
                               p -= lr · (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
    descend(grad_fn, start, optimizer, steps)
                               from the point `start` (an array of 2), take `steps`
                               steps using grad_fn(point); return the path, an
                               array of shape (steps + 1, 2) starting at `start`

Usage:
    grad = lambda p: np.array([2 * (p[0] - 1), 20 * (p[1] + 2)])   # f = (x-1)² + 10(y+2)²
    path = descend(grad, np.array([-3.0, 3.0]), Adam(0.1), 500)
    path[-1]            # ≈ [1, -2]

Check it with `python -m tutor exercises check . 09`.
"""

import numpy as np


class Momentum:
    def __init__(self, lr, beta=0.9):
        self.lr, self.beta = lr, beta
        self.v = None

    def step(self, params, grads):
        # TODO: keep one velocity per parameter; v = beta·v + g; p -= lr·v (in place: p -= ..., not p = ...)
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.v):
            v *= self.beta
            v += g
            p -= self.lr * v
        # ELSE
        raise NotImplementedError("Momentum.step")
        # END


class Adam:
    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, params, grads):
        # TODO: first and second moments, bias-corrected, then the update
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m[...] = self.beta1 * m + (1 - self.beta1) * g
            v[...] = self.beta2 * v + (1 - self.beta2) * g * g
            m_hat = m / (1 - self.beta1**self.t)
            v_hat = v / (1 - self.beta2**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        # ELSE
        raise NotImplementedError("Adam.step")
        # END


def descend(grad_fn, start, optimizer, steps):
    # TODO: the path of `steps` optimizer steps from `start`, shape (steps + 1, 2)
    point = np.array(start, dtype=float)
    path = [point.copy()]
    for _ in range(steps):
        optimizer.step([point], [grad_fn(point)])
        path.append(point.copy())
    return np.array(path)
    # ELSE
    raise NotImplementedError("descend")
    # END
