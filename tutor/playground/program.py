"""The playground's little language, read by whitelist and run on `engine.Value`.

A program is a few assignments and one result, separated by newlines or `;`:

    a = 2.0; b = -3; c = 10
    L = tanh(a*b + c)          # or (a*b + c).tanh()

The text goes through `ast.parse` only to get a syntax tree: it is never
compiled, evaluated or executed. Every node of the tree is checked against a
short whitelist (numbers, names assigned earlier, `+ - * / **`, unary minus,
and the functions in `FUNCTIONS`) and turned into postfix instructions, which
`Program.build()` runs on a small stack machine that calls the engine.
Anything else is refused with one `ProgramError` naming the construct and its
column, e.g. `column 5: attribute access '.__class__' is not allowed`.

Decisions: each name labels exactly one node, so a name cannot be assigned
twice, `a += 1` is refused, `a = b = 1` is refused and `b = a` (a second name
for the same node) is refused. A name assigned a plain number (`a = 2`,
`a = -3`) is an input: a leaf whose grad is reported. Numbers inside
expressions are constants (unlabelled leaves).
"""

from __future__ import annotations

import ast
import math
import operator
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from engine.gradcheck import central_difference, relative_error
from engine.value import Value

__all__ = [
    "DEFAULT_LIMITS",
    "FUNCTIONS",
    "Built",
    "GradCheck",
    "Limits",
    "Program",
    "ProgramError",
    "Statement",
    "gradient_check",
    "parse",
    "run",
]

FUNCTIONS: dict[str, str] = {
    "tanh": "tanh(x) or x.tanh(): hyperbolic tangent, squashes x into (-1, 1)",
    "sigmoid": "sigmoid(x) or x.sigmoid(): 1 / (1 + e^-x), squashes x into (0, 1)",
    "relu": "relu(x) or x.relu(): max(0, x)",
    "exp": "exp(x) or x.exp(): e to the power x",
    "log": "log(x) or x.log(): natural logarithm, for x > 0",
    "sqrt": "sqrt(x) or x.sqrt(): square root, the same as x ** 0.5",
}

_LOG_FLOAT_MAX = math.log(sys.float_info.max)


@dataclass(frozen=True)
class Limits:
    """Bounds that keep any input cheap to parse, build and show."""

    max_chars: int = 2_000
    max_nesting: int = 50  # levels of brackets
    max_statements: int = 200
    max_nodes: int = 10_000


DEFAULT_LIMITS = Limits()


class ProgramError(Exception):
    """A refused or failing program: one line of text, with the position when known.

    `str(error)` is `column C: message` (or `line L, column C: message` for a
    program of several lines); `.message` is the text without the position;
    `.line` and `.column` are 1-based, or None.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None, *, show_line: bool = False):
        self.message = message.replace("\r", " ").replace("\n", " ")
        self.line = line
        self.column = column
        if column is None:
            text = self.message
        elif show_line and line is not None:
            text = f"line {line}, column {column}: {self.message}"
        else:
            text = f"column {column}: {self.message}"
        super().__init__(text)


# -- the representation: statements of postfix instructions ---------------------------------------

# An instruction is (op, argument, line, column):
#   ("num", 2.0) push a number    ("load", "a") push a named node    ("neg", None) negate the top
#   ("bin", "*") combine the top two    ("call", "tanh") apply a function to the top
Instr = tuple[str, Any, int, int]  # the argument's type goes with the opcode: a number, a name or an operator


@dataclass(frozen=True)
class Statement:
    """One `name = expression` (target None for a final bare expression)."""

    target: str | None
    code: tuple[Instr, ...]
    line: int
    column: int
    text: str  # the statement as typed

    @property
    def is_input(self) -> bool:
        """True for `name = <number>`: a leaf the learner can vary."""
        return self.target is not None and self.code[0][0] == "num" and all(i[0] == "neg" for i in self.code[1:])


@dataclass
class Built:
    """A program's graph: the result node, its inputs and every named node."""

    program: Program
    result: Value
    inputs: dict[str, Value]  # name -> leaf, for `name = <number>`
    names: dict[str, Value]  # every assigned name -> its node
    node_count: int

    def backward(self) -> None:
        """Fill in every grad with d(result)/d(node); a grad that becomes nan or inf is a ProgramError."""
        with self.program.finite_grads():
            self.result.backward()


