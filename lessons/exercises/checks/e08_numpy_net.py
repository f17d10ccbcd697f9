"""08-numpy-net: Dense/ReLU/Sigmoid forward and backward, MSE, SGD, and a network that learns."""

from __future__ import annotations

import numpy as np

from lessons.exercises.checks._arrays import mismatch, rand

NAME = "08-numpy-net"
TITLE = "A tiny NumPy network library: Dense, ReLU, Sigmoid, MSE, mini-batch SGD"
GRAPH = False
HINTS = (
    "For y = x @ W + b with x (batch, nin) and W (nin, nout): each weight W[i, j] multiplies x[:, i] and feeds "
    "y[:, j], so dW[i, j] = Σ_batch x[:, i] · grad[:, j]. Check every shape against W's.",
    "dW = x.T @ grad (nin, nout), db = grad.sum(axis=0), dx = grad @ W.T. ReLU passes grad where x > 0; "
    "Sigmoid multiplies by out · (1 - out). MSE's grad is 2 (pred - y) / pred.size.",
    "def backward(self, grad):\n    self.dW = self.x.T @ grad\n    self.db = grad.sum(axis=0)\n"
    "    return grad @ self.W.T",
)


def inputs(rng) -> dict:
    n = rng.randint(3, 6)
    size = rng.randint(2, 5)
    return {
        "x": rand(rng, n, size),
        "W": rand(rng, size, size),  # square: a transposed dW has the right shape and still shows
        "W2": rand(rng, size, size + 1),
        "b": rand(rng, size),
        "grad": rand(rng, n, size),
        "y": rand(rng, n, size),
        "lr": 0.1,
        "seed": rng.randint(0, 10**6),
    }


def probe(learner, inputs: dict) -> dict:
    x, grad = np.array(inputs["x"]), np.array(inputs["grad"])
    out = {}
    for key in ("W", "W2"):
        dense = learner.Dense(*np.array(inputs[key]).shape)
        dense.W = np.array(inputs[key])
        dense.b = np.array(inputs["b"] if key == "W" else inputs["b"] + [0.5])
        g = grad if key == "W" else np.hstack([grad, grad[:, :1]])
        out[key] = {"y": dense.forward(x), "dx": dense.backward(g), "dW": dense.dW, "db": dense.db}
        try:
            learner.sgd_step([dense], inputs["lr"])
        except Exception as exc:  # a wrong dW shape breaks the update: report the dW, not this
            out[key]["W_after"] = f"{type(exc).__name__}: {exc}"
        else:
            out[key]["W_after"] = dense.W.copy()
    for name in ("ReLU", "Sigmoid"):
        layer = getattr(learner, name)()
        out[name] = {"y": layer.forward(x), "dx": layer.backward(grad)}
    loss, dpred = learner.mse(x, np.array(inputs["y"]))
    out["mse"] = {"loss": float(loss), "grad": dpred}
    gen = np.random.default_rng(inputs["seed"])
    X = gen.uniform(-1, 1, (64, 2))
    Y = ((X[:, :1] * X[:, 1:]) > 0).astype(float)
    net = [learner.Dense(2, 16, gen), learner.ReLU(), learner.Dense(16, 1, gen), learner.Sigmoid()]
    try:
        learner.train(net, X, Y, epochs=150, lr=1.0, batch_size=16, rng=gen)
    except Exception as exc:  # reported after the layer checks, which say more
        out["learned"] = {"error": f"{type(exc).__name__}: {exc}"}
        return out
    pred = X
    for layer in net:
        pred = layer.forward(pred)
    out["learned"] = {"X": X, "Y": Y, "pred": pred}
    return out


def verdict(inputs: dict, obs: dict) -> list[str]:
    x, grad, lr = np.array(inputs["x"]), np.array(inputs["grad"]), inputs["lr"]
    for key in ("W", "W2"):
        W = np.array(inputs[key])
        b = np.array(inputs["b"] if key == "W" else inputs["b"] + [0.5])
        g = grad if key == "W" else np.hstack([grad, grad[:, :1]])
        o = obs[key]
        want = {"y": x @ W + b, "dx": g @ W.T, "dW": x.T @ g, "db": g.sum(axis=0), "W_after": W - lr * (x.T @ g)}
        names = {
            "y": "Dense.forward",
            "dx": "Dense.backward's dx",
            "dW": "Dense's dW",
            "db": "Dense's db",
            "W_after": "W after sgd_step",
        }
        for part in ("y", "dW", "db", "dx", "W_after"):
            if isinstance(o[part], str):
                return [f"sgd_step failed: {o[part]}"]
            problem = mismatch(f"{names[part]} (W {W.shape[0]}x{W.shape[1]})", o[part], want[part])
            if problem:
                return [problem]
    relu = {"y": np.maximum(x, 0), "dx": grad * (x > 0)}
    s = 1 / (1 + np.exp(-x))
    sigmoid = {"y": s, "dx": grad * s * (1 - s)}
    for name, want in (("ReLU", relu), ("Sigmoid", sigmoid)):
        for part in ("y", "dx"):
            problem = mismatch(f"{name}.{'forward' if part == 'y' else 'backward'}", obs[name][part], want[part])
            if problem:
                return [problem]
    y = np.array(inputs["y"])
    problem = mismatch("mse's loss", obs["mse"]["loss"], np.mean((x - y) ** 2)) or mismatch(
        "mse's grad", obs["mse"]["grad"], 2 * (x - y) / x.size
    )
    if problem:
        return [problem]
    learned = obs["learned"]
    if "error" in learned:
        return [f"train() failed: {learned['error']}"]
    accuracy = float(np.mean((np.array(learned["pred"]) > 0.5) == (np.array(learned["Y"]) > 0.5)))
    if accuracy < 0.9:
        return [f"after train() the network classifies {accuracy:.0%} of an XOR-like set right, expected at least 90%"]
    return []
