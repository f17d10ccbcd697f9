"""Exercise 08: a tiny NumPy network library: Dense, ReLU, Sigmoid, MSE, mini-batch SGD.

Every layer has forward(x) and backward(grad): backward gets dL/d(output) and
returns dL/d(input), keeping what it needs from forward. Shapes: a batch x is
(batch, nin); Dense holds W (nin, nout) and b (nout,), forward is x @ W + b, and
its backward also stores dW and db (same shapes as W and b), summed over the batch.
    mse(pred, y)        -> (loss, grad): mean((pred - y)²) and dL/dpred
    sgd_step(layers, lr)   W -= lr * dW, b -= lr * db for every Dense layer
    train(layers, X, Y, epochs, lr, batch_size, rng)   mini-batch SGD on MSE;
                           returns the loss of every epoch (mean over its batches)

Usage:
    rng = np.random.default_rng(0)
    net = [Dense(2, 8, rng), ReLU(), Dense(8, 1, rng), Sigmoid()]
    losses = train(net, X, Y, epochs=200, lr=0.5, batch_size=16, rng=rng)

Check it with `python -m tutor exercises check . 08`.
"""

import numpy as np


class Dense:
    def __init__(self, nin, nout, rng=None):
        rng = rng or np.random.default_rng()
        self.W = rng.standard_normal((nin, nout)) / np.sqrt(nin)
        self.b = np.zeros(nout)

    def forward(self, x):
        # TODO: keep x for backward; return x @ W + b
        self.x = x
        return x @ self.W + self.b
        # ELSE
        raise NotImplementedError("Dense.forward")
        # END

    def backward(self, grad):
        # TODO: dW (nin, nout), db (nout,), and return dL/dx (batch, nin)
        self.dW = self.x.T @ grad
        self.db = grad.sum(axis=0)
        return grad @ self.W.T
        # ELSE
        raise NotImplementedError("Dense.backward")
        # END


class ReLU:
    def forward(self, x):
        # TODO: max(0, x), keeping where x > 0
        self.mask = x > 0
        return x * self.mask
        # ELSE
        raise NotImplementedError("ReLU.forward")
        # END

    def backward(self, grad):
        # TODO: the grad where x > 0, else 0
        return grad * self.mask
        # ELSE
        raise NotImplementedError("ReLU.backward")
        # END


class Sigmoid:
    def forward(self, x):
        # TODO: 1 / (1 + e^-x), keeping the output
        self.out = 1 / (1 + np.exp(-x))
        return self.out
        # ELSE
        raise NotImplementedError("Sigmoid.forward")
        # END

    def backward(self, grad):
        # TODO: σ(1 - σ) times grad
        return grad * self.out * (1 - self.out)
        # ELSE
        raise NotImplementedError("Sigmoid.backward")
        # END


def mse(pred, y):
    # TODO: the mean of (pred - y)², and its gradient with respect to pred
    diff = pred - y
    return float(np.mean(diff**2)), 2 * diff / diff.size
    # ELSE
    raise NotImplementedError("mse")
    # END


def sgd_step(layers, lr):
    # TODO: W -= lr * dW and b -= lr * db for every layer that has W
    for layer in layers:
        if hasattr(layer, "W"):
            layer.W -= lr * layer.dW
            layer.b -= lr * layer.db
    # ELSE
    raise NotImplementedError("sgd_step")
    # END


def train(layers, X, Y, epochs=100, lr=0.1, batch_size=16, rng=None):
    # TODO: each epoch: shuffle, then for each batch forward, mse, backward, sgd_step
    rng = rng or np.random.default_rng()
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        batch_losses = []
        for start in range(0, len(X), batch_size):
            idx = order[start : start + batch_size]
            out = X[idx]
            for layer in layers:
                out = layer.forward(out)
            loss, grad = mse(out, Y[idx])
            for layer in reversed(layers):
                grad = layer.backward(grad)
            sgd_step(layers, lr)
            batch_losses.append(loss)
        losses.append(float(np.mean(batch_losses)))
    return losses
    # ELSE
    raise NotImplementedError("train")
    # END
