"""Small 2-D classification datasets, seeded and reproducible, without scikit-learn.

Every function returns `(X, y)`: `X` a float array of shape (n, 2), `y` an
int array of n labels 0, 1, ... The same seed gives the same points.
`make_moons` and `make_circles` draw the same shapes as scikit-learn's
functions of the same name (the random draws differ).

micrograd's demo uses labels -1/+1 for its hinge loss: pass `signed=True`,
or call `signed(y)`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["make_blobs", "make_circles", "make_moons", "make_spirals", "make_xor", "signed"]


def signed(y: np.ndarray) -> np.ndarray:
    """0/1 labels as -1/+1 (what a hinge loss expects)."""
    y = np.asarray(y)
    if not np.isin(y, (0, 1)).all():
        raise ValueError("signed: labels must be 0 or 1")
    return y * 2 - 1


def _check(n: int, noise: float, least: int = 1) -> None:
    if int(n) != n or n < least:
        raise ValueError(f"n must be an integer >= {least}, got {n!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")


def _finish(X: np.ndarray, y: np.ndarray, rng: np.random.Generator, noise: float, shuffle: bool, signed_: bool):
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    y = y.astype(np.int64)
    return X.astype(np.float64), (signed(y) if signed_ else y)


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int | None = 0, *, shuffle: bool = True, signed: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: class 0 on top (centre (0, 0)), class 1 below (centre (1, 0.5))."""
    _check(n, noise, least=2)
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.vstack(
        [
            np.append(np.cos(t_out), 1 - np.cos(t_in)),
            np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5),
        ]
    ).T
    y = np.hstack([np.zeros(n_out), np.ones(n_in)])
    return _finish(X, y, rng, noise, shuffle, signed)


def make_circles(
    n: int = 100,
    noise: float = 0.05,
    seed: int | None = 0,
    *,
    factor: float = 0.5,
    shuffle: bool = True,
    signed: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (class 1, radius `factor`) inside a big one (class 0, radius 1)."""
    _check(n, noise, least=2)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be between 0 and 1, got {factor!r}")
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack(
        [
            np.append(np.cos(t_out), factor * np.cos(t_in)),
            np.append(np.sin(t_out), factor * np.sin(t_in)),
        ]
    ).T
    y = np.hstack([np.zeros(n_out), np.ones(n_in)])
    return _finish(X, y, rng, noise, shuffle, signed)


def make_xor(
    n: int = 100, noise: float = 0.0, seed: int | None = 0, *, signed: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Points in the square [-1, 1]², class 1 where x and y have different signs (the XOR of the signs)."""
    _check(n, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)
    return _finish(X, y, rng, noise, False, signed)


def _split(n: int, parts: int) -> list[int]:
    """n as `parts` sizes that differ by at most one, the bigger ones first."""
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


def make_spirals(
    n: int = 150, classes: int = 3, noise: float = 0.2, seed: int | None = 0, *, shuffle: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """`classes` arms winding out of the centre (CS231n's spiral data); `noise` jitters the angle."""
    _check(n, noise)
    if classes < 1:
        raise ValueError(f"classes must be >= 1, got {classes!r}")
    rng = np.random.default_rng(seed)
    parts, labels = [], []
    for j, m in enumerate(_split(n, classes)):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(j * 4.0, (j + 1) * 4.0, m)
        if noise:
            t = t + rng.normal(scale=noise, size=m)
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        labels.append(np.full(m, j))
    return _finish(np.vstack(parts), np.concatenate(labels), rng, 0.0, shuffle, False)


def make_blobs(
    n: int = 100,
    centers: int | np.ndarray = 3,
    cluster_std: float = 1.0,
    seed: int | None = 0,
    *,
    box: tuple[float, float] = (-10.0, 10.0),
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters, one class each. `centers` is a count (drawn uniformly in `box`²) or an array (k, 2)."""
    _check(n, cluster_std)
    rng = np.random.default_rng(seed)
    if np.ndim(centers) == 0:
        if int(centers) != centers or centers < 1:
            raise ValueError(f"centers must be a count >= 1 or an array of shape (k, 2), got {centers!r}")
        centers = rng.uniform(box[0], box[1], size=(int(centers), 2))
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or centers.shape[1] != 2:
        raise ValueError(f"centers must have shape (k, 2), got {centers.shape}")
    parts, labels = [], []
    for j, m in enumerate(_split(n, len(centers))):
        parts.append(rng.normal(loc=centers[j], scale=cluster_std, size=(m, 2)))
        labels.append(np.full(m, j))
    return _finish(np.vstack(parts), np.concatenate(labels), rng, 0.0, shuffle, False)
