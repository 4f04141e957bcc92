"""The weekly checks on small dashboards built here, thresholds from both sides."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta

import pytest

from sheetops.demo_dashboards import Day, LogEntry
from sheetops.monitor.checks import (
    CALCULATION_ERROR,
    FOOD_COST,
    IMPORT_FAILURE,
    LAST_REFRESH,
    MARGIN,
    REVENUE,
    Finding,
    Outcome,
    check_dashboard,
)
from tests.monitor.builders import (
    AS_OF,
    ONE_WEEK,
    RULES,
    THIS_MONDAY,
    ZONE,
    dashboard,
    history,
    week,
)


def run(
    days: Sequence[Day],
    *,
    refresh: datetime | None = datetime(2026, 2, 1, 23, 30),
    log: Sequence[LogEntry] = (),
    as_of: datetime = AS_OF,
    language: str = "en",
    known_events: Collection[str] = (),
) -> Outcome:
    """All the checks on a dashboard of these days."""
    board = dashboard(days, refresh, log)
    return check_dashboard(board, RULES, as_of, language, known_events)


def by_check(outcome: Outcome) -> dict[str, Finding]:
    return {finding.check: finding for finding in outcome.findings}


def test_ordinary_weeks_raise_nothing() -> None:
    outcome = run(history(9, before=THIS_MONDAY + ONE_WEEK))

    assert outcome.findings == []
    assert outcome.notes == []


# -- last refresh ------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Your dashboard hasn't updated since 24 Nov 2026"),
        ("id", "Dasbor Anda belum diperbarui sejak 24 Nov 2026"),
    ],
    ids=["english", "indonesian"],
)
def test_a_refresh_older_than_seven_days_is_an_alert_dated_in_the_customers_language(
    language: str, expected: str
) -> None:
    as_of = datetime(2026, 12, 7, 8, 0, tzinfo=ZONE)
    days = history(9, before=date(2026, 11, 23))

    found = by_check(
        run(days, refresh=datetime(2026, 11, 24, 6, 0), as_of=as_of, language=language)
    )

    assert found[LAST_REFRESH].message == expected
    assert found[LAST_REFRESH].value == "24 Nov 2026"
    assert found[LAST_REFRESH].week == "2026-W49"
    assert not found[LAST_REFRESH].internal


@pytest.mark.parametrize(
    ("age", "alert"),
    [
        (timedelta(days=7), False),
        (timedelta(days=7, minutes=1), True),
    ],
    ids=["exactly-7-days", "7-days-and-a-minute"],
)
def test_a_refresh_exactly_seven_days_old_is_not_yet_stale(
    age: timedelta, alert: bool
) -> None:
    refresh = AS_OF.replace(tzinfo=None) - age
    days = history(9, before=THIS_MONDAY + ONE_WEEK)

    found = by_check(run(days, refresh=refresh))

    assert (LAST_REFRESH in found) is alert


# -- revenue -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("revenue", "alert"),
    [(851_000, False), (850_000, False), (849_000, True)],
    ids=["14.9%-drop", "15.0%-drop", "15.1%-drop"],
)
def test_revenue_more_than_15_percent_below_last_week_is_an_alert(
    revenue: int, alert: bool
) -> None:
    days = history(8) + week(THIS_MONDAY, revenue=revenue, other=100_000)

    found = by_check(run(days))

    assert (REVENUE in found) is alert
    if alert:
        assert found[REVENUE].message == (
            "Your revenue fell 15.1% this week: Rp 5.943.000, against "
            "Rp 7.000.000 last week"
        )
        assert (found[REVENUE].value, found[REVENUE].baseline) == (
            "Rp 5.943.000",
            "Rp 7.000.000",
        )
        assert found[REVENUE].week == "2026-W05"


def test_revenue_drop_reads_in_indonesian_for_an_indonesian_customer() -> None:
    days = history(8) + week(THIS_MONDAY, revenue=800_000, other=100_000)

    found = by_check(run(days, language="id"))

    assert found[REVENUE].message == (
        "Omzet Anda turun 20% minggu ini: Rp 5.600.000, dibanding Rp 7.000.000 "
        "minggu lalu"
    )


# -- food cost ---------------------------------------------------------------


def test_food_cost_38_against_a_usual_32_gives_the_seeds_sentence() -> None:
    days = history(8, food_share=0.32) + week(THIS_MONDAY, food_share=0.38)

    found = by_check(run(days))

    assert found[FOOD_COST].message == (
        "Your food cost jumped to 38% this week (usually 32%)"
    )
    assert (found[FOOD_COST].value, found[FOOD_COST].baseline) == ("38%", "32%")


@pytest.mark.parametrize(
    ("share", "alert"),
    [(0.37, False), (0.371, True)],
    ids=["5.0-points", "5.1-points"],
)
def test_food_cost_more_than_5_points_above_usual_is_an_alert(
    share: float, alert: bool
) -> None:
    days = history(8, food_share=0.32) + week(THIS_MONDAY, food_share=share)

    found = by_check(run(days))

    assert (FOOD_COST in found) is alert
    if alert:
        assert found[FOOD_COST].value == "37.1%"


def test_the_usual_food_cost_is_the_median_of_the_weeks_before() -> None:
    shares = [0.30, 0.31, 0.32, 0.33, 0.34, 0.40, 0.40, 0.29]
    days: list[Day] = []
    for back, share in zip(range(8, 0, -1), shares, strict=True):
        days += week(THIS_MONDAY - back * ONE_WEEK, food_share=share)
    days += week(THIS_MONDAY, food_share=0.385)

    found = by_check(run(days))

    # Median of 29, 30, 31, 32, 33, 34, 40, 40 is 32.5.
    assert found[FOOD_COST].baseline == "32.5%"
    assert found[FOOD_COST].message.endswith("(usually 32.5%)")


def test_food_cost_in_indonesian_uses_a_decimal_comma() -> None:
    days = history(8, food_share=0.32) + week(THIS_MONDAY, food_share=0.385)

    found = by_check(run(days, language="id"))

    assert found[FOOD_COST].message == (
        "Food cost Anda naik menjadi 38,5% minggu ini (biasanya 32%)"
    )


def test_with_fewer_than_four_weeks_the_usual_is_not_known_yet() -> None:
    days = history(3, food_share=0.32) + week(THIS_MONDAY, food_share=0.45)

    outcome = run(days)

    assert FOOD_COST not in by_check(outcome)
    assert outcome.notes == [
        "2026-W05: usual food cost not known yet (3 of 4 weeks of history needed)"
    ]


def test_with_four_weeks_the_usual_is_known() -> None:
    days = history(4, food_share=0.32) + week(THIS_MONDAY, food_share=0.45)

    assert FOOD_COST in by_check(run(days))


def test_a_known_event_week_is_left_out_of_the_usual() -> None:
    # A festival week at 45 % would lift the median to 33 % and hide the jump.
    shares = [0.31, 0.31, 0.33, 0.33, 0.45]
    days: list[Day] = []
    for back, share in zip(range(5, 0, -1), shares, strict=True):
        days += week(THIS_MONDAY - back * ONE_WEEK, food_share=share)
    days += week(THIS_MONDAY, food_share=0.38)

    counted = by_check(run(days))
    left_out = by_check(run(days, known_events={"2026-W04"}))

    assert FOOD_COST not in counted
    assert left_out[FOOD_COST].message == (
        "Your food cost jumped to 38% this week (usually 32%)"
    )


def test_a_known_event_last_week_makes_revenue_compare_with_the_week_before() -> None:
    days = (
        history(7, before=THIS_MONDAY - ONE_WEEK)
        + week(THIS_MONDAY - ONE_WEEK, revenue=2_000_000)
        + week(THIS_MONDAY, revenue=1_000_000)
    )

    counted = by_check(run(days))
    left_out = by_check(run(days, known_events={"2026-W04"}))

    assert counted[REVENUE].baseline == "Rp 14.000.000"
    assert REVENUE not in left_out


def test_a_week_marked_known_event_itself_is_not_checked() -> None:
    days = history(8) + week(THIS_MONDAY, revenue=100_000)

    outcome = run(days, known_events={"2026-W05"})

    assert outcome.findings == []
    assert outcome.notes == ["2026-W05 is marked Known Event; not checked"]


# -- like with like ------------------------------------------------------------


THURSDAY = datetime(2026, 1, 29, 10, 0, tzinfo=ZONE)


def weekend_heavy(monday: date, weekday_revenue: int) -> list[Day]:
    """Quiet weekdays, busy weekends, as a restaurant's week goes."""
    return week(monday, weekday_revenue, days=range(5)) + week(
        monday, 3_000_000, days=(5, 6)
    )


