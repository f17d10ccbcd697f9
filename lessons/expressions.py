"""Array expressions a learner types, read by a whitelist and evaluated with NumPy.

Used by `ExpressionQuiz`: "dlogits = ?" is answered with, say,
`(probs - onehot) / n`. The text is parsed with `ast.parse` and walked; only
the constructs below are evaluated, never Python itself:

- numbers, and the names the lesson offers (its arrays);
- `+ - * / ** @`, unary `-`, parentheses, `.T`;
- the functions in `FUNCTIONS`, with positional arguments and the keyword
  arguments `axis` and `keepdims` (whole numbers, tuples of them, True/False).

Anything else (other attributes, subscripts, strings, lambdas, imports...)
is refused with an `ExpressionError` naming the construct and its column.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["FUNCTIONS", "ExpressionError", "evaluate"]

MAX_CHARS = 400
MAX_DEPTH = 40
MAX_SIZE = 1_000_000  # elements in any intermediate array
MAX_EXPONENT = 64


class ExpressionError(ValueError):
    """A refused or failing expression: `message`, and `column` (1-based) when known."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(f"column {column}: {message}" if column else message)
        self.message = message
        self.column = column


def _functions() -> dict[str, tuple[Callable[..., Any], str]]:
    import numpy as np

    def softmax(x: Any, axis: int = -1) -> Any:
        z = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return z / z.sum(axis=axis, keepdims=True)

    return {
        "sum": (np.sum, "sum(x, axis=0, keepdims=True)"),
        "mean": (np.mean, "mean(x, axis=0)"),
        "max": (np.max, "max(x, axis=1, keepdims=True)"),
        "exp": (np.exp, "exp(x)"),
        "log": (np.log, "log(x)"),
        "tanh": (np.tanh, "tanh(x)"),
        "sqrt": (np.sqrt, "sqrt(x)"),
        "abs": (np.abs, "abs(x)"),
        "ones_like": (np.ones_like, "ones_like(x)"),
        "zeros_like": (np.zeros_like, "zeros_like(x)"),
        "softmax": (softmax, "softmax(x, axis=1)"),
    }


FUNCTIONS = ("sum", "mean", "max", "exp", "log", "tanh", "sqrt", "abs", "ones_like", "zeros_like", "softmax")
_KEYWORDS = ("axis", "keepdims")

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}


def _refuse(node: ast.AST, what: str) -> ExpressionError:
    return ExpressionError(f"{what} is not allowed here", getattr(node, "col_offset", -1) + 1 or None)


def _describe(node: ast.AST) -> str:
    names = {
        ast.Subscript: "indexing with [...]",
        ast.Attribute: "attribute access",
        ast.Lambda: "a lambda",
        ast.Constant: "a string",
        ast.ListComp: "a comprehension",
        ast.GeneratorExp: "a generator",
        ast.List: "a list",
        ast.Tuple: "a tuple",
        ast.Dict: "a dict",
        ast.Compare: "a comparison",
        ast.BoolOp: "and/or",
        ast.IfExp: "if/else",
        ast.NamedExpr: ":=",
        ast.JoinedStr: "an f-string",
        ast.Starred: "*unpacking",
    }
    return names.get(type(node), type(node).__name__)


def _keyword_value(node: ast.AST) -> Any:
    """axis=1, axis=(0, 1), axis=-1, keepdims=True."""
    if isinstance(node, ast.Constant) and (isinstance(node.value, bool) or type(node.value) is int):
        return node.value
    negative = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
    if negative and isinstance(node.operand, ast.Constant) and type(node.operand.value) is int:
        return -node.operand.value
    if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) and type(e.value) is int for e in node.elts):
        return tuple(e.value for e in node.elts)
    raise _refuse(node, "only whole numbers, tuples of them, True or False as axis/keepdims; " + _describe(node))


