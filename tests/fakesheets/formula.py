"""A small formula evaluator: enough arithmetic and functions to be useful.

Supported: number and string literals, ``+ - * / ^ &``, comparisons, cell
and range references on any sheet, and SUM, MIN, MAX, AVERAGE, COUNT,
CONCATENATE, IF, ROUND, ABS and HYPERLINK. Any other function gives
``#NAME?``, as Sheets does for a name it does not know; text that cannot be
parsed gives ``#ERROR!``. References are not adjusted when rows move.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from typing import Any

from . import a1

Value = str | float | bool | None
Resolver = Callable[[str | None, a1.Box], list[list[Value]]]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)
      | (?P<string>"(?:[^"]|"")*")
      | (?P<ref>(?:'(?:[^']|'')+'!|[A-Za-z_][A-Za-z0-9_]*!)?
                \$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)(?![A-Za-z0-9_(])
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<op><>|<=|>=|[-+*/^&=<>(),])
    )""",
    re.VERBOSE,
)


class FormulaError(str):
    """An error value such as ``#DIV/0!``; it spreads through a calculation."""


class _Syntax(Exception):
    """The formula text could not be parsed."""


def evaluate(formula: str, resolve: Resolver) -> Value:
    """Evaluate ``=...`` text; return a number, text, bool or error value."""
    try:
        tokens = _tokenize(formula[1:])
        parser = _Parser(tokens, resolve)
        result = parser.expression()
        if parser.position != len(tokens):
            raise _Syntax(formula)
    except _Syntax:
        return FormulaError("#ERROR!")
    return _scalar(result)


def _tokenize(text: str) -> list[tuple[str, str]]:
    """Split formula text into ``(kind, text)`` tokens."""
    tokens = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise _Syntax(text)
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _first(grid: list[list[Value]]) -> Value:
    return grid[0][0] if grid and grid[0] else None


def _scalar(value: Any) -> Value:
    """A single value; a range used where one value is wanted gives its first cell."""
    found: Value = _first(value) if isinstance(value, list) else value
    return found


class _Parser:
    """Recursive-descent parser that evaluates while it parses."""

    def __init__(self, tokens: list[tuple[str, str]], resolve: Resolver) -> None:
        self.tokens = tokens
        self.position = 0
        self.resolve = resolve

    def peek(self) -> str:
        if self.position < len(self.tokens):
            return self.tokens[self.position][1]
        return ""

    def take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise _Syntax("unexpected end")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, text: str) -> None:
        if self.take()[1] != text:
            raise _Syntax(text)

    def expression(self) -> Any:
        left = self.concatenation()
        while self.peek() in ("=", "<>", "<", ">", "<=", ">="):
            operator = self.take()[1]
            left = _compare(operator, _scalar(left), _scalar(self.concatenation()))
        return left

    def concatenation(self) -> Any:
        left = self.additive()
        while self.peek() == "&":
            self.take()
            left = _join(_scalar(left), _scalar(self.additive()))
        return left

    def additive(self) -> Any:
        left = self.multiplicative()
        while self.peek() in ("+", "-"):
            operator = self.take()[1]
            left = _arith(operator, _scalar(left), _scalar(self.multiplicative()))
        return left

    def multiplicative(self) -> Any:
        left = self.power()
        while self.peek() in ("*", "/"):
            operator = self.take()[1]
            left = _arith(operator, _scalar(left), _scalar(self.power()))
        return left

    def power(self) -> Any:
        left = self.unary()
        while self.peek() == "^":
            self.take()
            left = _arith("^", _scalar(left), _scalar(self.unary()))
        return left

    def unary(self) -> Any:
        if self.peek() in ("-", "+"):
            operator = self.take()[1]
            operand = _scalar(self.unary())
            return _arith("*", -1.0 if operator == "-" else 1.0, operand)
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "number":
            return float(text)
        if kind == "string":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            return self.reference(text)
        if kind == "name" and self.peek() == "(":
            return self.call(text.upper())
        if kind == "name" and text.upper() in ("TRUE", "FALSE"):
            return text.upper() == "TRUE"
        if text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if kind == "name":
            return FormulaError("#NAME?")
        raise _Syntax(text)

    def reference(self, text: str) -> list[list[Value]]:
        sheet, cells = a1.split_sheet(text.replace("$", ""))
        ref = a1.parse_cells(cells or "")
        if ref is None or ref.end_row is None or ref.end_col is None:
            raise _Syntax(text)
        box = a1.Box(ref.start_row, ref.start_col, ref.end_row, ref.end_col)
        return self.resolve(sheet, box)

    def call(self, name: str) -> Any:
        self.expect("(")
        arguments: list[Any] = []
        while self.peek() != ")":
            arguments.append(self.expression())
            if self.peek() == ",":
                self.take()
        self.expect(")")
        function = _FUNCTIONS.get(name)
        if function is None:
            return FormulaError("#NAME?")
        return function(arguments)