def test_a_partial_week_compares_the_same_weekdays_of_earlier_weeks() -> None:
    days: list[Day] = []
    for back in range(8, 0, -1):
        days += weekend_heavy(THIS_MONDAY - back * ONE_WEEK, 1_000_000)
    days += week(THIS_MONDAY, 1_000_000, days=(0, 1, 2))

    outcome = run(days, as_of=THURSDAY)

    # Mon-Wed against Mon-Wed: the same; against whole weeks it would
    # look like a 72 % drop.
    assert outcome.findings == []


def test_a_drop_in_a_partial_week_says_which_days_it_compared() -> None:
    days: list[Day] = []
    for back in range(8, 0, -1):
        days += weekend_heavy(THIS_MONDAY - back * ONE_WEEK, 1_000_000)
    days += week(THIS_MONDAY, 700_000, days=(0, 1, 2))

    found = by_check(run(days, as_of=THURSDAY))

    assert found[REVENUE].message == (
        "Your revenue fell 30% Mon–Wed this week: Rp 2.100.000, against "
        "Rp 3.000.000 on the same days last week"
    )
    assert found[REVENUE].week == "2026-W05"


def test_an_earlier_week_missing_one_of_the_days_is_not_compared() -> None:
    gap = [d for d in week(THIS_MONDAY - ONE_WEEK) if d.day.weekday() != 2]
    days = history(7, before=THIS_MONDAY - ONE_WEEK) + gap
    days += week(THIS_MONDAY, 800_000)

    found = by_check(run(days))

    assert found[REVENUE].message.endswith("in the week of Jan 12")


