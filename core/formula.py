"""Typed-in surfaces: a formula f(x, y) turned into torch operations, safely.

The text is parsed by Python's `ast` (which only reads it) and every node is checked
against a whitelist; nothing is ever evaluated as Python. Allowed: numbers, x, y, pi, e,
+ - * / ** (and ^ as power), unary minus, parentheses, and the functions in FUNCTIONS.
Numbers become float tensors, so 9**9**9 overflows to inf instead of growing a bignum.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .errors import LossMountainError

MAX_LENGTH = 300
# what a formula may contain at all: no quotes, no #, no newlines (so no comments or strings)
ALLOWED_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ .+-*/^(),\t")
MAX_NODES = 200
MAX_DEPTH = 30
VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
# name: (arity, torch function, the same as PyTorch code for generated scripts)
FUNCTIONS: dict[str, tuple[int, Callable[..., torch.Tensor], str]] = {
    "sin": (1, torch.sin, "torch.sin"), "cos": (1, torch.cos, "torch.cos"),
    "tan": (1, torch.tan, "torch.tan"), "exp": (1, torch.exp, "torch.exp"),
    "log": (1, torch.log, "torch.log"), "sqrt": (1, torch.sqrt, "torch.sqrt"),
    "abs": (1, torch.abs, "torch.abs"), "tanh": (1, torch.tanh, "torch.tanh"),
    "sigmoid": (1, torch.sigmoid, "torch.sigmoid"), "relu": (1, torch.relu, "torch.relu"),
    "softplus": (1, F.softplus, "torch.nn.functional.softplus"),
    "min": (2, torch.minimum, "torch.minimum"), "max": (2, torch.maximum, "torch.maximum"),
}
OPERATORS = {ast.Add: ("+", torch.add), ast.Sub: ("-", torch.sub), ast.Mult: ("*", torch.mul),
             ast.Div: ("/", torch.div), ast.Pow: ("**", torch.pow)}
_OPERATOR_NAMES = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
                   ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^"}
Evaluator = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class _At:
    """A position to report, where the tree has no node of its own (an operator)."""

    col_offset: int


@dataclass(frozen=True)
class Formula:
    """A checked formula: its text, the same as PyTorch code in x and y, and a torch
    function of points (..., 2) -> (...)."""

    text: str
    code: str
    evaluate: Evaluator

    def __call__(self, points: torch.Tensor) -> torch.Tensor:
        x, y = points[..., 0], points[..., 1]
        # a formula without x or y is still a surface: spread it over every point
        value = self.evaluate(x, y).expand(x.shape)
        if points.requires_grad and not value.requires_grad:
            # a flat surface: its slope is 0, and loss.backward() still needs a graph to walk
            value = value + 0.0 * points.sum(dim=-1)
        return value


def _source(text: str) -> tuple[str, list[int]]:
    """The text as Python reads it (^ becomes **), and for each of its characters the
    column (1-based) it came from in what the user typed."""
    source, columns = [], []
    for column, char in enumerate(text, start=1):
        pieces = "**" if char == "^" else char
        source.append(pieces)
        columns += [column] * len(pieces)
    return "".join(source), columns + [len(text) + 1]


def _fail(what: str, node: ast.AST | None, columns: list[int], hint: str = "") -> LossMountainError:
    """'what at column N; hint', the column counted in the text as the user typed it."""
    where = "" if node is None or not hasattr(node, "col_offset") else \
        f" at column {columns[min(node.col_offset, len(columns) - 1)]}"
    return LossMountainError(f"{what}{where}" + (f"; {hint}" if hint else ""))


def _describe(node: ast.AST) -> str:
    kinds = {ast.Attribute: "a dot (attribute access)", ast.Subscript: "indexing with [ ]",
             ast.Lambda: "a lambda", ast.Compare: "a comparison", ast.BoolOp: "and/or",
             ast.NamedExpr: "the walrus :=", ast.JoinedStr: "an f-string", ast.IfExp: "if/else",
             ast.Tuple: "a comma outside a function call", ast.List: "a list", ast.Dict: "a dict",
             ast.Set: "a set", ast.ListComp: "a comprehension", ast.GeneratorExp: "a comprehension",
             ast.SetComp: "a comprehension", ast.DictComp: "a comprehension", ast.Starred: "a *",
             ast.UnaryOp: "not or ~", ast.Await: "await", ast.Yield: "yield"}
    return kinds.get(type(node), f"a {type(node).__name__}")


class _Compiler:
    """Walks the checked tree once, building the torch function and its code together."""

    def __init__(self, source: str, columns: list[int]) -> None:
        self.nodes = 0
        self.source = source
        self.columns = columns

    def gap_after(self, offset: int) -> int:
        rest = self.source[offset:]
        return len(rest) - len(rest.lstrip())

    def fail(self, what: str, node: ast.AST | None = None, hint: str = "") -> LossMountainError:
        return _fail(what, node, self.columns, hint)

    def compile(self, node: ast.AST, depth: int = 0, in_tensors: bool = False) -> tuple[Evaluator, str]:
        """The node's evaluator and its PyTorch code. in_tensors: the node is part of a calculation
        without x or y, whose numbers the code writes as float64 tensors, as the evaluator has them
        (torch.sin(1.0) is a TypeError, and 9.0 ** 9.0 ** 9.0 an OverflowError in Python's floats)."""
        if not in_tensors and not isinstance(node, (ast.Constant, ast.Name)) and not _uses_variables(node):
            in_tensors = True
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(f"the formula is too long: at most {MAX_NODES} numbers, names and operations")
        if depth > MAX_DEPTH:
            raise self.fail("the formula nests too deeply", node, f"keep it to {MAX_DEPTH} levels of brackets")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.fail(f"a {type(node.value).__name__} value", node, "only numbers, x and y are allowed")
            value = float(node.value) if abs(node.value) < 1e308 else math.inf
            return (lambda x, y: torch.tensor(value, dtype=x.dtype, device=x.device)), _number(
                "math.inf" if value == math.inf else repr(value), in_tensors)
        if isinstance(node, ast.Name):
            if node.id in VARIABLES:
                index = VARIABLES.index(node.id)
                return (lambda x, y: (x, y)[index]), node.id
            if node.id in CONSTANTS:
                value = CONSTANTS[node.id]
                return (lambda x, y: torch.tensor(value, dtype=x.dtype, device=x.device)), _number(
                    f"math.{node.id}", in_tensors)
            if node.id in FUNCTIONS:
                raise self.fail(f"`{node.id}` without brackets", node, f"it is a function: write {node.id}(…)")
            raise self.fail(f"unknown name `{node.id}`", node, "use x and y (and the constants pi and e)")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner, code = self.compile(node.operand, depth + 1, in_tensors)
            if isinstance(node.op, ast.UAdd):
                return inner, f"(+{code})"
            return (lambda x, y: torch.neg(inner(x, y))), f"(-{code})"
        if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
            symbol, operation = OPERATORS[type(node.op)]
            left, left_code = self.compile(node.left, depth + 1, in_tensors)
            right, right_code = self.compile(node.right, depth + 1, in_tensors)
            return (lambda x, y: operation(left(x, y), right(x, y))), f"({left_code} {symbol} {right_code})"
        if isinstance(node, ast.BinOp):
            symbol = _OPERATOR_NAMES.get(type(node.op), type(node.op).__name__)
            # point at the operator: the first non-space after the left side
            at = _At(node.left.end_col_offset + self.gap_after(node.left.end_col_offset))
            raise self.fail(f"the operator {symbol}", at, "use + - * / and ^ (or **) for powers")
        if isinstance(node, ast.Call):
            return self._call(node, depth, in_tensors)
        raise self.fail(_describe(node), node, "a formula may only use numbers, x, y, + - * / ^ and functions like sin(x)")

    def _call(self, node: ast.Call, depth: int, in_tensors: bool) -> tuple[Evaluator, str]:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
            raise self.fail(f"unknown function `{name}`", node, f"use one of {', '.join(FUNCTIONS)}")
        if node.keywords:
            raise self.fail(f"a named argument in {node.func.id}()", node, "pass the values in order")
        arity, function, code_name = FUNCTIONS[node.func.id]
        if len(node.args) != arity:
            raise self.fail(f"{node.func.id}() with {len(node.args)} argument{'s' if len(node.args) != 1 else ''}",
                            node, f"it takes {arity}")
        # a function's argument is a tensor even where it is a bare number (min(x, 0): torch.minimum(x, 0.0)
        # is a TypeError)
        args = [self.compile(arg, depth + 1, in_tensors or not _uses_variables(arg)) for arg in node.args]
        evaluators = [evaluate for evaluate, _ in args]
        code = f"{code_name}({', '.join(code for _, code in args)})"
        return (lambda x, y: function(*(evaluate(x, y) for evaluate in evaluators))), code


def _uses_variables(node: ast.AST) -> bool:
    return any(isinstance(inner, ast.Name) and inner.id in VARIABLES for inner in ast.walk(node))


def _number(code: str, in_tensors: bool) -> str:
    return f"torch.tensor({code}, dtype=torch.float64)" if in_tensors else code


def parse_formula(text: str) -> Formula:
    """Check and compile a typed formula in x and y; raises LossMountainError saying what and where."""
    if not isinstance(text, str):
        raise LossMountainError("the formula must be text")
    if len(text) > MAX_LENGTH:
        raise LossMountainError(f"the formula is {len(text)} characters long; keep it under {MAX_LENGTH}")
    if not text.strip():
        raise LossMountainError("type a formula in x and y, for example x^2 + 3*y^2")
    for column, char in enumerate(text, start=1):
        if char not in ALLOWED_CHARACTERS:
            shown = repr(char) if not char.isprintable() or char in " \t" else f"`{char}`"
            raise LossMountainError(f"the character {shown} at column {column} cannot be used; "
                                    "use numbers, x, y, + - * / ^ ( ) and function names")
    source, columns = _source(text)
    try:
        # ast.parse only reads the text into a tree; the tree is checked node by node below
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as error:
        offset = len(source) - len(source.lstrip()) + (error.offset or 1) - 1
        column = f" at column {columns[min(offset, len(columns) - 1)]}" if error.offset else ""
        hint = "; write * between a number and a name (2*x, not 2x)" if "invalid decimal" in str(error.msg) \
            else ""
        raise LossMountainError(f"the formula is not complete or has a typo{column}{hint}") from None
    except (ValueError, MemoryError, RecursionError):
        raise LossMountainError("the formula could not be read; use numbers, x, y and + - * / ^") from None
    indent = len(source) - len(source.lstrip())
    evaluate, code = _Compiler(source.strip(), columns[indent:]).compile(tree.body)
    if not _uses_variables(tree.body):
        # as Formula.__call__ spreads it: a value at every point, and a graph for backward() (slope 0)
        bare = isinstance(tree.body, (ast.Constant, ast.Name))  # a lone number: not yet a tensor
        code = f"{_number(code, True) if bare else code} + 0.0 * (x + y)"
    return Formula(text=text.strip(), code=code, evaluate=evaluate)