@dataclass(frozen=True)
class GradCheck:
    """An input's grad from backprop next to a central-difference estimate."""

    name: str
    value: float
    analytical: float
    numerical: float | None  # None when a nudged program could not be evaluated
    rel_error: float | None
    ok: bool
    note: str = ""


@dataclass(frozen=True)
class Program:
    """A checked program, free of any Python syntax tree: build it as often as needed."""

    source: str
    statements: tuple[Statement, ...]
    limits: Limits = field(default=DEFAULT_LIMITS, compare=False)

    @property
    def result_name(self) -> str | None:
        """The name of the result, or None when it is a final bare expression."""
        return self.statements[-1].target

    @property
    def input_names(self) -> list[str]:
        return [s.target for s in self.statements if s.is_input and s.target is not None]

    @contextmanager
    def finite_grads(self) -> Iterator[None]:
        """Backprop inside turns the engine's FloatingPointError (a grad became nan or inf) into a ProgramError."""
        try:
            yield
        except FloatingPointError as exc:  # the engine names the node and says why
            raise self.error(str(exc)) from None

    def error(self, message: str, line: int | None = None, column: int | None = None) -> ProgramError:
        return ProgramError(message, line, column, show_line=_is_multiline(self.source))

    def build(self, values: Mapping[str, float] | None = None) -> Built:
        """Run the program on `engine.Value` and return its graph (grads all zero).

        `values` replaces the numbers of some inputs, e.g. `{"a": 2.001}`.
        Errors from the engine (log of a negative number, division by zero,
        overflow) come out as ProgramError with the column of the operation.
        """
        values = values or {}
        env: dict[str, Value] = {}
        inputs: dict[str, Value] = {}
        seen: set[Value] = set()
        result: Value | None = None
        for st in self.statements:
            if st.is_input and st.target is not None:
                number = values.get(st.target, _run_code(st.code, env, self))
                try:
                    node = Value(number, label=st.target)
                except (ValueError, TypeError) as exc:  # a value given to build() that is not a finite number
                    raise self.error(f"{st.target}: {exc}", st.line, st.column) from None
                inputs[st.target] = node
            else:
                out = _run_code(st.code, env, self, seen)
                node = out if isinstance(out, Value) else Value(out)
                if st.target is not None:
                    node.label = st.target
            self._count(node, seen)
            if st.target is not None:
                env[st.target] = node
            result = node
        assert result is not None
        return Built(self, result, inputs, env, len(seen))

    def _count(self, node: Value, seen: set[Value]) -> None:
        """Add the nodes under `node` not seen before; refuse a graph over the node limit."""
        stack = [node]
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(n._prev)
        if len(seen) > self.limits.max_nodes:
            raise self.error(f"the graph is too large: more than {self.limits.max_nodes:,} nodes")


def _is_multiline(text: str) -> bool:
    return "\n" in text or "\r" in text


# -- running: a stack machine over engine.Value ------------------------------------------------------

Operand = Value | float


def _sqrt(x: Value) -> Value:
    if x.data < 0:
        raise ValueError(f"sqrt({x.data:g}): the square root needs a number >= 0")
    return x**0.5


_APPLY: dict[str, Callable[[Value], Value]] = {
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": _sqrt,
}
assert set(_APPLY) == set(FUNCTIONS)


def _power(a: Operand, k: Operand) -> Value:
    """a ** k, refusing results too large for a float before computing anything."""
    base = a.data if isinstance(a, Value) else a
    exponent = k.data if isinstance(k, Value) else k
    if base != 0 and exponent != 0:
        log_size = exponent * math.log(abs(base))
        if log_size > _LOG_FLOAT_MAX:
            raise OverflowError(
                f"{base:.10g} ** {exponent:.10g} is too large for a float (about 10^{log_size / math.log(10):.0f})"
            )
    if not isinstance(a, Value):
        a = Value(a)
    return a**k


