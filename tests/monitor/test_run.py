"""run_checks on real workbook trackers and dashboards: Alerts rows, mail, failures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sheetops import schema
from sheetops.daemon import JobContext
from sheetops.daemon import run_checks as monday_job
from sheetops.demo_dashboards import Day
from sheetops.errors import SheetopsError
from sheetops.monitor import run as run_module
from sheetops.monitor import run_checks
from sheetops.monitor.checks import DASHBOARD, FOOD_COST, LAST_REFRESH, REVENUE
from sheetops.monitor.config import Contract, refresh_cell
from sheetops.monitor.contract import Dashboard, RawDashboard
from sheetops.monitor.run import Target
from sheetops.rules.calendar import BusinessCalendar
from tests.monitor.builders import (
    AS_OF,
    CONTRACT,
    ONE_WEEK,
    SETTINGS,
    THIS_MONDAY,
    alert,
    customer,
    history,
    rows_of,
    settings_from,
    tracker,
    week,
    write,
)

# Revenue 30 % down on last week and food cost at 40 % (usually 32 %).
PROBLEM_WEEK = history(8) + week(
    THIS_MONDAY, revenue=700_000, food_share=0.40, other=100_000
)


def raised(rows: list[dict[str, object]]) -> Counter[tuple[str, str]]:
    return Counter((str(r["customer"]), str(r["check"])) for r in rows)


def test_each_finding_becomes_an_open_alerts_row_and_one_email(tmp_path: Path) -> None:
    write(tmp_path / "dashboards" / "one.xlsx", PROBLEM_WEEK)
    backend = tracker(tmp_path / "tracker.xlsx", [customer(1, "dashboards/one.xlsx")])

    report = run_checks(backend, SETTINGS, AS_OF)

    alerts = rows_of(backend, schema.ALERTS)
    assert [(r["alert_id"], r["check"]) for r in alerts] == [
        ("AL-0001", REVENUE),
        ("AL-0002", FOOD_COST),
    ]
    food = alerts[1]
    assert food["customer"] == "Resto 1"
    assert food["week"] == "2026-W05"
    assert (food["value"], food["baseline"]) == ("40%", "32%")
    assert food["message"] == "Your food cost jumped to 40% this week (usually 32%)"
    assert food["status"] == "Open"
    assert food["internal"] is False
    assert food["raised_at"] == datetime(2026, 2, 2, 8, 0)
    outbox = rows_of(backend, schema.OUTBOX)
    assert [r["key"] for r in outbox] == [
        "proactive_alert:C-0001:AL-0001",
        "proactive_alert:C-0001:AL-0002",
    ]
    assert outbox[0]["recipient"] == "owner1@resto.example"
    assert report.queued == 2
    assert report.raised == ["AL-0001", "AL-0002"]


def test_running_twice_in_a_week_raises_nothing_new_and_queues_nothing_twice(
    tmp_path: Path,
) -> None:
    write(tmp_path / "one.xlsx", PROBLEM_WEEK)
    backend = tracker(tmp_path / "tracker.xlsx", [customer(1, "one.xlsx")])

    first = run_checks(backend, SETTINGS, AS_OF)
    second = run_checks(backend, SETTINGS, AS_OF + timedelta(hours=3))

    assert len(first.raised) == 2
    assert second.raised == []
    assert second.repeated == 2
    assert second.queued == 0
    assert len(rows_of(backend, schema.ALERTS)) == 2
    assert len(rows_of(backend, schema.OUTBOX)) == 2


def test_an_open_alert_is_not_raised_again_the_next_week(tmp_path: Path) -> None:
    again = week(THIS_MONDAY + ONE_WEEK, 490_000, food_share=0.40, other=100_000)
    write(tmp_path / "one.xlsx", PROBLEM_WEEK + again, refresh=datetime(2026, 2, 8, 23))
    backend = tracker(tmp_path / "tracker.xlsx", [customer(1, "one.xlsx")])

    run_checks(backend, SETTINGS, AS_OF)
    later = run_checks(backend, SETTINGS, AS_OF + ONE_WEEK)

    assert [f.check for f in later.results[0].outcome.findings] == [
        REVENUE,
        FOOD_COST,
    ]
    assert later.raised == []
    assert len(rows_of(backend, schema.ALERTS)) == 2


def test_a_resolved_alert_is_raised_again_when_the_problem_comes_back(
    tmp_path: Path,
) -> None:
    write(tmp_path / "one.xlsx", PROBLEM_WEEK)
    earlier = alert(7, "Resto 1", FOOD_COST, "2026-W03", status="Resolved")
    backend = tracker(tmp_path / "tracker.xlsx", [customer(1, "one.xlsx")], [earlier])

    report = run_checks(backend, SETTINGS, AS_OF)

    assert report.raised == ["AL-0008", "AL-0009"]


def test_an_open_alert_named_by_customer_id_counts_too(tmp_path: Path) -> None:
    write(tmp_path / "one.xlsx", PROBLEM_WEEK)
    earlier = alert(1, "c-0001", FOOD_COST, "2026-W04")
    backend = tracker(tmp_path / "tracker.xlsx", [customer(1, "one.xlsx")], [earlier])

    report = run_checks(backend, SETTINGS, AS_OF)

    assert [r.check for r in report.results[0].outcome.findings] == [
        REVENUE,
        FOOD_COST,
    ]
    assert report.raised == ["AL-0002"]


def test_a_known_event_on_the_alerts_tab_leaves_its_week_out_of_the_usual(
    tmp_path: Path,
) -> None:
    # A festival week at 45 % would lift the median to 33 % and hide the jump.
    days: list[Day] = []
    for back, share in zip(
        range(5, 0, -1), (0.31, 0.31, 0.33, 0.33, 0.45), strict=True
    ):
        days += week(THIS_MONDAY - back * ONE_WEEK, food_share=share)
    days += week(THIS_MONDAY, food_share=0.375)
    write(tmp_path / "one.xlsx", days)
    # Typed by a person: lower case, no leading zero.
    event = alert(1, "Resto 1", FOOD_COST, "2026-w4", status="Known Event")
    backend = tracker(tmp_path / "tracker.xlsx", [customer(1, "one.xlsx")], [event])

    report = run_checks(backend, SETTINGS, AS_OF)

    finding = report.results[0].outcome.findings[0]
    assert finding.message == "Your food cost jumped to 37.5% this week (usually 32%)"


def test_a_missing_dashboard_is_an_internal_alert_and_the_others_are_still_checked(
    tmp_path: Path,
) -> None:
    write(tmp_path / "two.xlsx", PROBLEM_WEEK)
    backend = tracker(
        tmp_path / "tracker.xlsx",
        [customer(1, "gone.xlsx"), customer(2, "two.xlsx"), customer(3, "")],
    )

    report = run_checks(backend, SETTINGS, AS_OF)

    alerts = rows_of(backend, schema.ALERTS)
    assert raised(alerts) == Counter(
        {
            ("Resto 1", DASHBOARD): 1,
            ("Resto 2", REVENUE): 1,
            ("Resto 2", FOOD_COST): 1,
            ("Resto 3", DASHBOARD): 1,
        }
    )
    missing = alerts[0]
    assert missing["internal"] is True
    assert missing["value"] == "can't open"
    assert missing["message"] == (
        f"dashboard {tmp_path / 'gone.xlsx'} does not exist; fix the customer's "
        "Dashboard cell (a relative path is read from the tracker's folder)"
    )
    assert alerts[-1]["value"] == "no link"
    kinds = Counter(
        str(r["key"]).split(":")[0] for r in rows_of(backend, schema.OUTBOX)
    )
    assert kinds == Counter({"staff_alert": 2, "proactive_alert": 2})
    assert len(report.results) == 3


def test_renamed_columns_are_an_internal_alert_naming_them(tmp_path: Path) -> None:
    renamed = replace(CONTRACT, revenue="Sales")
    write(tmp_path / "one.xlsx", PROBLEM_WEEK, contract=renamed)
    write(tmp_path / "two.xlsx", PROBLEM_WEEK)
    backend = tracker(
        tmp_path / "tracker.xlsx",
        [customer(1, "one.xlsx"), customer(2, "two.xlsx")],
    )

    run_checks(backend, SETTINGS, AS_OF)

    alerts = rows_of(backend, schema.ALERTS)
    assert raised(alerts)[("Resto 1", DASHBOARD)] == 1
    assert raised(alerts)[("Resto 2", FOOD_COST)] == 1
    assert alerts[0]["value"] == "doesn't match"
    assert alerts[0]["message"] == (
        f"dashboard {tmp_path / 'one.xlsx'}: tab 'Daily' has no column 'Revenue' "
        "(its columns: 'Date', 'Sales', 'Food Cost', 'Other Costs', 'Covers'); "
        "rename the column back, or set [monitor.dashboard] revenue for this "
        "template"
    )


def test_a_renamed_tab_is_an_internal_alert_listing_the_tabs(tmp_path: Path) -> None:
    renamed = replace(CONTRACT, log_tab="Imports")
    write(tmp_path / "one.xlsx", PROBLEM_WEEK, contract=renamed)
    backend = tracker(tmp_path / "tracker.xlsx", [customer(1, "one.xlsx")])

    run_checks(backend, SETTINGS, AS_OF)

    (row,) = rows_of(backend, schema.ALERTS)
    assert row["message"] == (
        f"dashboard {tmp_path / 'one.xlsx'} has no tab 'Import Log' (its tabs: "
        "'Dashboard', 'Daily', 'Imports'); rename the tab back, or set "
        "[monitor.import_log] tab for this template"
    )


def test_a_file_that_is_not_a_workbook_is_an_internal_alert(tmp_path: Path) -> None:
    (tmp_path / "one.xlsx").write_text("not a workbook")
    backend = tracker(tmp_path / "tracker.xlsx", [customer(1, "one.xlsx")])

    run_checks(backend, SETTINGS, AS_OF)

    (row,) = rows_of(backend, schema.ALERTS)
    assert row["check"] == DASHBOARD
    assert str(row["message"]).startswith(
        f"dashboard {tmp_path / 'one.xlsx'} is not a readable .xlsx workbook"
    )


def test_a_blank_refresh_cell_is_said_and_the_figures_still_checked(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "one.xlsx", PROBLEM_WEEK)
    book = load_workbook(path)
    book["Dashboard"]["B2"] = None
    book.save(path)
    backend = tracker(tmp_path / "tracker.xlsx", [customer(1, "one.xlsx")])

    report = run_checks(backend, SETTINGS, AS_OF)

    assert report.raised == ["AL-0001", "AL-0002"]
    assert report.results[0].outcome.notes == [
        "the last refresh cell Dashboard!B2 is blank, not a date and time"
    ]


def test_the_refresh_time_may_sit_in_a_named_cell(tmp_path: Path) -> None:
    named = replace(CONTRACT, refresh=refresh_cell("LastRefresh"))
    stale = datetime(2026, 1, 20, 23, 30)
    days = history(9, before=THIS_MONDAY + ONE_WEEK)
    write(tmp_path / "one.xlsx", days, contract=named, refresh=stale)
    settings = settings_from(
        tmp_path, '[monitor.dashboard]\nlast_refresh = "LastRefresh"\n'
    )
    backend = tracker(tmp_path / "tracker.xlsx", [customer(1, "one.xlsx")])

    report = run_checks(backend, settings, AS_OF)

    (finding,) = report.results[0].outcome.findings
    assert finding.check == LAST_REFRESH
    assert finding.message == "Your dashboard hasn't updated since 20 Jan 2026"


def test_only_active_r3_customers_are_checked(tmp_path: Path) -> None:
    write(tmp_path / "one.xlsx", PROBLEM_WEEK)
    inactive = {**customer(2, "one.xlsx"), "active": False}
    backend = tracker(
        tmp_path / "tracker.xlsx",
        [customer(1, "one.xlsx"), inactive, customer(3, "one.xlsx", tier="R2")],
    )

    report = run_checks(backend, SETTINGS, AS_OF)

    assert [r.target.customer_id for r in report.results] == ["C-0001"]


def test_customer_limits_the_run_to_one_customer(tmp_path: Path) -> None:
    write(tmp_path / "one.xlsx", PROBLEM_WEEK)
    backend = tracker(
        tmp_path / "tracker.xlsx",
        [customer(1, "one.xlsx"), customer(2, "one.xlsx")],
    )

    report = run_checks(backend, SETTINGS, AS_OF, customer="resto 2")

    assert [r.target.customer_id for r in report.results] == ["C-0002"]
    assert {r["customer"] for r in rows_of(backend, schema.ALERTS)} == {"Resto 2"}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "C-0099",
            "'C-0099' is not on the Customers tab; give a Customer ID or the "
            "exact name",
        ),
        (
            "C-0002",
            "Resto 2 is on tier R2; the weekly checks are for tiers with proactive "
            "checks (R3)",
        ),
    ],
    ids=["unknown", "not-r3"],
)
def test_a_customer_that_cant_be_checked_is_an_error_saying_why(
    tmp_path: Path, name: str, message: str
) -> None:
    backend = tracker(
        tmp_path / "tracker.xlsx",
        [customer(1, "one.xlsx"), customer(2, "one.xlsx", tier="R2")],
    )

    with pytest.raises(SheetopsError) as caught:
        run_checks(backend, SETTINGS, AS_OF, customer=name)

    assert str(caught.value) == message


def test_the_progress_wrapper_sees_every_customer(tmp_path: Path) -> None:
    write(tmp_path / "one.xlsx")
    backend = tracker(
        tmp_path / "tracker.xlsx",
        [customer(1, "one.xlsx"), customer(2, "one.xlsx")],
    )
    seen: list[str] = []

    @contextmanager
    def progress(items: Sequence[Target]) -> Iterator[Iterable[Target]]:
        seen.extend(t.customer_id for t in items)
        yield items

    run_checks(backend, SETTINGS, AS_OF, progress=progress)

    assert seen == ["C-0001", "C-0002"]


def test_a_dashboard_path_may_be_absolute(tmp_path: Path) -> None:
    path = write(tmp_path / "elsewhere" / "one.xlsx", PROBLEM_WEEK)
    backend = tracker(tmp_path / "tracker.xlsx", [customer(1, str(path))])

    report = run_checks(backend, SETTINGS, AS_OF)

    assert len(report.raised) == 2
    assert report.results[0].target.dashboard == str(path)


def test_one_earlier_week_is_enough_to_compare_revenue(
    tmp_path: Path,
) -> None:
    days = week(THIS_MONDAY - ONE_WEEK) + week(THIS_MONDAY, 500_000, other=100_000)
    write(tmp_path / "one.xlsx", days)
    backend = tracker(tmp_path / "tracker.xlsx", [customer(1, "one.xlsx")])

    report = run_checks(backend, SETTINGS, AS_OF)

    outcome = report.results[0].outcome
    assert [f.check for f in outcome.findings] == [REVENUE]
    assert outcome.notes == [
        "2026-W05: usual food cost not known yet (1 of 4 weeks of history needed)"
    ]


def test_the_daemons_monday_job_runs_the_checks_and_reports_their_figures(
    tmp_path: Path,
) -> None:
    write(tmp_path / "one.xlsx", PROBLEM_WEEK)
    backend = tracker(tmp_path / "tracker.xlsx", [customer(1, "one.xlsx")])
    calendar = BusinessCalendar(SETTINGS.business)

    said = monday_job(JobContext(backend, SETTINGS, AS_OF, calendar))

    assert said.startswith(
        "checked 1 dashboards: 2 new alerts, 0 already on the Alerts tab, "
        "2 emails queued, "
    )


def test_an_unexpected_failure_on_one_dashboard_never_stops_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "one.xlsx", PROBLEM_WEEK)
    write(tmp_path / "two.xlsx", PROBLEM_WEEK)
    backend = tracker(
        tmp_path / "tracker.xlsx",
        [customer(1, "one.xlsx"), customer(2, "two.xlsx")],
    )
    real = run_module.parse_dashboard

    def flaky(raw: RawDashboard, contract: Contract) -> Dashboard:
        if raw.location.endswith("one.xlsx"):
            raise ZeroDivisionError("division by zero")
        return real(raw, contract)

    monkeypatch.setattr(run_module, "parse_dashboard", flaky)

    report = run_checks(backend, SETTINGS, AS_OF)

    alerts = rows_of(backend, schema.ALERTS)
    assert raised(alerts) == Counter(
        {("Resto 1", DASHBOARD): 1, ("Resto 2", REVENUE): 1, ("Resto 2", FOOD_COST): 1}
    )
    assert alerts[0]["value"] == "check failed"
    assert alerts[0]["message"] == (
        "the checks failed on this dashboard (ZeroDivisionError: division by "
        "zero); see the sheetops log"
    )
    assert len(report.results) == 2
