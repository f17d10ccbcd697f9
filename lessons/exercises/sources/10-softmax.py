"""Exercise 10: softmax and cross-entropy with a stable log-sum-exp, and its gradient (probs - onehot).

logits is (batch, classes), targets a list of class indices.
    softmax(logits)                 each row's exp, normalised to sum to 1
    log_softmax(logits)             logits - logsumexp(logits), computed stably:
                                    subtract each row's max before exp
    cross_entropy(logits, targets)  -> (loss, dlogits)
                                    loss = mean over rows of -log_softmax[row, target]
                                    dlogits = (softmax - onehot(targets)) / batch
Logits of 1000 must work: e^1000 overflows, e^(1000 - 1000) does not.

Usage:
    loss, grad = cross_entropy(np.array([[2.0, 1.0, 0.1]]), [0])   # loss ≈ 0.417

Check it with `python -m tutor exercises check . 10`.
"""

import numpy as np


def softmax(logits):
    # TODO: subtract the row max, exp, divide by the row sum
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
    # ELSE
    raise NotImplementedError("softmax")
    # END


def log_softmax(logits):
    # TODO: z - log(sum(exp(z))) with z = logits - row max
    z = logits - logits.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    # ELSE
    raise NotImplementedError("log_softmax")
    # END


def cross_entropy(logits, targets):
    # TODO: the mean negative log-probability of the targets, and (softmax - onehot) / batch
    n = logits.shape[0]
    rows = np.arange(n)
    loss = -log_softmax(logits)[rows, targets].mean()
    grad = softmax(logits)
    grad[rows, targets] -= 1
    return float(loss), grad / n
    # ELSE
    raise NotImplementedError("cross_entropy")
    # END