_ARITHMETIC: dict[str, Callable[[Any, Any], Value]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


def _binary(op: str, a: Operand, b: Operand) -> Value:
    """`a op b` with at least one Value, so the result (a Value) is a node of the graph."""
    if not isinstance(a, Value) and not isinstance(b, Value):
        a = Value(a)  # two numbers: keep the operation in the graph
    if op == "**":
        return _power(a, b)
    if op == "/" and (b.data if isinstance(b, Value) else b) == 0:
        raise ZeroDivisionError("division by zero")
    return _ARITHMETIC[op](a, b)


def _run_code(code: tuple[Instr, ...], env: dict[str, Value], program: Program, seen: set[Value] | None = None):
    """Run one statement's instructions; the result is a number or a Value."""
    stack: list[Operand] = []
    push, pop = stack.append, stack.pop
    for op, arg, line, column in code:
        try:
            if op == "num":
                push(arg)
            elif op == "load":
                push(env[arg])
            elif op == "neg":
                push(-pop())
            elif op == "bin":
                b = pop()
                push(_binary(arg, pop(), b))
            else:  # call
                x = pop()
                push(_APPLY[arg](x if isinstance(x, Value) else Value(x)))
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise program.error(str(exc) or type(exc).__name__, line, column) from None
        if seen is not None and isinstance(stack[-1], Value) and len(stack[-1]._prev) and op != "load":
            program._count(stack[-1], seen)
    return stack[-1]


def run(text: str, limits: Limits = DEFAULT_LIMITS) -> Built:
    """Parse, build and backprop a program: the graph with every grad filled in."""
    built = parse(text, limits).build()
    built.backward()
    return built


# -- the gradient check --------------------------------------------------------------------------------


def _nudged(program: Program, name: str, value: float) -> float:
    """The program's result with the input `name` set to `value`."""
    return program.build({name: value}).result.data


def gradient_check(program: Program, h: float = 1e-6, tolerance: float = 1e-4) -> list[GradCheck]:
    """Each input's grad from backprop against engine.gradcheck's central difference and relative error.

    The program is simply built again with one input nudged each way, by
    δ = h·max(1, |x|); the error is |analytical - numerical| / max(|analytical|, |numerical|, 1).
    """
    built = program.build()
    built.backward()
    checks = []
    for name, leaf in built.inputs.items():
        x = leaf.data
        try:
            numerical = central_difference(partial(_nudged, program, name), x, h)
        except ProgramError as exc:
            checks.append(GradCheck(name, x, leaf.grad, None, None, False, f"cannot nudge {name}: {exc.message}"))
            continue
        if not math.isfinite(numerical):
            checks.append(GradCheck(name, x, leaf.grad, None, None, False, "the numerical estimate overflowed"))
            continue
        rel = relative_error(leaf.grad, numerical)
        checks.append(GradCheck(name, x, leaf.grad, numerical, rel, rel <= tolerance))
    return checks


# -- parsing: a whitelist over Python's syntax tree --------------------------------------------------------

_BINOPS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_OTHER_BINOPS: dict[type, str] = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
}
_STATEMENT_WORDS: dict[str, str] = {
    "If": "if",
    "While": "while",
    "For": "for",
    "AsyncFor": "async for",
    "FunctionDef": "def",
    "AsyncFunctionDef": "async def",
    "ClassDef": "class",
    "With": "with",
    "AsyncWith": "async with",
    "Try": "try",
    "TryStar": "try",
    "Raise": "raise",
    "Assert": "assert",
    "Delete": "del",
    "Global": "global",
    "Nonlocal": "nonlocal",
    "Pass": "pass",
    "Break": "break",
    "Continue": "continue",
    "Return": "return",
    "Match": "match",
    "TypeAlias": "type",
}
_EXPRESSION_WORDS: dict[str, str] = {
    "Lambda": "lambda functions are not allowed",
    "ListComp": "comprehensions are not allowed",
    "SetComp": "comprehensions are not allowed",
    "DictComp": "comprehensions are not allowed",
    "GeneratorExp": "generator expressions are not allowed",
    "List": "list literals '[...]' are not allowed",
    "Tuple": "tuples are not allowed",
    "Set": "set literals '{...}' are not allowed",
    "Dict": "dict literals '{...}' are not allowed",
    "JoinedStr": "f-strings are not allowed",
    "FormattedValue": "f-strings are not allowed",
    "NamedExpr": "the walrus operator ':=' is not allowed",
    "Starred": "starred expressions '*x' are not allowed",
    "Compare": "comparisons are not allowed",
    "BoolOp": "'and' and 'or' are not allowed",
    "IfExp": "conditional expressions 'x if c else y' are not allowed",
    "Await": "'await' is not allowed",
    "Yield": "'yield' is not allowed",
    "YieldFrom": "'yield' is not allowed",
    "Slice": "slices are not allowed",
}
_NEWLINE = re.compile(r"\r\n|\r|\n")


