"""13-bigram: counts, probabilities, NLL against NumPy on real names; samples that follow the counts."""

from __future__ import annotations

import itertools

import numpy as np

from lessons.exercises.checks._arrays import mismatch

NAME = "13-bigram"
TITLE = "The bigram model: counts, probabilities, NLL, sampling names"
GRAPH = False
HINTS = (
    "Wrap every name in dots: '.emma.' gives the bigrams .e em mm ma a. — the first and last tell the model "
    "how names start and end.",
    "P = (N + smoothing) / row sums (keepdims=True, so each row is divided by its own sum). The NLL averages "
    "-log P[i, j] over all bigrams of all words, not per word.",
    "chars = '.' + w + '.'\nfor a, b in itertools.pairwise(chars):\n    N[STOI[a], STOI[b]] += 1",
)
CHARS = ".abcdefghijklmnopqrstuvwxyz"


def inputs(rng) -> dict:
    from engine.names import load_names

    words = load_names()
    return {"words": rng.sample(words, 200), "smoothing": rng.choice([0.5, 1, 2]), "seed": rng.randint(0, 10**6)}


def probe(learner, inputs: dict) -> dict:
    words = inputs["words"]
    N = learner.count_bigrams(words)
    P = learner.probabilities(np.array(N), inputs["smoothing"])
    strict = learner.probabilities(np.array(N), 0)
    rng = np.random.default_rng(inputs["seed"])
    samples: list[str] | str
    try:
        samples = [str(learner.sample(np.array(strict), rng)) for _ in range(30)]
    except Exception as exc:  # reported after the counts, which say more
        samples = f"{type(exc).__name__}: {exc}"
    return {"N": N, "P": P, "nll": float(learner.nll(np.array(P), words)), "samples": samples}


def _counts(words) -> np.ndarray:
    index = {c: i for i, c in enumerate(CHARS)}
    N = np.zeros((27, 27))
    for w in words:
        chars = "." + w + "."
        for a, b in itertools.pairwise(chars):
            N[index[a], index[b]] += 1
    return N


def verdict(inputs: dict, obs: dict) -> list[str]:
    words = inputs["words"]
    N = _counts(words)
    P = (N + inputs["smoothing"]) / (N + inputs["smoothing"]).sum(axis=1, keepdims=True)
    index = {c: i for i, c in enumerate(CHARS)}
    pairs = [(index[a], index[b]) for w in words for a, b in zip("." + w + ".", w + ".")]
    nll = -np.mean([np.log(P[i, j]) for i, j in pairs])
    for what, got, want in (
        ("count_bigrams (N[i, j], 0 = '.', 1 = 'a')", obs["N"], N),
        (f"probabilities(N, smoothing={inputs['smoothing']})", obs["P"], P),
        ("nll", obs["nll"], nll),
    ):
        problem = mismatch(what, got, want)
        if problem:
            return [problem]
    if isinstance(obs["samples"], str):
        return [f"sample failed: {obs['samples']}"]
    for name in obs["samples"]:
        if not all(c in CHARS[1:] for c in name):
            return [f"sample gave {name!r}: a name of letters a-z, without the '.'"]
        chars = "." + name + "."
        for a, b in itertools.pairwise(chars):
            if N[index[a], index[b]] == 0:
                return [f"sample gave {name!r}, but {a}{b} never occurs in the names (its probability is 0)"]
    if len(set(obs["samples"])) < 5:
        return [f"30 samples gave only {len(set(obs['samples']))} different names: draw with rng.choice(27, p=row)"]
    return []
