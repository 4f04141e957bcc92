"""Cells: what a user typed, how the API parses it, and how values are rendered.

Numbers are kept as floats, dates as serial numbers (days since 1899-12-30)
with a date number format, exactly as Sheets stores them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

Scalar = str | float | bool

EPOCH = dt.datetime(1899, 12, 30)

_NUMBER = re.compile(
    r"^[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
)
_PERCENT = re.compile(r"^([+-]?\d+(?:\.(\d+))?)\s*%$")
_DATE_FORMS = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd", "yyyy-mm-dd"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), "ymd", "yyyy/mm/dd"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), "mdy", "m/d/yyyy"),
]
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_DATE_TOKENS = re.compile(
    r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|AM/PM|\"[^\"]*\"|.",
    re.IGNORECASE,
)


@dataclass
class Cell:
    """One cell: a literal value or a formula, plus format and validation."""

    value: Scalar | None = None
    formula: str | None = None
    fmt: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] | None = None
    note: str | None = None

    @property
    def blank(self) -> bool:
        """True when the cell holds neither a value nor a formula."""
        return self.value is None and self.formula is None

    @property
    def unused(self) -> bool:
        """True when nothing at all is stored on the cell."""
        return self.blank and not self.fmt and not self.validation and not self.note

    def number_format(self) -> dict[str, Any]:
        """Return the cell's number format, ``{}`` when it has none."""
        fmt = self.fmt.get("numberFormat")
        return fmt if isinstance(fmt, dict) else {}


@dataclass
class Parsed:
    """The outcome of parsing typed input: a value or formula, maybe a format."""

    value: Scalar | None = None
    formula: str | None = None
    number_format: dict[str, str] | None = None


def parse_input(raw: Any, *, user_entered: bool, as_text: bool = False) -> Parsed:
    """Parse one input value as ``RAW`` or ``USER_ENTERED`` would.

    ``as_text`` marks a cell formatted as plain text: Sheets then keeps what
    was typed as a string, even ``=1+1``.
    """
    if isinstance(raw, bool):
        return Parsed(raw)
    if isinstance(raw, int | float):
        return Parsed(float(raw))
    text = str(raw)
    if text == "":
        return Parsed(None)
    if not user_entered or as_text:
        return Parsed(text)
    return parse_typed_text(text)


def parse_typed_text(text: str) -> Parsed:
    """Parse text the way the Sheets UI does (en_US locale)."""
    if text.startswith("'"):
        return Parsed(text[1:])
    if text.startswith("=") and len(text) > 1:
        return Parsed(formula=text)
    stripped = text.strip()
    if stripped.upper() in ("TRUE", "FALSE"):
        return Parsed(stripped.upper() == "TRUE")
    for parse in (_parse_number, _parse_percent, _parse_date):
        parsed = parse(stripped)
        if parsed is not None:
            return parsed
    return Parsed(text)


def _parse_number(text: str) -> Parsed | None:
    """Parse ``42``, ``0042``, ``-1.5``, ``1,234.5`` or ``1e3``."""
    if not _NUMBER.match(text):
        return None
    return Parsed(float(text.replace(",", "")))


def _parse_percent(text: str) -> Parsed | None:
    """Parse ``12%`` into 0.12 with a percent format."""
    match = _PERCENT.match(text)
    if not match:
        return None
    pattern = "0.00%" if match.group(2) else "0%"
    return Parsed(float(match.group(1)) / 100, None, _fmt("PERCENT", pattern))


def _parse_date(text: str) -> Parsed | None:
    """Parse a date, or a date and time, into a serial number with a format."""
    date_part, _, time_part = text.partition(" ")
    for regex, order, pattern in _DATE_FORMS:
        match = regex.match(date_part)
        if not match:
            continue
        first, second, third = (int(part) for part in match.groups())
        year, month, day = (
            (first, second, third) if order == "ymd" else (third, first, second)
        )
        try:
            moment = dt.datetime(year, month, day)
        except ValueError:
            return None
        return _with_time(moment, time_part.strip(), pattern)
    return None