def _number(value: Value) -> float | FormulaError:
    if isinstance(value, FormulaError):
        return value
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool | float | int):
        return float(value)
    try:
        return float(value)
    except ValueError:
        return FormulaError("#VALUE!")


_OPERATORS: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "^": operator.pow,
}


def _arith(symbol: str, left: Value, right: Value) -> Value:
    a, b = _number(left), _number(right)
    if isinstance(a, FormulaError):
        return a
    if isinstance(b, FormulaError):
        return b
    if symbol == "/" and b == 0:
        return FormulaError("#DIV/0!")
    try:
        result = _OPERATORS[symbol](a, b)
    except (OverflowError, ZeroDivisionError):
        return FormulaError("#NUM!")
    return result if math.isfinite(result) else FormulaError("#NUM!")


def _text(value: Value) -> str:
    from .cells import format_general

    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return format_general(value)
    return "" if value is None else str(value)


def _join(left: Value, right: Value) -> Value:
    for side in (left, right):
        if isinstance(side, FormulaError):
            return side
    return _text(left) + _text(right)


def _compare(operator: str, left: Value, right: Value) -> Value:
    def key(value: Value) -> tuple[int, Any]:
        if isinstance(value, str):
            return (1, value.lower())
        if isinstance(value, bool):
            return (2, value)
        return (0, value or 0.0)

    a, b = key(left), key(right)
    return {
        "=": a == b,
        "<>": a != b,
        "<": a < b,
        ">": a > b,
        "<=": a <= b,
        ">=": a >= b,
    }[operator]


def _flatten(arguments: list[Any]) -> list[Value]:
    values: list[Value] = []
    for argument in arguments:
        if isinstance(argument, list):
            values.extend(value for row in argument for value in row)
        else:
            values.append(argument)
    return values


def _numbers(arguments: list[Any]) -> list[float] | FormulaError:
    """Numbers among the arguments; text and blanks in ranges are skipped."""
    found = []
    for value in _flatten(arguments):
        if isinstance(value, FormulaError):
            return value
        if isinstance(value, float | int) and not isinstance(value, bool):
            found.append(float(value))
    return found


def _aggregate(reduce: Callable[[list[float]], Value]) -> Callable[[list[Any]], Value]:
    def function(arguments: list[Any]) -> Value:
        numbers = _numbers(arguments)
        if isinstance(numbers, FormulaError):
            return numbers
        return reduce(numbers)

    return function


def _average(numbers: list[float]) -> Value:
    return sum(numbers) / len(numbers) if numbers else FormulaError("#DIV/0!")


def _if(arguments: list[Any]) -> Value:
    if not arguments:
        return FormulaError("#N/A")
    condition = _scalar(arguments[0])
    chosen = 1 if condition not in (False, 0.0, None, "") else 2
    return _scalar(arguments[chosen]) if chosen < len(arguments) else False


def _round(arguments: list[Any]) -> Value:
    value = _number(_scalar(arguments[0])) if arguments else 0.0
    places = _number(_scalar(arguments[1])) if len(arguments) > 1 else 0.0
    if isinstance(value, FormulaError) or isinstance(places, FormulaError):
        return FormulaError("#VALUE!")
    return float(round(value, int(places)))


def _hyperlink(arguments: list[Any]) -> Value:
    """HYPERLINK(url, label) shows its label, or the URL when there is none."""
    values = [_scalar(argument) for argument in arguments]
    return values[1] if len(values) > 1 else (values[0] if values else "")


def _absolute(arguments: list[Any]) -> Value:
    value = _number(_scalar(arguments[0])) if arguments else 0.0
    return value if isinstance(value, FormulaError) else abs(value)


_FUNCTIONS: dict[str, Callable[[list[Any]], Value]] = {
    "SUM": _aggregate(lambda numbers: float(sum(numbers))),
    "MIN": _aggregate(lambda numbers: min(numbers, default=0.0)),
    "MAX": _aggregate(lambda numbers: max(numbers, default=0.0)),
    "AVERAGE": _aggregate(_average),
    "COUNT": _aggregate(lambda numbers: float(len(numbers))),
    "CONCATENATE": lambda arguments: "".join(
        _text(value) for value in _flatten(arguments)
    ),
    "IF": _if,
    "ROUND": _round,
    "ABS": _absolute,
    "HYPERLINK": _hyperlink,
}
