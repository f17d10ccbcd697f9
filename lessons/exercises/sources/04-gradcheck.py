"""Exercise 04: numerical vs analytical gradients: a gradient check, and choosing h.

Write:
    numerical_grad(f, xs, h=H)    the partial derivatives of f at the point xs
                                  (a list of floats), one per input, by the
                                  central difference (f(x + h) - f(x - h)) / 2h.
                                  Choose the default step H: too big and the
                                  formula's own error shows, too small and
                                  floating-point rounding does.
    relative_error(a, b)          |a - b| / max(|a|, |b|), and 0 when both are 0.
    grad_check(f, grad_f, xs)     the largest relative error between grad_f(xs)
                                  (your analytical gradient, a list) and
                                  numerical_grad(f, xs).

Usage:
    f = lambda xs: xs[0] ** 2 * xs[1]
    numerical_grad(f, [3.0, 2.0])                              # ≈ [12.0, 9.0]
    grad_check(f, lambda xs: [2 * xs[0] * xs[1], xs[0] ** 2], [3.0, 2.0])   # ≈ 1e-10

Check it with `python -m tutor exercises check . 04`.
"""


# TODO: choose H, the default step: try 1e-1, 1e-5 and 1e-12 against an exact derivative
H = 1e-5
# ELSE
H = 1e-1
# END


def numerical_grad(f, xs, h=None):
    h = H if h is None else h
    # TODO: one central difference per input: nudge xs[i] up and down by h, the others fixed
    grads = []
    for i in range(len(xs)):
        up = list(xs)
        down = list(xs)
        up[i] += h
        down[i] -= h
        grads.append((f(up) - f(down)) / (2 * h))
    return grads
    # ELSE
    raise NotImplementedError("numerical_grad")
    # END


def relative_error(a, b):
    # TODO: |a - b| / max(|a|, |b|); 0 when both are 0
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale
    # ELSE
    raise NotImplementedError("relative_error")
    # END


def grad_check(f, grad_f, xs):
    # TODO: the largest relative error between grad_f(xs) and numerical_grad(f, xs)
    return max(relative_error(a, n) for a, n in zip(grad_f(xs), numerical_grad(f, xs)))
    # ELSE
    raise NotImplementedError("grad_check")
    # END