def _with_time(moment: dt.datetime, time_text: str, pattern: str) -> Parsed | None:
    """Add a typed ``hh:mm[:ss]`` to a parsed date."""
    if not time_text:
        return Parsed(to_serial(moment), None, _fmt("DATE", pattern))
    match = _TIME.match(time_text)
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    seconds = int(match.group(3) or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    moment = moment.replace(hour=hours, minute=minutes, second=seconds)
    return Parsed(to_serial(moment), None, _fmt("DATE_TIME", pattern + " hh:mm:ss"))


def _fmt(kind: str, pattern: str) -> dict[str, str]:
    return {"type": kind, "pattern": pattern}


def to_serial(moment: dt.datetime) -> float:
    """Turn a datetime into a Sheets serial number."""
    delta = moment - EPOCH
    return delta.days + delta.seconds / 86400


def from_serial(serial: float) -> dt.datetime:
    """Turn a Sheets serial number into a datetime (to the second)."""
    return EPOCH + dt.timedelta(seconds=round(serial * 86400))


def json_number(value: float) -> int | float:
    """Write integral floats as JSON integers, as the API does."""
    if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def format_general(value: float) -> str:
    """Format a number with the default (automatic) format."""
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 1e15 or (value != 0 and abs(value) < 1e-9):
        return f"{value:.2E}"
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_number(value: float, number_format: dict[str, Any]) -> str:
    """Format a number with a cell's number format, or the default one."""
    kind = number_format.get("type", "")
    pattern = number_format.get("pattern", "")
    if kind in ("DATE", "TIME", "DATE_TIME") and pattern:
        return format_datetime(value, pattern)
    if kind in ("NUMBER", "PERCENT", "CURRENCY") and pattern:
        return _format_pattern(value, pattern)
    if kind == "PERCENT":
        return _format_pattern(value, "0.00%")
    return format_general(value)


def _format_pattern(value: float, pattern: str) -> str:
    """Apply a simple number pattern such as ``#,##0.00``, ``0%`` or ``$0.00``."""
    body = re.search(r"[#0,.]+", pattern)
    if body is None:
        return format_general(value)
    prefix, suffix = pattern[: body.start()], pattern[body.end() :]
    if "%" in suffix:
        value *= 100
    digits = body.group().split(".")
    places = len(digits[1]) if len(digits) > 1 else 0
    grouping = "," if "," in digits[0] else ""
    text = f"{abs(value):{grouping}.{places}f}"
    sign = "-" if value < 0 and float(text.replace(",", "")) != 0 else ""
    return sign + prefix.replace('"', "") + text + suffix.replace('"', "")


def format_datetime(serial: float, pattern: str) -> str:
    """Format a serial number with a date/time pattern like ``yyyy-mm-dd``."""
    moment = from_serial(serial)
    tokens = _DATE_TOKENS.findall(pattern)
    twelve_hour = any(token.lower() == "am/pm" for token in tokens)
    pieces = []
    for position, token in enumerate(tokens):
        minutes = _is_minutes(tokens, position)
        pieces.append(_render_token(token, moment, minutes, twelve_hour))
    return "".join(pieces)


def _is_minutes(tokens: list[str], position: int) -> bool:
    """Tell whether an ``m``/``mm`` token means minutes rather than month."""
    if tokens[position].lower() not in ("m", "mm"):
        return False
    before = [t.lower() for t in tokens[:position] if t.isalpha()]
    after = [t.lower() for t in tokens[position + 1 :] if t.isalpha()]
    return bool(before and before[-1] in ("h", "hh")) or bool(
        after and after[0] in ("s", "ss")
    )


def _render_token(
    token: str, moment: dt.datetime, minutes: bool, twelve_hour: bool
) -> str:
    """Render one date pattern token."""
    lower = token.lower()
    hour = moment.hour % 12 or 12 if twelve_hour else moment.hour
    table = {
        "yyyy": f"{moment.year:04d}",
        "yy": f"{moment.year % 100:02d}",
        "mmmm": moment.strftime("%B"),
        "mmm": moment.strftime("%b"),
        "mm": f"{moment.minute:02d}" if minutes else f"{moment.month:02d}",
        "m": str(moment.minute) if minutes else str(moment.month),
        "dddd": moment.strftime("%A"),
        "ddd": moment.strftime("%a"),
        "dd": f"{moment.day:02d}",
        "d": str(moment.day),
        "hh": f"{hour:02d}",
        "h": str(hour),
        "ss": f"{moment.second:02d}",
        "s": str(moment.second),
        "am/pm": "AM" if moment.hour < 12 else "PM",
    }
    if lower in table:
        return table[lower]
    return token.strip('"')