def test_a_dashboard_that_stopped_is_checked_on_its_last_week_with_figures() -> None:
    days = history(8, before=THIS_MONDAY - ONE_WEEK)
    days += week(THIS_MONDAY - ONE_WEEK, food_share=0.38, days=(0, 1, 2, 3))

    found = by_check(run(days, refresh=datetime(2026, 1, 22, 23, 30)))

    assert set(found) == {LAST_REFRESH, FOOD_COST}
    assert found[FOOD_COST].week == "2026-W04"
    assert found[FOOD_COST].message == (
        "Your food cost jumped to 38% Mon–Thu in the week of Jan 19 (usually 32%)"
    )


def test_today_is_not_checked_until_it_is_over() -> None:
    days = history(9, before=THIS_MONDAY + ONE_WEEK)
    days += week(THIS_MONDAY + ONE_WEEK, revenue=10_000, days=(0,))

    assert run(days).findings == []


# -- margin --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("other", "alert"),
    [(680_000, False), (680_001, True)],
    ids=["break-even", "a-rupiah-short"],
)
def test_a_negative_margin_is_an_alert(other: int, alert: bool) -> None:
    days = history(8) + week(THIS_MONDAY, other=other)

    found = by_check(run(days))

    assert (MARGIN in found) is alert
    if alert:
        assert found[MARGIN].value == "-Rp 7"
        assert found[MARGIN].message == (
            "Your costs were higher than your revenue this week: a loss of Rp 7 "
            "(revenue Rp 7.000.000, food cost Rp 2.240.000, other costs "
            "Rp 4.760.007)"
        )


# -- import log ------------------------------------------------------------------


def test_import_failures_of_the_last_week_are_one_internal_finding() -> None:
    log = [
        LogEntry(datetime(2026, 1, 25, 23, 30), "Import failure", "too old"),
        LogEntry(datetime(2026, 1, 30, 23, 30), "Import failure", "POS offline"),
        LogEntry(datetime(2026, 1, 31, 23, 30), "import  FAILURE", "POS file empty"),
        LogEntry(datetime(2026, 2, 1, 23, 30), "Import OK", "fine"),
    ]
    days = history(9, before=THIS_MONDAY + ONE_WEEK)

    found = by_check(run(days, log=log))

    assert set(found) == {IMPORT_FAILURE}
    assert found[IMPORT_FAILURE].internal
    assert found[IMPORT_FAILURE].value == "2"
    assert found[IMPORT_FAILURE].message == (
        "2 import failures in the dashboard's import log since 2026-01-26 08:00; "
        "latest 2026-01-31 23:30: POS file empty"
    )


def test_calculation_errors_are_their_own_internal_finding() -> None:
    log = [LogEntry(datetime(2026, 2, 1, 6, 0), "Calculation error", "#REF! in G4")]
    days = history(9, before=THIS_MONDAY + ONE_WEEK)

    found = by_check(run(days, log=log))

    assert set(found) == {CALCULATION_ERROR}
    assert found[CALCULATION_ERROR].internal
    assert found[CALCULATION_ERROR].week == "2026-W05"


def test_no_figures_at_all_is_said_not_guessed() -> None:
    outcome = run([])

    assert outcome.findings == []
    assert outcome.notes == ["no figures up to 2026-02-01 to check"]
