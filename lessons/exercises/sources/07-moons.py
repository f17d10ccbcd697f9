"""Exercise 07: two moons with micrograd's hinge loss and L2, to at least 95% training accuracy.

`model` is micrograd's demo network, `MLP(2, [16, 16, 1])` (ReLU, last layer
linear): its output is a score, positive for class +1, negative for -1.
Write:
    loss(model, X, y, alpha=1e-4)  -> (total, accuracy)
        total    = mean over the points of relu(1 - yᵢ · scoreᵢ)     (the hinge loss)
                   + alpha · Σ p²  over the parameters               (L2)
                   as a Value, so you can call total.backward()
        accuracy = the fraction of points with (scoreᵢ > 0) == (yᵢ > 0)
    train(model, X, y)
        gradient descent on loss() until the training accuracy is ≥ 95%
        (micrograd's demo: learning rate 1 - 0.9·k/steps at step k)
X is a list of [x0, x1] points, y a list of -1.0 / +1.0 labels.

Usage:
    from engine.data import make_moons
    X, y = make_moons(60, noise=0.1, signed=True)
    model = MLP(2, [16, 16, 1])
    train(model, X.tolist(), y.tolist())
    loss(model, X.tolist(), y.tolist())[1] >= 0.95      # True

Check it with `python -m tutor exercises check . 07`.
"""


def loss(model, X, y, alpha=1e-4):
    # TODO: the mean hinge loss plus alpha times the sum of squared parameters; and the accuracy
    scores = [model(x) for x in X]
    losses = [(1 - yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in model.parameters())
    accuracy = sum((si.data > 0) == (yi > 0) for yi, si in zip(y, scores)) / len(y)
    return data_loss + reg_loss, accuracy
    # ELSE
    raise NotImplementedError("loss")
    # END


def train(model, X, y, steps=100):
    # TODO: forward, zero_grad, backward, update with a decaying learning rate; stop early at 100%
    for k in range(steps):
        total, accuracy = loss(model, X, y)
        if accuracy == 1.0:
            break
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / steps
        for p in model.parameters():
            p.data -= lr * p.grad
    # ELSE
    raise NotImplementedError("train")
    # END
