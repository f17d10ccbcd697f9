"""The PyTorch spellings a learner porting makemore meets first, checked against NumPy and central differences."""

from __future__ import annotations

import numpy as np
import pytest

from engine.tensor import Tensor, multinomial, one_hot
from engine.tensor_check import numerical_grad

RNG = np.random.default_rng(5)


def grad_matches(f, x: Tensor) -> None:
    upstream = RNG.standard_normal(f().shape)
    x.grad = None  # PyTorch's way to zero a grad before a backward
    f().backward(upstream)
    numerical = numerical_grad(lambda: float((f().data * upstream).sum()), x)
    np.testing.assert_allclose(x.grad, numerical, rtol=1e-5, atol=1e-7)


def test_keepdim_and_dim_beside_keepdims_and_axis():
    a = RNG.standard_normal((3, 4))
    x = Tensor(a)
    np.testing.assert_array_equal(x.sum(1, keepdim=True).data, a.sum(1, keepdims=True))
    np.testing.assert_array_equal(x.mean(dim=0, keepdim=True).data, a.mean(0, keepdims=True))
    np.testing.assert_allclose(x.var(dim=1, keepdim=True).data, a.var(1, ddof=1, keepdims=True))
    grad_matches(lambda: x.mean(dim=0, keepdim=True) * 3.0, x)
    with pytest.raises(TypeError, match="not both"):
        x.sum(0, dim=1)


def test_std_as_pytorch_spells_it():
    a = RNG.standard_normal((5, 3))
    x = Tensor(a)
    np.testing.assert_allclose(x.std(0).data, a.std(0, ddof=1))
    np.testing.assert_allclose(x.std(1, True, unbiased=False).data, a.std(1, ddof=0, keepdims=True))
    np.testing.assert_allclose(x.std().data, a.std(ddof=1))
    grad_matches(lambda: x.std(0, keepdim=True), x)


def test_max_with_dim_gives_values_and_indices():
    a = RNG.standard_normal((4, 6))
    x = Tensor(a)
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(values.data, a.max(1))
    np.testing.assert_array_equal(indices, a.argmax(1))
    kept = x.max(1, keepdim=True)  # makemore: logits.max(1, keepdim=True).values
    assert kept.values.shape == (4, 1) and kept.indices.shape == (4, 1)
    assert isinstance(x.max(1), Tensor) and isinstance(x.max(axis=1), Tensor)  # NumPy's way: the values
    grad_matches(lambda: x.max(dim=0).values, x)


def test_grad_none_before_a_backward_starts_from_zero():
    x = Tensor([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    x.grad = None
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])  # not 2x + 2


def test_nelement():
    assert Tensor(np.zeros((3, 4, 5))).nelement() == 60


def test_one_hot():
    ix = np.array([[0, 2], [1, 1]])
    oh = one_hot(ix, num_classes=3)
    assert oh.shape == (2, 2, 3)
    np.testing.assert_array_equal(oh.data.argmax(-1), ix)
    np.testing.assert_array_equal(oh.data.sum(-1), np.ones((2, 2)))
    W = Tensor(RNG.standard_normal((3, 4)))
    np.testing.assert_array_equal((oh @ W).data, W.data[ix])  # one_hot @ W picks rows, as in makemore
    with pytest.raises(IndexError, match=r"not a class 0\.\.2"):
        one_hot([3], 3)


def test_multinomial_draws_in_proportion_and_is_seeded():
    p = Tensor([[0.1, 0.0, 0.9], [1.0, 1.0, 2.0]])  # weights need not sum to 1
    draws = multinomial(p, num_samples=4000, replacement=True, generator=np.random.default_rng(0))
    assert draws.shape == (2, 4000) and draws.dtype.kind == "i"
    assert not (draws[0] == 1).any()  # a class of weight 0 is never drawn
    assert (draws[0] == 2).mean() == pytest.approx(0.9, abs=0.03)
    assert (draws[1] == 2).mean() == pytest.approx(0.5, abs=0.03)
    again = multinomial(p, num_samples=4000, replacement=True, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(draws, again)
    one = multinomial(Tensor([0.0, 1.0, 0.0]), 1, generator=np.random.default_rng(1))
    assert one.tolist() == [1]
    with pytest.raises(ValueError, match="without replacement"):
        multinomial(Tensor([0.0, 1.0]), 2)
    with pytest.raises(ValueError, match="weights >= 0"):
        multinomial(Tensor([-1.0, 1.0]), 1)
