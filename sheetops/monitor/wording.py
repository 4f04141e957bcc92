"""What the weekly checks say, in the customer's language (en or id).

The customer reads these sentences in the Alerts tab's Message column
and in the proactive alert email, so dates and percentages are written
the way they read them: "24 Nov 2026", "37,5%" in Indonesian.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

from sheetops.formatting import day, language_of, rupiah

LOCALES = {"en": "en_US", "id": "id_ID"}

_STALE = {
    "en": "Your dashboard hasn't updated since {day}",
    "id": "Dasbor Anda belum diperbarui sejak {day}",
}
_REVENUE = {
    "en": "Your revenue fell {drop} {when}: {now}, against {before} {compared}",
    "id": "Omzet Anda turun {drop} {when}: {now}, dibanding {before} {compared}",
}
_FOOD_COST = {
    "en": "Your food cost jumped to {now} {when} (usually {usual})",
    "id": "Food cost Anda naik menjadi {now} {when} (biasanya {usual})",
}
_MARGIN = {
    "en": (
        "Your costs were higher than your revenue {when}: a loss of {loss} "
        "(revenue {revenue}, food cost {food}, other costs {other})"
    ),
    "id": (
        "Biaya Anda lebih besar dari omzet {when}: rugi {loss} "
        "(omzet {revenue}, food cost {food}, biaya lain {other})"
    ),
}
_WHEN = {
    "en": ("this week", "in the week of {day}"),
    "id": ("minggu ini", "pada minggu {day}"),
}
_COMPARED = {
    "en": ("last week", "in the week of {day}", "on the same days "),
    "id": ("minggu lalu", "pada minggu {day}", "pada hari yang sama "),
}


def long_day(d: date, language: str) -> str:
    """A date as "24 Nov 2026" ("24 Agu 2026" in Indonesian)."""
    return format_date(d, "d MMM y", locale=_locale(language))


def percent(value: float, language: str) -> str:
    """A percentage with at most one decimal: "38%", "37.5%" ("37,5%")."""
    shown = format_decimal(round(value, 1) + 0.0, "0.#", locale=_locale(language))
    return f"{shown}%"


def weekdays(days: Sequence[int], language: str) -> str:
    """Weekdays as runs: "Mon–Wed", "Mon, Wed–Thu" ("Sen–Rab")."""
    # 2024-01-01 was a Monday: any Monday-based week gives the names.
    names = [
        format_date(date(2024, 1, 1 + d), "EEE", locale=_locale(language))
        for d in range(7)
    ]
    runs: list[list[int]] = []
    for weekday in sorted(days):
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    return ", ".join(
        names[run[0]] if len(run) == 1 else f"{names[run[0]]}–{names[run[-1]]}"
        for run in runs
    )


def when(start: date, days: Sequence[int], current: bool, language: str) -> str:
    """The stretch checked: "this week", "Mon–Wed this week", "the week of Jan 19"."""
    lang = language_of(language)
    this_week, other_week = _WHEN[lang]
    words = this_week if current else other_week.format(day=day(start, lang))
    if len(days) == 7:
        return words
    return f"{weekdays(days, lang)} {words}"


def compared(weeks_back: int, start: date, partial: bool, language: str) -> str:
    """What a week is compared with: "last week", "on the same days last week"."""
    lang = language_of(language)
    last_week, other_week, same_days = _COMPARED[lang]
    words = last_week if weeks_back == 1 else other_week.format(day=day(start, lang))
    return same_days + words if partial else words


def stale(last_refresh: date, language: str) -> str:
    """The seed's "Your dashboard hasn't updated since [date]"."""
    lang = language_of(language)
    return _STALE[lang].format(day=long_day(last_refresh, lang))


def revenue_fell(
    drop: float, now: float, before: float, stretch: str, against: str, language: str
) -> str:
    """Revenue below the week compared with, by how much and in rupiah."""
    lang = language_of(language)
    return _REVENUE[lang].format(
        drop=percent(drop * 100, lang),
        when=stretch,
        now=rupiah(now),
        before=rupiah(before),
        compared=against,
    )


def food_cost_jumped(now: float, usual: float, stretch: str, language: str) -> str:
    """The seed's "Your food cost jumped to 38% this week (usually 32%)"."""
    lang = language_of(language)
    return _FOOD_COST[lang].format(
        now=percent(now, lang), when=stretch, usual=percent(usual, lang)
    )


def loss(revenue: float, food: float, other: float, stretch: str, language: str) -> str:
    """Costs above revenue: the loss and what made it."""
    lang = language_of(language)
    return _MARGIN[lang].format(
        when=stretch,
        loss=rupiah(food + other - revenue),
        revenue=rupiah(revenue),
        food=rupiah(food),
        other=rupiah(other),
    )


def _locale(language: str) -> str:
    return LOCALES[language_of(language)]
