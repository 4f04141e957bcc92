"""The demo tracker's content: complete, deterministic, staff cells only."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from sheetops import schema
from sheetops.demo import PLANTED, Planted, Row, demo_grids, demo_rows
from sheetops.settings import Settings, load_settings

SETTINGS = load_settings(None, environ={})
ZONE = SETTINGS.business.time_zone
AS_OF = datetime(2026, 2, 2, 10, 0, tzinfo=ZONE)
# Days that stress the date arithmetic: month ends, a leap day, late
# night, a weekend, the first of a month (a reset day for some).
AS_OFS = {
    "monday-morning": AS_OF,
    "saturday-31st-late": datetime(2026, 1, 31, 23, 30, tzinfo=ZONE),
    "sunday-1st-after-midnight": datetime(2026, 3, 1, 0, 5, tzinfo=ZONE),
    "leap-day": datetime(2028, 2, 29, 14, 0, tzinfo=ZONE),
    "friday-before-closing": datetime(2025, 12, 26, 16, 55, tzinfo=ZONE),
}
CELL_TYPES = (str, int, float, bool, date, datetime, time)


def rows_at(as_of: datetime = AS_OF) -> dict[str, list[Row]]:
    return demo_rows(as_of, SETTINGS)


def values(tab: str, field: str, as_of: datetime = AS_OF) -> list[object]:
    return [row.get(field) for row in rows_at(as_of)[tab]]


def dates(tab: str, field: str, as_of: datetime = AS_OF) -> list[date]:
    return [v for v in values(tab, field, as_of) if isinstance(v, date)]


def find(tab: str, field: str, value: object, as_of: datetime = AS_OF) -> Row:
    found = [row for row in rows_at(as_of)[tab] if row.get(field) == value]
    assert len(found) == 1, f"{tab}.{field} = {value!r}: {len(found)} rows"
    return found[0]


def wall(as_of: datetime) -> datetime:
    return as_of.astimezone(ZONE).replace(tzinfo=None)


def test_same_as_of_gives_same_rows() -> None:
    assert demo_rows(AS_OF, SETTINGS) == demo_rows(AS_OF, SETTINGS)


def test_a_later_as_of_moves_the_dates_along() -> None:
    later = AS_OF + timedelta(days=10)
    first = max(dates(schema.TIME_LOG.name, "date"))
    second = max(dates(schema.TIME_LOG.name, "date", later))
    assert second == first + timedelta(days=10)


@pytest.mark.parametrize("as_of", AS_OFS.values(), ids=AS_OFS.keys())
def test_rows_use_only_staff_fields_of_their_tab(as_of: datetime) -> None:
    for name, rows in rows_at(as_of).items():
        staff = {column.field for column in schema.tab(name).staff}
        for row in rows:
            assert set(row) <= staff, (name, set(row) - staff)


@pytest.mark.parametrize("as_of", AS_OFS.values(), ids=AS_OFS.keys())
def test_every_value_is_a_plain_cell_value(as_of: datetime) -> None:
    for name, rows in rows_at(as_of).items():
        for row in rows:
            for field, value in row.items():
                assert isinstance(value, CELL_TYPES), (name, field, value)


def test_every_tracker_tab_people_type_in_has_rows() -> None:
    tabs = rows_at()
    expected = [schema.CUSTOMERS, schema.REQUESTS, schema.TIME_LOG, schema.CATALOG]
    expected += [schema.CALLS, schema.HOLIDAYS]
    assert set(tabs) == {tab.name for tab in expected}
    assert all(tabs[tab.name] for tab in expected)


def test_at_least_twelve_customers_with_every_tier_three_times() -> None:
    tiers = Counter(values(schema.CUSTOMERS.name, "tier"))
    assert len(values(schema.CUSTOMERS.name, "customer")) >= 12
    assert all(tiers[tier] >= 3 for tier in schema.TIERS)


def test_customer_names_sound_like_indonesian_restaurants() -> None:
    words = ("Warung", "Kedai", "Bakmi", "Sate", "Kopi", "Bakso", "Soto")
    names = [str(name) for name in values(schema.CUSTOMERS.name, "customer")]
    assert sum(any(word in name for word in words) for name in names) >= 10


@pytest.mark.parametrize("as_of", AS_OFS.values(), ids=AS_OFS.keys())
def test_billing_days_include_a_31st_and_start_4_to_14_months_back(
    as_of: datetime,
) -> None:
    starts = dates(schema.CUSTOMERS.name, "start_date", as_of)
    today = wall(as_of).date()
    assert {start.day for start in starts} >= {1, 5, 10, 15, 28, 31}
    for start in starts:
        assert (
            today - relativedelta(months=14) <= start <= today - relativedelta(months=4)
        )


def test_customer_ids_run_from_c_0001_with_one_left_blank() -> None:
    ids = values(schema.CUSTOMERS.name, "customer_id")
    assert ids.count(None) == 1
    numbered = [i for i in ids if i is not None]
    assert numbered == [f"C-{n:04d}" for n in range(1, len(numbered) + 1)]


def test_customers_mix_languages_and_whatsapp_styles_and_one_is_inactive() -> None:
    customers = rows_at()[schema.CUSTOMERS.name]
    assert {row["language"] for row in customers} == {"en", "id"}
    phones = [str(row["whatsapp"]) for row in customers]
    assert any(p.startswith("08") and "-" in p for p in phones)
    assert any(p.startswith("+62 ") for p in phones)
    assert any(p.startswith("62") and p.isdigit() for p in phones)
    assert [row["active"] for row in customers].count(False) == 1


def test_r3_customers_have_a_dashboard_file_and_others_none() -> None:
    for row in rows_at()[schema.CUSTOMERS.name]:
        dashboard = str(row.get("dashboard", ""))
        if row["tier"] == "R3":
            assert dashboard.startswith("dashboards/")
            assert dashboard.endswith(".xlsx")
        else:
            assert not dashboard


@pytest.mark.parametrize(
    ("tab", "field", "value"),
    [
        (schema.CUSTOMERS.name, "tier", "R5"),
        (schema.CUSTOMERS.name, "email", "budi@"),
        (schema.CUSTOMERS.name, "start_date", "soon"),
        (schema.REQUESTS.name, "catalog_task", "Simple metrc"),
        (schema.REQUESTS.name, "received_at", "kemarin"),
        (schema.REQUESTS.name, "customer", "Warung Tidak Ada"),
        (schema.TIME_LOG.name, "minutes", "abc"),
        (schema.TIME_LOG.name, "minutes", -30),
        (schema.TIME_LOG.name, "minutes", 900),
        (schema.TIME_LOG.name, "request_id", "REQ-9999"),
    ],
    ids=lambda v: str(v),
)
def test_planted_bad_value_is_present(tab: str, field: str, value: object) -> None:
    find(tab, field, value)


@pytest.mark.parametrize("case", PLANTED, ids=[p.rule for p in PLANTED])
def test_each_planted_case_finds_exactly_one_row(case: Planted) -> None:
    find(case.tab, case.field, case.value)


def test_customer_messages_starting_with_formula_characters_stay_text() -> None:
    texts = [str(t) for t in values(schema.REQUESTS.name, "description")]
    assert any(t.startswith("=SUM(") for t in texts)
    assert any(t[0] == "+" for t in texts)
    assert any(t[0] == "@" for t in texts)


def test_request_for_an_r1_customer_asks_for_custom_work() -> None:
    tiers = {r["customer"]: r["tier"] for r in rows_at()[schema.CUSTOMERS.name]}
    asks = rows_at()[schema.REQUESTS.name]
    pairs = {(tiers.get(r["customer"]), r.get("type")) for r in asks}
    assert ("R1", "B") in pairs
    assert ("R2", "C") in pairs
    phone = {(tiers.get(r["customer"]), r.get("channel")) for r in asks}
    assert ("R2", "Phone") in phone


def test_requests_cover_all_ten_statuses() -> None:
    assert set(values(schema.REQUESTS.name, "status")) == set(schema.STATUSES)


def test_request_ids_follow_arrival_with_one_left_blank() -> None:
    ids = values(schema.REQUESTS.name, "request_id")
    assert ids.count(None) == 1
    numbered = [i for i in ids if i is not None]
    assert numbered == [f"REQ-{n:04d}" for n in range(1, len(numbered) + 1)]


def test_counts_are_those_of_three_busy_months() -> None:
    assert 40 <= len(rows_at()[schema.REQUESTS.name]) <= 80
    assert 100 <= len(rows_at()[schema.TIME_LOG.name]) <= 200


def test_some_requests_have_no_type_yet() -> None:
    types = values(schema.REQUESTS.name, "type")
    assert 3 <= types.count(None) < len(types) / 4


def test_requests_arrive_mostly_in_office_hours_some_evenings_and_weekends() -> None:
    moments = [
        m
        for m in values(schema.REQUESTS.name, "received_at")
        if isinstance(m, datetime)
    ]
    office = [m for m in moments if m.weekday() < 5 and 9 <= m.hour < 17]
    assert len(office) > len(moments) / 2
    assert any(m.hour >= 17 for m in moments)
    assert any(m.weekday() >= 5 for m in moments)


@pytest.mark.parametrize("as_of", AS_OFS.values(), ids=AS_OFS.keys())
def test_nothing_is_dated_after_as_of_but_the_planted_future_row(
    as_of: datetime,
) -> None:
    now = wall(as_of)
    for row in rows_at(as_of)[schema.REQUESTS.name]:
        for field in ("received_at", "first_response_at"):
            moment = row.get(field)
            assert not isinstance(moment, datetime) or moment <= now, row
        for field in ("approved_on", "delivered_on", "confirmed_on", "closed_on"):
            day = row.get(field)
            assert not isinstance(day, date) or day <= now.date(), row

    future = [
        row["work_done"]
        for row in rows_at(as_of)[schema.TIME_LOG.name]
        if isinstance(row["date"], date) and row["date"] > now.date()
    ]
    assert future == ["Prepare deep dive deck"]


def first_response_shares(as_of: datetime) -> list[float]:
    """How much of its first-response window each unanswered request has used."""
    now = wall(as_of)
    tiers = {r["customer"]: r["tier"] for r in rows_at(as_of)[schema.CUSTOMERS.name]}
    shares = []
    for row in rows_at(as_of)[schema.REQUESTS.name]:
        tier = SETTINGS.tiers.get(str(tiers.get(row["customer"])))
        received = row["received_at"]
        if tier and isinstance(received, datetime) and "first_response_at" not in row:
            window = timedelta(hours=tier.first_response_hours)
            shares.append((now - received) / window)
    return shares


@pytest.mark.parametrize("as_of", AS_OFS.values(), ids=AS_OFS.keys())
def test_unanswered_requests_are_on_track_but_one_at_risk_and_one_breached(
    as_of: datetime,
) -> None:
    shares = first_response_shares(as_of)
    at_risk = SETTINGS.thresholds.sla_at_risk
    assert len([s for s in shares if at_risk <= s < 1]) == 1
    assert len([s for s in shares if s >= 1]) == 1
    assert len([s for s in shares if s < at_risk]) >= 2


def test_the_at_risk_request_arrived_80_percent_into_its_window() -> None:
    shares = first_response_shares(AS_OF)
    assert any(abs(s - 0.8) < 0.01 for s in shares)


def test_a_couple_of_first_responses_were_late() -> None:
    tiers = {r["customer"]: r["tier"] for r in rows_at()[schema.CUSTOMERS.name]}
    late = 0
    for row in rows_at()[schema.REQUESTS.name]:
        tier = SETTINGS.tiers.get(str(tiers.get(row["customer"])))
        received, replied = row["received_at"], row.get("first_response_at")
        if tier and isinstance(received, datetime) and isinstance(replied, datetime):
            late += replied - received > timedelta(hours=tier.first_response_hours)
    assert late == 2


def test_finished_custom_work_has_release_notes_but_one() -> None:
    finished = [
        row
        for row in rows_at()[schema.REQUESTS.name]
        if row.get("type") == "B"
        and row["status"] in ("Delivered", "Confirmed", "Closed")
    ]
    without = [row["description"] for row in finished if not row.get("release_notes")]
    assert without == ["Ubah rumus HPP rendang pakai harga daging terbaru"]


def test_closed_requests_have_the_checklist_ticked_but_one_docs_update() -> None:
    checklist = ("answered", "tested", "customer_notified", "docs_updated", "follow_up")
    unticked = [
        (row["description"], field)
        for row in rows_at()[schema.REQUESTS.name]
        if row["status"] == "Closed"
        for field in checklist
        if row.get(field) is not True
    ]
    assert unticked == [("Change the chart colours for the dark theme", "docs_updated")]


def test_one_request_overrides_its_estimate() -> None:
    overrides = [v for v in values(schema.REQUESTS.name, "estimate_minutes") if v]
    assert overrides == [25]


def test_time_log_rows_use_minutes_or_started_and_stopped() -> None:
    log = rows_at()[schema.TIME_LOG.name]
    clocked = [row for row in log if "started" in row]
    assert len(clocked) >= 3
    assert all("minutes" not in row and "stopped" in row for row in clocked)
    assert {row.get("staff") for row in log} == {"Dewi", "Rizky", "Putri", "Agus"}


def test_time_log_rows_name_a_request_a_customer_or_neither_once() -> None:
    log = rows_at()[schema.TIME_LOG.name]
    by_request = [row for row in log if row.get("request_id")]
    general = [row for row in log if row.get("customer") and not row.get("request_id")]
    neither = [
        row for row in log if not row.get("request_id") and not row.get("customer")
    ]
    assert len(by_request) > len(general) > 10
    assert [row["work_done"] for row in neither] == ["Rapat tim mingguan"]


def test_time_is_logged_on_custom_work_before_its_approval() -> None:
    approved = {
        row.get("request_id"): day
        for row in rows_at()[schema.REQUESTS.name]
        if isinstance(day := row.get("approved_on"), date)
    }
    early = [
        row["work_done"]
        for row in rows_at()[schema.TIME_LOG.name]
        if isinstance(day := row["date"], date)
        and day < approved.get(row.get("request_id"), day)
    ]
    assert early == ["Visual tweak: draft sebelum disetujui"]


def custom_minutes(as_of: datetime, customer: str, back: int) -> tuple[int, bool]:
    """B minutes a customer logged ``back`` periods ago, and whether overage is OK."""
    tabs = rows_at(as_of)
    start = find(schema.CUSTOMERS.name, "customer", customer, as_of)["start_date"]
    assert isinstance(start, date)
    today = wall(as_of).date()
    months = (today.year - start.year) * 12 + today.month - start.month
    if start + relativedelta(months=months) > today:
        months -= 1
    begins = start + relativedelta(months=months - back)
    ends = start + relativedelta(months=months - back + 1)

    work = {
        row["request_id"]: row
        for row in tabs[schema.REQUESTS.name]
        if row.get("type") == "B" and row["customer"] == customer
    }
    minutes = 0
    for row in tabs[schema.TIME_LOG.name]:
        day = row["date"]
        if (
            row.get("request_id") in work
            and isinstance(day, date)
            and begins <= day < ends
        ):
            minutes += spent(row)
    approved = any(row.get("overage_approved") for row in work.values())
    return minutes, approved


def spent(row: Row) -> int:
    minutes = row.get("minutes")
    if isinstance(minutes, int):
        return minutes
    started, stopped = row["started"], row["stopped"]
    assert isinstance(started, time) and isinstance(stopped, time)
    return (stopped.hour - started.hour) * 60 + stopped.minute - started.minute


@pytest.mark.parametrize("as_of", AS_OFS.values(), ids=AS_OFS.keys())
def test_budgets_this_period_show_each_planted_situation(as_of: datetime) -> None:
    assert custom_minutes(as_of, "Bakmi Ayam Pak Jenggot", 0) == (45, False)
    kopi_pagi, approved = custom_minutes(as_of, "Kopi Pagi Cerah", 0)
    assert kopi_pagi > 60 and approved
    bakso, approved = custom_minutes(as_of, "Bakso Pak Kumis", 0)
    assert bakso > 120 and not approved
    senja, _ = custom_minutes(as_of, "Kedai Kopi Senja", 0)
    assert 0.8 * 120 < senja <= 120


@pytest.mark.parametrize("as_of", AS_OFS.values(), ids=AS_OFS.keys())
def test_one_r2_customer_went_over_budget_in_two_of_the_last_three_periods(
    as_of: datetime,
) -> None:
    used = [
        custom_minutes(as_of, "Kedai Nasi Uduk Betawi", back)[0] for back in range(3)
    ]
    assert sum(minutes > 60 for minutes in used) == 2


def test_catalog_is_the_seed_catalog() -> None:
    catalog = rows_at()[schema.CATALOG.name]
    assert [row["task"] for row in catalog] == [t.task for t in SETTINGS.catalog]
    assert catalog[0] == {
        "task": "Simple metric",
        "min_minutes": 15,
        "max_minutes": 20,
        "example": 'Add "Average Order Value"',
    }


@pytest.mark.parametrize("as_of", AS_OFS.values(), ids=AS_OFS.keys())
def test_holidays_are_two_cuti_bersama_and_a_make_up_saturday(
    as_of: datetime,
) -> None:
    holidays = rows_at(as_of)[schema.HOLIDAYS.name]
    days = dates(schema.HOLIDAYS.name, "date", as_of)
    off = [row["name"] for row in holidays if row["off"] is True]
    worked = [d for row, d in zip(holidays, days, strict=True) if row["off"] is False]
    assert len(off) == 2 and all(str(name).startswith("Cuti bersama") for name in off)
    assert len(worked) == 1 and worked[0].weekday() == 5
    today = wall(as_of).date()
    assert all(abs((day - today).days) <= 21 for day in days)


@pytest.mark.parametrize("as_of", AS_OFS.values(), ids=AS_OFS.keys())
def test_calls_are_for_this_month_and_last(as_of: datetime) -> None:
    today = wall(as_of).date()
    months = {f"{today:%Y-%m}", f"{today - relativedelta(months=1):%Y-%m}"}
    assert set(values(schema.CALLS.name, "month", as_of)) == months


def test_an_r3_strategic_call_was_held_by_phone() -> None:
    tiers = {r["customer"]: r["tier"] for r in rows_at()[schema.CUSTOMERS.name]}
    by_phone = [
        row
        for row in rows_at()[schema.CALLS.name]
        if row["kind"] == "Strategic Call"
        and row["medium"] == "phone"
        and tiers[row["customer"]] == "R3"
    ]
    assert len(by_phone) == 1 and isinstance(by_phone[0]["held_on"], date)


@pytest.mark.parametrize("as_of", AS_OFS.values(), ids=AS_OFS.keys())
def test_grids_follow_the_schema_column_order_and_width(as_of: datetime) -> None:
    rows = demo_rows(as_of, SETTINGS)
    grids = demo_grids(as_of, SETTINGS)
    assert set(grids) == set(rows)
    for name, grid in grids.items():
        columns = schema.tab(name).columns
        assert len(grid) == len(rows[name])
        for row, line in zip(rows[name], grid, strict=True):
            assert len(line) == len(columns)
            for column, cell in zip(columns, line, strict=True):
                assert cell == row.get(column.field)
                assert cell is None or not column.computed


def test_grids_take_settings_catalog_changes() -> None:
    changed = Settings(**{**vars(SETTINGS), "catalog": SETTINGS.catalog[:2]})
    grid = demo_grids(AS_OF, changed)[schema.CATALOG.name]
    assert [line[0] for line in grid] == ["Simple metric", "Calculation change"]
