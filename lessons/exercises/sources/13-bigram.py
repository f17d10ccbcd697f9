"""Exercise 13: the bigram model: counts -> probabilities -> negative log-likelihood -> sampling names.

Characters are numbered '.' -> 0 (the start and end of a name), 'a' -> 1, ..., 'z' -> 26.
    count_bigrams(words)        N, a (27, 27) array: N[i, j] = how often j follows i,
                                with '.' before the first and after the last letter
    probabilities(N, smoothing) P: each row of N + smoothing, divided by its sum
    nll(P, words)               the mean of -log P[i, j] over every bigram of the words
    sample(P, rng)              a name: start at '.', draw the next character from
                                its row with rng.choice(27, p=row), stop at '.'

Usage:
    from engine.names import load_names
    words = load_names()
    P = probabilities(count_bigrams(words), smoothing=1)
    nll(P, words)                        # about 2.4
    sample(P, np.random.default_rng(0))  # a made-up name

Check it with `python -m tutor exercises check . 13`.
"""

import numpy as np

CHARS = ".abcdefghijklmnopqrstuvwxyz"
STOI = {c: i for i, c in enumerate(CHARS)}


def count_bigrams(words):
    # TODO: count every pair of neighbours in "." + word + "."
    N = np.zeros((27, 27), dtype=np.int64)
    for w in words:
        chars = "." + w + "."
        for a, b in zip(chars, chars[1:]):
            N[STOI[a], STOI[b]] += 1
    return N
    # ELSE
    raise NotImplementedError("count_bigrams")
    # END


def probabilities(N, smoothing=1):
    # TODO: add smoothing, normalise each row
    P = N.astype(float) + smoothing
    return P / P.sum(axis=1, keepdims=True)
    # ELSE
    raise NotImplementedError("probabilities")
    # END


def nll(P, words):
    # TODO: mean of -log P over the bigrams
    total, n = 0.0, 0
    for w in words:
        chars = "." + w + "."
        for a, b in zip(chars, chars[1:]):
            total -= np.log(P[STOI[a], STOI[b]])
            n += 1
    return total / n
    # ELSE
    raise NotImplementedError("nll")
    # END


def sample(P, rng):
    # TODO: from '.', draw characters until '.' comes again
    out, i = [], 0
    while True:
        i = rng.choice(27, p=P[i])
        if i == 0:
            return "".join(out)
        out.append(CHARS[i])
    # ELSE
    raise NotImplementedError("sample")
    # END
