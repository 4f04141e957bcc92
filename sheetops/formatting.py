"""Wording shared by the sheet and the mail: rupiah, hours, minutes, dates.

Everything a customer reads comes through here, so the tracker, the
approval messages and the emails spell an amount or a date the same way.
Languages are the tracker's: "en" and "id"; anything else reads as "en".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal

from sheetops.settings import Tier

LANGUAGES = ("en", "id")
# Babel's locale for each tracker language; Indonesian groups thousands
# with a dot and writes decimals with a comma.
_LOCALES = {"en": "en_US", "id": "id_ID"}
_UNITS = {
    "en": {"hour": ("hour", "hours"), "minute": ("minute", "minutes")},
    # Indonesian nouns don't change in the plural.
    "id": {"hour": ("jam", "jam"), "minute": ("menit", "menit")},
}


def language_of(value: object) -> str:
    """The customer's language as the tracker allows it; blank reads as English."""
    text = str(value or "").strip().lower()
    return text if text in LANGUAGES else "en"


def rupiah(amount: float) -> str:
    """An amount of rupiah the Indonesian way, whole: "Rp 1.250.000"."""
    whole = round(amount)
    digits = _decimal(abs(whole), "#,##0", _LOCALES["id"])
    sign = "-" if whole < 0 else ""
    return f"{sign}Rp {digits}"


def hours_number(value: float, language: str = "en") -> str:
    """Hours as a bare number with at most two decimals: "0", "0.5", "1.75"."""
    rounded = round(float(value), 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    return _decimal(rounded, "0.##", _locale(language))


def hours(value: float, language: str = "en") -> str:
    """Hours with their unit: "1 hour", "1.5 hours", "0 hours"."""
    number = hours_number(value, language)
    return f"{number} {_unit('hour', round(float(value), 2), language)}"


def minutes(value: float, language: str = "en") -> str:
    """Whole minutes with their unit: "1 minute", "45 minutes"."""
    whole = round(float(value))
    return f"{whole} {_unit('minute', whole, language)}"


def day(d: date, language: str, *, long: bool = False) -> str:
    """A date as the customer writes it: "Feb 5" or "5 Feb"; long adds the year.

    The long form is "February 5, 2026" in English and "5 Februari 2026"
    in Indonesian.
    """
    locale = _locale(language)
    if long:
        return format_date(d, "long", locale=locale)
    return format_skeleton("MMMd", d, locale=locale)


def overage_cost(extra_minutes: float, rate_per_hour: float, step: int) -> int:
    """What extra minutes cost at an hourly rate, billed in steps rounded up."""
    if extra_minutes <= 0 or rate_per_hour <= 0:
        return 0
    # Rounding first keeps 45.000000001 minutes (float sums) at three steps.
    steps = math.ceil(round(extra_minutes / step, 6))
    return round(steps * step / 60 * rate_per_hour)


def gather_problems(index: pd.Index, checks: Iterable[pd.Series]) -> pd.Series:
    """Merge per-check sentence columns into the Problems column's lists.

    Each check is a Series on ``index`` holding a sentence, or ``""`` where
    the row passes. Only failing rows are touched, so this stays cheap on
    large tabs where nearly every row is fine.
    """
    lists: list[list[str]] = [[] for _ in range(len(index))]
    for check in checks:
        texts = check.astype(object).reindex(index, fill_value="").to_numpy()
        for position in np.flatnonzero(texts != ""):
            lists[position].append(str(texts[position]))
    return pd.Series(lists, index=index, dtype=object)


def sentences(
    mask: pd.Series, make: Callable[..., str], *columns: pd.Series
) -> pd.Series:
    """A check's column: ``make``'s sentence from each row's values where ``mask``."""
    picked = [column[mask] for column in columns]
    texts = [make(*values) for values in zip(*picked, strict=True)]
    return pd.Series(texts, index=mask.index[mask], dtype=object)


def tier_label(tier: Tier) -> str:
    """A tier as customers know it: "R2 Premium"."""
    return f"{tier.code} {tier.name}"


@lru_cache(maxsize=4096)
def _decimal(value: float, pattern: str, locale: str) -> str:
    """Babel's number formatting, remembered: the same few amounts recur a lot."""
    return format_decimal(value, format=pattern, locale=locale)


def _locale(language: str) -> str:
    return _LOCALES[language_of(language)]


def _unit(kind: str, amount: float, language: str) -> str:
    singular, plural = _UNITS[language_of(language)][kind]
    return singular if amount == 1 else plural