def parse(text: str, limits: Limits = DEFAULT_LIMITS) -> Program:
    """Check a program against the whitelist and return it, or raise one ProgramError."""
    if not isinstance(text, str):
        raise ProgramError(f"a program is text, not {type(text).__name__}")
    return _Parser(text, limits).parse()


class _Parser:
    """One use: walks the syntax tree without recursion, collecting the first refusal by position."""

    def __init__(self, text: str, limits: Limits):
        self.text = text
        self.limits = limits
        self.lines = _NEWLINE.split(text)
        self.encoded: dict[int, bytes] = {}
        self.multiline = len(self.lines) > 1
        self.errors: list[tuple[int, int, int, str]] = []  # line, column, order found, message

    # positions ------------------------------------------------------------------------------------

    def fail(self, message: str, line: int | None = None, column: int | None = None) -> ProgramError:
        return ProgramError(message, line, column, show_line=self.multiline)

    def column(self, line: int, byte_offset: int) -> int:
        """1-based character column of a UTF-8 byte offset, as the ast module reports them."""
        if not 1 <= line <= len(self.lines):
            return byte_offset + 1
        if line not in self.encoded:
            self.encoded[line] = self.lines[line - 1].encode("utf-8", "replace")
        return len(self.encoded[line][:byte_offset].decode("utf-8", "replace")) + 1

    def start(self, node: ast.AST) -> tuple[int, int]:
        line = getattr(node, "lineno", 1)
        return line, self.column(line, getattr(node, "col_offset", 0))

    def end(self, node: ast.AST) -> tuple[int, int]:
        """The position just after `node`."""
        line = getattr(node, "end_lineno", None) or getattr(node, "lineno", None) or 1
        return line, self.column(line, getattr(node, "end_col_offset", 0) or 0)

    def attribute_position(self, node: ast.Attribute) -> tuple[int, int]:
        """Where the attribute's name starts: `(1).__class__` -> column 5."""
        line, after = self.end(node)
        return line, max(1, after - len(node.attr))

    def operator_position(self, node: ast.BinOp, symbol: str) -> tuple[int, int]:
        """The column of the operator between the operands, or the expression's start."""
        line, col = self.end(node.left)
        while 1 <= line <= len(self.lines):
            text = self.lines[line - 1]
            i = col - 1
            while i < len(text) and text[i] in " \t\f)":
                i += 1
            if text.startswith(symbol, i):
                return line, i + 1
            if i < len(text) and text[i] != "\\":
                break
            line, col = line + 1, 1
        return self.start(node)

    def refuse(self, position: tuple[int, int], message: str) -> None:
        self.errors.append((position[0], position[1], len(self.errors), message))

    # checks before Python's parser sees the text ----------------------------------------------------

    def check_size(self) -> None:
        n = len(self.text)
        if n > self.limits.max_chars:
            raise self.fail(f"the program is too long: {n:,} characters (the limit is {self.limits.max_chars:,})")
        depth = 0
        line, line_start = 1, 0
        for i, ch in enumerate(self.text):
            if ch in "([{":
                depth += 1
                if depth > self.limits.max_nesting:
                    raise self.fail(
                        f"too deeply nested: more than {self.limits.max_nesting} levels of brackets",
                        line,
                        i - line_start + 1,
                    )
            elif ch in ")]}":
                depth = max(0, depth - 1)
            elif ch == "\n" or (ch == "\r" and self.text[i + 1 : i + 2] != "\n"):
                line, line_start = line + 1, i + 1

    def syntax_tree(self) -> ast.Module:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse(self.text, mode="exec")
        except SyntaxError as exc:
            msg = (exc.msg or "invalid syntax").split("(<unknown>")[0].strip()
            if exc.lineno is not None and exc.offset:
                raise self.fail(f"syntax error: {msg}", exc.lineno, max(1, exc.offset)) from None
            raise self.fail(f"syntax error: {msg}") from None
        except (RecursionError, MemoryError):
            raise self.fail("the program is too deeply nested to read") from None
        except (ValueError, OverflowError) as exc:  # e.g. characters that are not valid text
            raise self.fail(f"the program cannot be read: {exc}"[:200]) from None

    # the walk ---------------------------------------------------------------------------------------------

    def parse(self) -> Program:
        self.check_size()
        module = self.syntax_tree()
        body = module.body
        if not body:
            raise self.fail("the program is empty: write e.g. 'a = 2; b = -3; L = a * b'")
        if len(body) > self.limits.max_statements:
            raise self.fail(
                f"too many statements: {len(body):,} (the limit is {self.limits.max_statements:,})",
                *self.start(body[self.limits.max_statements]),
            )
        defined: dict[str, tuple[int, int]] = {}
        statements: list[Statement] = []
        for index, stmt in enumerate(body):
            last = index == len(body) - 1
            st = self.statement(stmt, defined, last)
            if st is not None:
                statements.append(st)
                if st.target is not None:
                    defined[st.target] = (st.line, st.column)
        if self.errors:
            line, column, _, message = min(self.errors)
            raise self.fail(message, line, column)
        return Program(self.text, tuple(statements), self.limits)

    def statement(self, stmt: ast.stmt, defined: dict[str, tuple[int, int]], last: bool) -> Statement | None:
        kind = type(stmt).__name__
        position = self.start(stmt)
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) > 1:
                self.refuse(
                    self.start(stmt.targets[1]), "chained assignment 'a = b = ...' is not allowed: one name each"
                )
                self.check_only(stmt)
                return None
            target = stmt.targets[0]
            if not isinstance(target, ast.Name):
                if isinstance(target, (ast.Tuple, ast.List)):
                    self.refuse(self.start(target), "assigning several names at once is not allowed")
                self.check_only(stmt)
                return None
            name = target.id
            ok = self.check_new_name(name, self.start(target), defined)
            code = self.expression(stmt.value, defined)
            if code is None or not ok:
                return None
            if len(code) == 1 and code[0][0] == "load":
                self.refuse(
                    self.start(stmt.value),
                    f"'{name} = {code[0][1]}' would give '{code[0][1]}' a second name: use '{code[0][1]}' itself",
                )
                return None
            return Statement(name, code, *position, self.segment(stmt))
        if isinstance(stmt, ast.Expr):
            code = self.expression(stmt.value, defined)
            if not last:
                self.refuse(position, "a bare expression is only allowed as the last statement: write name = ...")
                return None
            return None if code is None else Statement(None, code, *position, self.segment(stmt))
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.refuse(position, "imports are not allowed")
        elif isinstance(stmt, ast.AugAssign):
            symbol = _BINOPS.get(type(stmt.op)) or _OTHER_BINOPS.get(type(stmt.op), "?")
            self.refuse(
                position,
                f"augmented assignment '{symbol}=' is not allowed: each name labels one value, "
                f"so write e.g. a2 = a {symbol} 1",
            )
        elif isinstance(stmt, ast.AnnAssign):
            self.refuse(position, "annotations are not allowed")
        else:
            word = _STATEMENT_WORDS.get(kind)
            self.refuse(position, f"'{word}' statements are not allowed" if word else f"{kind} is not allowed")
        self.check_only(stmt)
        return None

    def check_new_name(self, name: str, position: tuple[int, int], defined: dict[str, tuple[int, int]]) -> bool:
        if name.startswith("__"):
            self.refuse(position, f"the name '{name}' is not allowed (names may not start with '__')")
        elif name in FUNCTIONS:
            self.refuse(position, f"'{name}' is a function and cannot be assigned")
        elif name in defined:
            line, column = defined[name]
            where = f"line {line}, column {column}" if self.multiline else f"column {column}"
            self.refuse(position, f"'{name}' is already assigned (at {where}): each name labels one value")
        else:
            return True
        return False

    def expression(self, root: ast.expr, defined: dict[str, tuple[int, int]]) -> tuple[Instr, ...] | None:
        """Postfix instructions for an expression, or None after refusing something in it."""
        code: list[Instr] = []
        n_errors = len(self.errors)
        # Each stack entry is a node to visit or, once its operands are done, an instruction to emit.
        todo: list[ast.AST | Instr] = [root]
        while todo:
            item = todo.pop()
            if isinstance(item, tuple):
                code.append(item)
                continue
            node = item
            if isinstance(node, ast.Constant):
                number = self.number(node)
                if number is not None:
                    code.append(("num", number, *self.start(node)))
            elif isinstance(node, ast.Name):
                self.name(node, defined, code)
            elif isinstance(node, ast.BinOp):
                symbol = _BINOPS.get(type(node.op))
                if symbol is None:
                    other = _OTHER_BINOPS.get(type(node.op), type(node.op).__name__)
                    self.refuse(self.operator_position(node, other), f"the operator '{other}' is not allowed")
                    todo.extend((node.right, node.left))
                    continue
                todo.extend((("bin", symbol, *self.operator_position(node, symbol)), node.right, node.left))
            elif isinstance(node, ast.UnaryOp):
                if isinstance(node.op, ast.USub):
                    todo.extend((("neg", None, *self.start(node)), node.operand))
                elif isinstance(node.op, ast.UAdd):
                    todo.append(node.operand)
                else:
                    word = "not" if isinstance(node.op, ast.Not) else "~"
                    self.refuse(self.start(node), f"the operator '{word}' is not allowed")
                    todo.append(node.operand)
            elif isinstance(node, ast.Call):
                todo.extend(self.call(node))
            elif isinstance(node, ast.Attribute):
                self.refuse(self.attribute_position(node), f"attribute access '.{node.attr}' is not allowed")
                todo.append(node.value)
            elif isinstance(node, ast.Subscript):
                self.refuse(self.end(node.value), "subscripts '[...]' are not allowed")
                self.check_only(node)
            else:
                kind = type(node).__name__
                self.refuse(self.start(node), _EXPRESSION_WORDS.get(kind, f"{kind} is not allowed"))
                self.check_only(node)
        return tuple(code) if len(self.errors) == n_errors else None

    def number(self, node: ast.Constant) -> float | None:
        value = node.value
        position = self.start(node)
        if isinstance(value, bool) or value is None:
            self.refuse(
                position, f"{value} is not a number here (use 1 or 0)" if value is not None else "None is not allowed"
            )
        elif isinstance(value, (int, float)):
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
            if math.isfinite(number):
                return number
            text = self.segment(node)
            text = text if len(text) <= 24 else text[:10] + "…" + text[-10:]
            self.refuse(position, f"the number {text} is too large for a float (the limit is about 1.8e308)")
        elif isinstance(value, (str, bytes)):
            self.refuse(position, "strings are not allowed")
        elif isinstance(value, complex):
            self.refuse(position, "complex numbers are not allowed")
        else:
            self.refuse(position, f"'{self.segment(node)}' is not allowed")
        return None

    def name(self, node: ast.Name, defined: dict[str, tuple[int, int]], code: list[Instr]) -> None:
        name = node.id
        position = self.start(node)
        if name.startswith("__"):
            self.refuse(position, f"the name '{name}' is not allowed (names may not start with '__')")
        elif name in FUNCTIONS:
            self.refuse(position, f"'{name}' is a function: call it, e.g. {name}(x)")
        elif name not in defined:
            self.refuse(position, f"'{name}' is not defined: assign it first, e.g. {name} = 1")
        else:
            code.append(("load", name, *position))

    def call(self, node: ast.Call) -> list[ast.AST | Instr]:
        """What to visit for a call of an allowed function, after refusing anything else."""
        for kw in node.keywords:
            what = "keyword arguments are not allowed" if kw.arg else "'**' unpacking is not allowed"
            self.refuse(self.start(kw), what)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.refuse(self.start(arg), "starred arguments '*x' are not allowed")
        func = node.func
        if isinstance(func, ast.Name) and func.id in FUNCTIONS:
            name, position = func.id, self.start(func)
            if len(node.args) != 1:
                self.refuse(position, f"{name}() takes exactly one argument, e.g. {name}(x)")
            elif not node.keywords and not isinstance(node.args[0], ast.Starred):
                return [("call", name, *position), node.args[0]]
        elif isinstance(func, ast.Attribute) and func.attr in FUNCTIONS:
            name, position = func.attr, self.attribute_position(func)
            if node.args:
                self.refuse(self.start(node.args[0]), f".{name}() takes no arguments, e.g. x.{name}()")
            elif not node.keywords:
                return [("call", name, *position), func.value]
            self.check_only(func.value, inside=False)
        elif isinstance(func, ast.Name):
            self.refuse(self.start(func), f"calling '{func.id}' is not allowed (only {', '.join(FUNCTIONS)})")
        elif isinstance(func, ast.Attribute):
            self.refuse(self.attribute_position(func), f"method '.{func.attr}()' is not allowed")
            self.check_only(func.value, inside=False)
        else:
            self.refuse(self.start(node), f"only these functions can be called: {', '.join(FUNCTIONS)}")
            self.check_only(func, inside=False)
        for arg in node.args:
            self.check_only(arg, inside=False)
        for kw in node.keywords:
            self.check_only(kw.value, inside=False)
        return []

    def check_only(self, root: ast.AST, *, inside: bool = True) -> None:
        """Refuse every construct in `root` (only inside it if `inside`), so the earliest is reported.

        Used for the parts of an already refused construct, which are not compiled.
        """
        todo = list(ast.iter_child_nodes(root)) if inside else [root]
        while todo:
            node = todo.pop()
            kind = type(node).__name__
            if isinstance(node, ast.Name) and node.id.startswith("__"):
                self.refuse(self.start(node), f"the name '{node.id}' is not allowed (names may not start with '__')")
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self.refuse(self.start(node), "imports are not allowed")
            elif isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
                self.refuse(self.start(node), "strings are not allowed")
            elif isinstance(node, ast.Attribute) and node.attr not in FUNCTIONS:
                self.refuse(self.attribute_position(node), f"attribute access '.{node.attr}' is not allowed")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in FUNCTIONS:
                self.refuse(self.start(node.func), f"calling '{node.func.id}' is not allowed")
            elif isinstance(node, ast.Subscript):
                self.refuse(self.end(node.value), "subscripts '[...]' are not allowed")
            elif kind in _EXPRESSION_WORDS:
                self.refuse(self.start(node), _EXPRESSION_WORDS[kind])
            elif kind in _STATEMENT_WORDS:
                self.refuse(self.start(node), f"'{_STATEMENT_WORDS[kind]}' statements are not allowed")
            todo.extend(ast.iter_child_nodes(node))

    def segment(self, node: ast.AST) -> str:
        """The source text of a node, on one line."""
        (line, col), (end_line, end_col) = self.start(node), self.end(node)
        if not 1 <= line <= end_line <= len(self.lines):
            return ""
        if line == end_line:
            return self.lines[line - 1][col - 1 : end_col - 1]
        parts = [
            self.lines[line - 1][col - 1 :],
            *self.lines[line : end_line - 1],
            self.lines[end_line - 1][: end_col - 1],
        ]
        return " ".join(p.strip() for p in parts)
