"""Rupiah, hours, minutes and dates as customers read them."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from sheetops.formatting import (
    day,
    gather_problems,
    hours,
    hours_number,
    language_of,
    minutes,
    overage_cost,
    rupiah,
)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (250_000, "Rp 250.000"),
        (1_250_000, "Rp 1.250.000"),
        (300_000.4, "Rp 300.000"),
        (0, "Rp 0"),
        (999, "Rp 999"),
        (-125_000, "-Rp 125.000"),
    ],
    ids=["overage-rate", "millions", "no-decimals", "zero", "under-thousand", "credit"],
)
def test_rupiah_groups_thousands_with_dots_and_drops_decimals(
    amount: float, expected: str
) -> None:
    assert rupiah(amount) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "1 hour"),
        (2, "2 hours"),
        (1.5, "1.5 hours"),
        (0.75, "0.75 hours"),
        (0, "0 hours"),
        (0.3333, "0.33 hours"),
        (1.004, "1 hour"),
    ],
    ids=["one", "two", "half", "three-quarters", "zero", "two-decimals", "rounds-to-1"],
)
def test_hours_reads_with_unit_and_plural(value: float, expected: str) -> None:
    assert hours(value) == expected


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (0, "en", "0"),
        (0.5, "en", "0.5"),
        (0.75, "en", "0.75"),
        (1.5, "en", "1.5"),
        (2.0, "en", "2"),
        (1.10, "en", "1.1"),
        (-0.001, "en", "0"),
        (1.5, "id", "1,5"),
    ],
    ids=["zero", "half", "quarters", "one-half", "whole", "trailing-0", "neg-0", "id"],
)
def test_hours_number_keeps_two_decimals_at_most(
    value: float, language: str, expected: str
) -> None:
    assert hours_number(value, language) == expected


def test_hours_in_indonesian_uses_jam_and_a_decimal_comma() -> None:
    assert hours(1.5, "id") == "1,5 jam"
    assert hours(1, "id") == "1 jam"


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (45, "en", "45 minutes"),
        (1, "en", "1 minute"),
        (0, "en", "0 minutes"),
        (44.6, "en", "45 minutes"),
        (45, "id", "45 menit"),
    ],
    ids=["many", "one", "zero", "rounded", "indonesian"],
)
def test_minutes_reads_whole_with_unit(
    value: float, language: str, expected: str
) -> None:
    assert minutes(value, language) == expected


@pytest.mark.parametrize(
    ("language", "long", "expected"),
    [
        ("en", False, "Feb 5"),
        ("id", False, "5 Feb"),
        ("en", True, "February 5, 2026"),
        ("id", True, "5 Februari 2026"),
        ("", False, "Feb 5"),
    ],
    ids=["en-short", "id-short", "en-long", "id-long", "blank-is-en"],
)
def test_day_writes_a_date_in_the_customers_language(
    language: str, long: bool, expected: str
) -> None:
    assert day(date(2026, 2, 5), language, long=long) == expected


def test_day_uses_indonesian_month_abbreviations() -> None:
    assert day(date(2026, 8, 17), "id") == "17 Agu"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("id", "id"), ("ID ", "id"), ("en", "en"), ("", "en"), (None, "en"), ("fr", "en")],
    ids=["id", "spaced-upper", "en", "blank", "none", "unknown"],
)
def test_language_of_reads_blank_and_unknown_as_english(
    value: object, expected: str
) -> None:
    assert language_of(value) == expected


@pytest.mark.parametrize(
    ("extra", "rate", "expected"),
    [
        (30, 250_000, 125_000),
        (1, 250_000, 62_500),
        (15, 300_000, 75_000),
        (16, 300_000, 150_000),
        (45.000000001, 250_000, 187_500),
        (0, 250_000, 0),
        (60, 0, 0),
    ],
    ids=[
        "half-hour",
        "one-minute",
        "one-step",
        "step-and-a-bit",
        "float",
        "none",
        "r1",
    ],
)
def test_overage_is_billed_in_whole_steps_rounded_up(
    extra: float, rate: int, expected: int
) -> None:
    assert overage_cost(extra, rate, 15) == expected


def test_gather_problems_lists_every_failing_check_per_row_in_order() -> None:
    index = pd.Index([2, 3, 4])
    first = pd.Series(["a", "", "b"], index=index)
    sparse = pd.Series(["c"], index=[2])

    problems = gather_problems(index, [first, sparse])

    assert problems.tolist() == [["a", "c"], [], ["b"]]
    assert problems.index.equals(index)