def evaluate(text: str, names: Mapping[str, Any]) -> Any:
    """The value of `text`, with `names` bound to the lesson's arrays; or ExpressionError."""
    import numpy as np

    if len(text) > MAX_CHARS:
        raise ExpressionError(f"the expression is too long: {len(text)} characters (at most {MAX_CHARS})")
    depth = 0
    for i, ch in enumerate(text):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth > MAX_DEPTH:
            raise ExpressionError(f"too deeply nested: more than {MAX_DEPTH} brackets", i + 1)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression ({exc.msg})", exc.offset) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the expression cannot be read") from None
    functions = _functions()

    def walk(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise _refuse(node, _describe(node) if isinstance(node.value, str) else repr(node.value))
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id.startswith("_") or node.id not in names:
                offered = ", ".join(sorted(names))
                raise ExpressionError(f"unknown name '{node.id}' (you can use: {offered})", node.col_offset + 1)
            return names[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Pow) and (np.size(right) != 1 or abs(float(np.max(right))) > MAX_EXPONENT):
                raise ExpressionError(f"exponents must be single numbers up to {MAX_EXPONENT}", node.col_offset + 1)
            return _apply(node, _BINARY[type(node.op)], left, right)
        if isinstance(node, ast.Attribute):
            if node.attr != "T":
                raise ExpressionError(f"attribute '.{node.attr}' is not allowed (only .T)", node.col_offset + 1)
            return np.transpose(walk(node.value))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in functions:
                what = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
                raise ExpressionError(
                    f"calling '{what}' is not allowed (functions: {', '.join(FUNCTIONS)})", node.col_offset + 1
                )
            fn = functions[node.func.id][0]
            args = [walk(a) for a in node.args]
            kwargs = {}
            for kw in node.keywords:
                if kw.arg not in _KEYWORDS:
                    where = kw.value.col_offset + 1
                    raise ExpressionError(f"keyword '{kw.arg}' is not allowed (only axis, keepdims)", where)
                kwargs[kw.arg] = _keyword_value(kw.value)
            return _call(node, fn, args, kwargs)
        raise _refuse(node, _describe(node))

    return walk(tree.body)


def _check_size(node: ast.AST, value: Any) -> Any:
    import numpy as np

    if np.size(value) > MAX_SIZE:
        raise ExpressionError(f"the result has {np.size(value):,} numbers (at most {MAX_SIZE:,})", node.col_offset + 1)
    if not np.all(np.isfinite(value)):
        raise ExpressionError("the result is not finite (a division by zero, or a log of 0?)", node.col_offset + 1)
    return value


def _apply(node: ast.AST, op: str, left: Any, right: Any) -> Any:
    import numpy as np

    for side in (left, right):
        if np.size(side) > MAX_SIZE:
            raise ExpressionError("an operand is too large", node.col_offset + 1)
    if op == "@" and np.ndim(left) >= 1 and np.ndim(right) >= 1:
        inner_left = np.shape(left)[-1]
        inner_right = np.shape(right)[0] if np.ndim(right) == 1 else np.shape(right)[-2]
        out = math.prod(np.shape(left)[:-1]) * (np.shape(right)[-1] if np.ndim(right) > 1 else 1)
        if inner_left == inner_right and out > MAX_SIZE:
            raise ExpressionError("the product would be too large", node.col_offset + 1)
    try:
        with np.errstate(all="raise"):
            value = {
                "+": np.add,
                "-": np.subtract,
                "*": np.multiply,
                "/": np.divide,
                "**": np.power,
                "@": np.matmul,
            }[op](left, right)
    except (ValueError, FloatingPointError, ArithmeticError) as exc:
        raise ExpressionError(f"'{op}' failed: {_shapes(left, right)} ({exc})", node.col_offset + 1) from None
    return _check_size(node, value)


def _call(node: ast.AST, fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    import numpy as np

    try:
        with np.errstate(all="raise"):
            value = fn(*args, **kwargs)
    except (TypeError, ValueError, FloatingPointError, ArithmeticError, np.exceptions.AxisError) as exc:
        raise ExpressionError(f"{node.func.id}(...) failed: {exc}", node.col_offset + 1) from None
    return _check_size(node, value)


def _shapes(left: Any, right: Any) -> str:
    import numpy as np

    return f"shapes {np.shape(left)} and {np.shape(right)}"
