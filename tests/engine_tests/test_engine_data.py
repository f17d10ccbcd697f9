"""engine.data: shapes, seeds, labels and the geometry of each dataset."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data import make_blobs, make_circles, make_moons, make_spirals, make_xor, signed

MAKERS = [make_moons, make_circles, make_xor, make_spirals, make_blobs]


@pytest.mark.parametrize("make", MAKERS)
def test_shapes_types_and_seeds(make):
    X, y = make(101, seed=3)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    X2, y2 = make(101, seed=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    X3, _ = make(101, seed=4)
    assert not np.array_equal(X, X3)
    assert np.all(np.isfinite(X))


def test_moons_geometry_like_sklearn():
    X, y = make_moons(100, noise=0.0, shuffle=False)
    t = np.linspace(0, np.pi, 50)
    assert np.allclose(X[:50], np.c_[np.cos(t), np.sin(t)])  # upper moon, class 0
    assert np.allclose(X[50:], np.c_[1 - np.cos(t), 1 - np.sin(t) - 0.5])  # lower moon, class 1
    assert list(y) == [0] * 50 + [1] * 50
    Xs, ys = make_moons(100, noise=0.0, seed=1)  # shuffled: the same points, paired with the same labels
    key = lambda X, y: sorted(zip(map(tuple, np.round(X, 12)), y))  # noqa: E731
    assert key(Xs, ys) == key(X, y)
    Xn, _ = make_moons(100, noise=0.1, seed=1)
    assert 0.05 < np.abs(Xn - Xs).mean() < 0.15  # gaussian noise with σ = 0.1 (mean |N| ≈ 0.08)


def test_moons_signed_labels_for_the_hinge_loss():
    _, y = make_moons(10, signed=True)
    assert set(y) == {-1, 1}
    assert list(signed(np.array([0, 1, 1]))) == [-1, 1, 1]
    with pytest.raises(ValueError):
        signed(np.array([2]))


def test_circles_radii():
    X, y = make_circles(80, noise=0.0, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.3)
    assert (y == 0).sum() == (y == 1).sum() == 40


def test_xor_labels():
    X, y = make_xor(200, noise=0.0)
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    assert np.all(np.abs(X) <= 1)
    _, ys = make_xor(20, signed=True)
    assert set(ys) <= {-1, 1}


def test_spirals_classes():
    X, y = make_spirals(301, classes=3)
    assert sorted(np.bincount(y)) == [100, 100, 101]
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1 + 1e-12)  # radius grows from 0 to 1
    _, y2 = make_spirals(40, classes=2, noise=0.0, shuffle=False)
    assert list(y2) == [0] * 20 + [1] * 20


def test_blobs_are_around_their_centers():
    centers = np.array([[-5.0, 0.0], [5.0, 5.0]])
    X, y = make_blobs(400, centers=centers, cluster_std=0.5)
    for j, c in enumerate(centers):
        assert np.allclose(X[y == j].mean(axis=0), c, atol=0.15)
    X3, y3 = make_blobs(90, centers=3)
    assert set(y3) == {0, 1, 2} and np.all(np.abs(X3) < 15)


def test_bad_arguments():
    with pytest.raises(ValueError, match="n must be"):
        make_moons(1)
    with pytest.raises(ValueError, match="noise"):
        make_moons(10, noise=-0.1)
    with pytest.raises(ValueError, match="factor"):
        make_circles(10, factor=1.5)
    with pytest.raises(ValueError, match="centers"):
        make_blobs(10, centers=np.zeros((2, 3)))
