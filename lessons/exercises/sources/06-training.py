"""Exercise 06: the training loop on the lecture's four examples.

Write `step(model, xs, ys, lr)`: one step of gradient descent, the lecture's way:
    1. forward: a prediction for every x in xs
    2. loss: the sum of squared errors, sum((ypred - y)**2)
    3. zero_grad: set every parameter's grad to 0 (grads add up otherwise!)
    4. backward: loss.backward()
    5. update: p.data -= lr * p.grad for every parameter
and return the loss as a float (its value before the update).
Then `train(model, xs, ys, steps, lr)` repeats it and returns the losses;
choose default steps and lr so the loss ends below 0.05.

Usage:
    from engine.nn import MLP
    model = MLP(3, [4, 4, 1], activation="tanh")
    losses = train(model, XS, YS)
    losses[-1] < 0.05        # True

Check it with `python -m tutor exercises check . 06`.
"""

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


def step(model, xs, ys, lr):
    # TODO: forward, loss, zero_grad, backward, update; return loss.data
    ypred = [model(x) for x in xs]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss.data
    # ELSE
    raise NotImplementedError("step")
    # END


def train(model, xs, ys, steps=100, lr=0.05):
    # TODO: call step() `steps` times; return the list of losses
    return [step(model, xs, ys, lr) for _ in range(steps)]
    # ELSE
    raise NotImplementedError("train")
    # END
