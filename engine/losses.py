"""Loss functions built from `Value` operations, so `loss.backward()` reaches every parameter.

Each loss returns one `Value`: the mean over the examples (plus a penalty
where one is asked for). `accuracy` returns a plain float: nothing to
differentiate there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from engine.value import Value

__all__ = ["accuracy", "binary_cross_entropy", "cross_entropy", "hinge_loss", "mse", "softmax"]


def _as_list(x: Value | float | Sequence[Value | float]) -> list:
    if isinstance(x, Value) or not hasattr(x, "__len__"):
        return [x]
    return list(x)


def _pairs(outputs, targets, name: str) -> list[tuple]:
    outputs, targets = _as_list(outputs), _as_list(targets)
    if len(outputs) != len(targets):
        raise ValueError(f"{name}: {len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError(f"{name}: no examples")
    return list(zip(outputs, targets))


def _mean(terms: list[Value]) -> Value:
    return sum(terms) * (1.0 / len(terms))


def mse(preds: Value | Sequence[Value], targets: float | Sequence[float | Value]) -> Value:
    """Mean squared error: mean of (prediction - target)²."""
    return _mean([(p - t) ** 2 for p, t in _pairs(preds, targets, "mse")])


def hinge_loss(
    scores: Value | Sequence[Value],
    labels: float | Sequence[float],
    parameters: Iterable[Value] | None = None,
    alpha: float = 1e-4,
) -> Value:
    """The SVM "max-margin" loss of micrograd's demo, with an optional L2 penalty:

        mean of relu(1 - yᵢ·scoreᵢ)   +   alpha · Σ p²  (over `parameters`, if given)

    Labels must be -1 or +1 (`engine.data.signed(y)` turns 0/1 labels into them).
    A score on the right side of zero by a margin of 1 or more costs nothing.
    """
    pairs = _pairs(scores, labels, "hinge_loss")
    for _, y in pairs:
        if y not in (-1, 1):
            raise ValueError(f"hinge_loss: labels must be -1 or +1, got {y!r} (use engine.data.signed for 0/1 labels)")
    data_loss = _mean([(1 + -float(y) * s).relu() for s, y in pairs])
    if parameters is None:
        return data_loss
    return data_loss + alpha * sum(p * p for p in parameters)


def binary_cross_entropy(
    outputs: Value | Sequence[Value], targets: float | Sequence[float], from_logits: bool = True
) -> Value:
    """Mean of -[y·ln p + (1-y)·ln(1-p)] for targets y in [0, 1].

    With `from_logits=True` (the default) the outputs are raw scores z and
    p = σ(z) is never formed; the loss is computed in the stable form

        (1-y)·z + ln(1 + e^-z)   for z >= 0
          -y·z  + ln(1 + e^z)    for z < 0

    (the same function, written so that e^ only ever sees -|z|), which stays
    finite, with a finite slope σ(z) - y, for any z. With `from_logits=False` the outputs are
    probabilities; a probability of exactly 0 or 1 against the other target
    is an infinite loss and raises a ValueError (pass logits instead).
    """
    terms = []
    for out, y in _pairs(outputs, targets, "binary_cross_entropy"):
        if not 0 <= y <= 1:
            raise ValueError(f"binary_cross_entropy: targets must be in [0, 1], got {y!r}")
        y = float(y)
        if from_logits:
            z = out if isinstance(out, Value) else Value(out)
            if z.data >= 0:
                terms.append((1 - y) * z + (1 + (-z).exp()).log())
            else:
                terms.append(-y * z + (1 + z.exp()).log())
        else:
            p = out if isinstance(out, Value) else Value(out)
            if (p.data <= 0 and y > 0) or (p.data >= 1 and y < 1):
                raise ValueError(
                    f"binary_cross_entropy: probability {p.data} for target {y} is an infinite loss;"
                    " pass logits with from_logits=True"
                )
            term = 0.0
            if y > 0:
                term = term - y * p.log()
            if y < 1:
                term = term - (1 - y) * (1 - p).log()
            terms.append(term)
    return _mean(terms)


def softmax(logits: Sequence[Value | float]) -> list[Value]:
    """Probabilities e^zᵢ / Σ e^zⱼ. The largest logit is subtracted first (a constant, so the
    result is unchanged) and no exponential can overflow."""
    logits = [z if isinstance(z, Value) else Value(z) for z in logits]
    if not logits:
        raise ValueError("softmax: no logits")
    m = max(z.data for z in logits)
    exps = [(z - m).exp() for z in logits]
    total = sum(exps)
    return [e / total for e in exps]


def cross_entropy(logits: Sequence[Value | float], target: int) -> Value:
    """-ln softmax(logits)[target], by the log-sum-exp trick:

        ln Σ e^zⱼ - z_target  =  m + ln Σ e^(zⱼ-m) - z_target,   m = max zⱼ (a constant)

    Every e^(zⱼ-m) is at most 1 and the sum at least 1, so nothing overflows
    and the log never sees zero. For a batch, average it over the examples.
    """
    logits = [z if isinstance(z, Value) else Value(z) for z in logits]
    if not 0 <= target < len(logits) or isinstance(target, bool) or int(target) != target:
        raise ValueError(f"cross_entropy: target {target!r} is not a class index below {len(logits)}")
    m = max(z.data for z in logits)
    return sum((z - m).exp() for z in logits).log() + m - logits[int(target)]


def accuracy(scores: Sequence[Value | float | Sequence[Value | float]], labels: Sequence[float]) -> float:
    """The fraction of examples classified right.

    A score that is one number is a binary decision: positive means class +1
    (labels may be -1/+1 or 0/1; a label counts as positive when it is > 0).
    A score that is a list holds one logit per class: the prediction is the
    index of the largest, compared with an integer label.
    """
    pairs = _pairs(scores, labels, "accuracy")
    right = 0
    for s, y in pairs:
        if isinstance(s, Value) or not hasattr(s, "__len__"):
            right += (_data(s) > 0) == (y > 0)
        else:
            data = [_data(z) for z in s]
            right += data.index(max(data)) == y
    return float(right) / len(pairs)


def _data(x: Value | float) -> float:
    value = x.data if isinstance(x, Value) else float(x)
    if math.isnan(value):
        raise ValueError("accuracy: a score is NaN")
    return value
