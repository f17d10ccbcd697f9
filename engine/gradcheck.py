"""Check backprop against the definition of a derivative.

    from engine.gradcheck import gradcheck
    result = gradcheck(lambda v: (v[0] * v[1]).tanh(), [0.5, -1.5])
    assert result.passed, result.report()

The numerical gradient of input i is the central difference

    (f(x + hᵢ) - f(x - hᵢ)) / 2hᵢ,      hᵢ = h · max(1, |xᵢ|)

whose error shrinks like h² (a one-sided difference only shrinks like h).
h is scaled with |xᵢ| so that x + h still differs from x in a float; the
default h = 1e-6 balances the h² error against float rounding, which grows
like 1e-16·|f| / h.

The error of input i is |analytical - numerical| / max(|analytical|, |numerical|, 1):
relative for gradients above 1 and absolute below. A gradient of exactly 0 is
then judged fairly: its numerical estimate is rounding noise like 1e-11, which
a pure relative error would call a 100% error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.value import Value

__all__ = ["GradCheckResult", "central_difference", "gradcheck", "numerical_gradient", "relative_error"]

Function = Callable[[list[Value]], Value | float]


def relative_error(analytical: float, numerical: float) -> float:
    """|a - n| / max(|a|, |n|, 1): relative for large gradients, absolute for small ones."""
    return abs(analytical - numerical) / max(abs(analytical), abs(numerical), 1.0)


def _evaluate(f: Function, xs: Sequence[float]) -> float:
    out = f([Value(x) for x in xs])
    return out.data if isinstance(out, Value) else float(out)


def central_difference(f: Callable[[float], float], x: float, h: float = 1e-6) -> float:
    """The slope of f at x, (f(x + δ) - f(x - δ)) / 2δ with δ = h·max(1, |x|): the one numerical derivative.

    Every numerical gradient in the project is this, one input at a time: for
    a list of Values here, for a program in the playground, for each number of
    a Tensor in engine.tensor_check.
    """
    if not h > 0:
        raise ValueError(f"h must be positive, got {h!r}")
    step = h * max(1.0, abs(x))
    return (f(x + step) - f(x - step)) / (2 * step)


def numerical_gradient(f: Function, xs: Sequence[float], h: float = 1e-6) -> list[float]:
    """∂f/∂xᵢ for every input by central differences (see the module docstring)."""

    def along(i: int) -> Callable[[float], float]:
        return lambda v: _evaluate(f, [*xs[:i], v, *xs[i + 1 :]])

    return [central_difference(along(i), x, h) for i, x in enumerate(xs)]


@dataclass(frozen=True)
class GradCheckResult:
    inputs: tuple[float, ...]
    analytical: tuple[float, ...]  # from backward()
    numerical: tuple[float, ...]  # from central differences
    errors: tuple[float, ...]  # relative_error for each input
    tolerance: float

    @property
    def passed(self) -> bool:
        return all(e <= self.tolerance for e in self.errors)

    @property
    def max_error(self) -> float:
        return max(self.errors, default=0.0)

    @property
    def failures(self) -> list[int]:
        """The positions of the inputs whose error is above the tolerance."""
        return [i for i, e in enumerate(self.errors) if e > self.tolerance]

    def __bool__(self) -> bool:
        return self.passed

    def report(self) -> str:
        """A table, one line per input, and a verdict."""
        lines = [f"{'input':>5}  {'x':>12}  {'backprop':>14}  {'numerical':>14}  {'rel. error':>10}"]
        for i, (x, a, n, e) in enumerate(zip(self.inputs, self.analytical, self.numerical, self.errors)):
            flag = "" if e <= self.tolerance else "  <-- FAIL"
            lines.append(f"{i:>5}  {x:>12.6g}  {a:>14.8g}  {n:>14.8g}  {e:>10.2e}{flag}")
        verdict = "passed" if self.passed else f"FAILED for input(s) {', '.join(map(str, self.failures))}"
        lines.append(f"gradcheck {verdict}: max error {self.max_error:.2e}, tolerance {self.tolerance:.0e}")
        return "\n".join(lines)


def gradcheck(
    f: Function, inputs: Sequence[float | Value], h: float = 1e-6, tolerance: float = 1e-5
) -> GradCheckResult:
    """Compare the gradients backward() gives for `f` at `inputs` with central differences.

    `f` takes a list of Values (one per input) and returns a Value. It is
    called with fresh leaves each time, so the Values passed in are only read.
    Values that `f` uses from elsewhere (a model's parameters) are constants
    to the check, but their grads do accumulate.
    """
    xs = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    leaves = [Value(x) for x in xs]
    out = f(leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()
    analytical = [leaf.grad for leaf in leaves]
    numerical = numerical_gradient(f, xs, h)
    errors = [relative_error(a, n) for a, n in zip(analytical, numerical)]
    return GradCheckResult(tuple(xs), tuple(analytical), tuple(numerical), tuple(errors), tolerance)
