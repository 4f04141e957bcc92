"""Parsing a tab's raw cells into typed columns, and naming what's wrong."""

from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetops import schema
from sheetops.errors import TrackerLayoutError
from sheetops.rules.validation import (
    check_duplicates,
    parse_tab,
    resolve_customers,
)


def grid_for(tab: schema.Tab, *rows: dict[str, object]) -> list[list[object]]:
    """A grid with the tab's headers and rows given by field name."""
    header = tab.headers
    fields = [c.field for c in tab.columns]
    return [header] + [[row.get(f) for f in fields] for row in rows]


def test_columns_are_found_by_header_whatever_the_order_case_and_spacing() -> None:
    header = ["  date ", "MINUTES", "Request id", "Customer", "Work Done", "Staff"]
    grid = [header, [date(2026, 1, 5), 45, "REQ-0001", "", "Fix chart", "Dewi"]]

    table = parse_tab(schema.TIME_LOG, "Time Log", grid)

    assert table.frame.at[2, "minutes"] == 45.0
    assert table.frame.at[2, "request_id"] == "REQ-0001"
    assert table.positions["minutes"] == 1


def test_a_missing_required_column_names_the_tab_and_column() -> None:
    grid = [["Customer ID", "Customer", "Tier"]]

    with pytest.raises(
        TrackerLayoutError, match=r"'Customers' has no column 'Start Date'"
    ):
        parse_tab(schema.CUSTOMERS, "Customers", grid)


def test_extra_columns_are_kept_out_of_the_table() -> None:
    grid = grid_for(
        schema.CATALOG, {"task": "Simple metric", "min_minutes": 15, "max_minutes": 20}
    )
    grid[0].append("Notes from Dewi")
    grid[1].append("keep me")

    table = parse_tab(schema.CATALOG, "Catalog", grid)

    assert "Notes from Dewi" not in table.frame.columns
    assert table.cells[2][-1] == "keep me"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (45, 45.0),
        ("45", 45.0),
        ("1,5", 1.5),
        (" 30 ", 30.0),
    ],
    ids=["number", "text", "decimal-comma", "spaces"],
)
def test_minutes_are_read_as_numbers(raw: object, expected: float) -> None:
    grid = grid_for(
        schema.TIME_LOG,
        {"date": date(2026, 1, 5), "minutes": raw, "customer": "C-0001"},
    )

    table = parse_tab(schema.TIME_LOG, "Time Log", grid)

    assert table.frame.at[2, "minutes"] == expected
    assert not table.problems.get(2)


def test_a_bad_number_is_named_with_its_column_and_value() -> None:
    grid = grid_for(
        schema.TIME_LOG,
        {"date": date(2026, 1, 5), "minutes": "abc", "customer": "C-0001"},
    )

    table = parse_tab(schema.TIME_LOG, "Time Log", grid)

    assert pd.isna(table.frame.at[2, "minutes"])
    assert table.problems[2] == ["Minutes: 'abc' is not a number"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (datetime(2026, 1, 31), datetime(2026, 1, 31)),
        (date(2026, 1, 31), datetime(2026, 1, 31)),
        ("2026-01-31", datetime(2026, 1, 31)),
        ("31/01/2026", datetime(2026, 1, 31)),
        ("05/01/2026", datetime(2026, 1, 5)),
        (46053, datetime(2026, 1, 31)),
    ],
    ids=["datetime", "date", "iso", "day-first", "day-first-ambiguous", "serial"],
)
def test_dates_are_read_from_every_form_a_sheet_gives(
    raw: object, expected: datetime
) -> None:
    grid = grid_for(
        schema.CUSTOMERS, {"customer": "Kopi Senja", "tier": "R2", "start_date": raw}
    )

    table = parse_tab(schema.CUSTOMERS, "Customers", grid)

    assert table.frame.at[2, "start_date"] == pd.Timestamp(expected)


def test_an_unreadable_date_is_explained_with_an_example() -> None:
    grid = grid_for(
        schema.CUSTOMERS, {"customer": "Kopi Senja", "tier": "R2", "start_date": "soon"}
    )

    table = parse_tab(schema.CUSTOMERS, "Customers", grid)

    assert table.problems[2] == ["Start Date: 'soon' is not a date like 2026-01-31"]


def test_received_at_keeps_its_time_of_day() -> None:
    grid = grid_for(
        schema.REQUESTS, {"received_at": "2026-01-30 16:59", "customer": "C-0001"}
    )

    table = parse_tab(schema.REQUESTS, "Requests", grid)

    assert table.frame.at[2, "received_at"] == pd.Timestamp("2026-01-30 16:59")


def test_choices_are_spelt_canonically_and_typos_are_named() -> None:
    grid = grid_for(
        schema.CUSTOMERS,
        {"customer": "A", "tier": "r2", "start_date": "2026-01-01"},
        {"customer": "B", "tier": "R5", "start_date": "2026-01-01"},
    )

    table = parse_tab(schema.CUSTOMERS, "Customers", grid)

    assert table.frame["tier"].tolist() == ["R2", ""]
    assert table.problems[3] == ["Tier: 'R5' is not one of R1, R2, R3"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), ("TRUE", True), ("ya", True), (None, False), ("FALSE", False)],
    ids=["bool", "text-true", "indonesian-yes", "blank", "text-false"],
)
def test_checkboxes_accept_what_people_type(raw: object, expected: bool) -> None:
    grid = grid_for(
        schema.CUSTOMERS,
        {"customer": "A", "tier": "R1", "start_date": "2026-01-01", "active": raw},
    )

    table = parse_tab(schema.CUSTOMERS, "Customers", grid)

    assert bool(table.frame.at[2, "active"]) is expected


def test_started_and_stopped_times_are_read_as_times() -> None:
    grid = grid_for(
        schema.TIME_LOG,
        {"date": "2026-01-05", "customer": "A", "started": "09:15", "stopped": 0.5},
    )

    table = parse_tab(schema.TIME_LOG, "Time Log", grid)

    assert table.frame.at[2, "started"] == time(9, 15)
    assert table.frame.at[2, "stopped"] == time(12, 0)


def test_an_email_without_a_domain_is_a_problem() -> None:
    grid = grid_for(
        schema.CUSTOMERS,
        {"customer": "A", "tier": "R1", "start_date": "2026-01-01", "email": "budi@"},
    )

    table = parse_tab(schema.CUSTOMERS, "Customers", grid)

    assert table.frame.at[2, "email"] == ""
    assert "Email: 'budi@' is not an email address" in table.problems[2][0]


def test_blank_rows_are_skipped_and_blank_required_cells_named() -> None:
    grid = grid_for(
        schema.CUSTOMERS,
        {"customer": "A", "tier": "R1", "start_date": "2026-01-01"},
        {},
        {"customer": "", "tier": "R2", "start_date": "2026-01-01"},
    )

    table = parse_tab(schema.CUSTOMERS, "Customers", grid)

    assert table.frame.index.tolist() == [2, 4]
    assert table.problems[4] == ["Customer: blank, but every row needs one"]


def test_duplicate_ids_are_flagged_on_every_row_that_shares_them() -> None:
    grid = grid_for(
        schema.REQUESTS,
        {"request_id": "REQ-0001", "received_at": "2026-01-05", "customer": "A"},
        {"request_id": "req-0001", "received_at": "2026-01-06", "customer": "A"},
    )
    table = parse_tab(schema.REQUESTS, "Requests", grid)

    check_duplicates(table, "request_id")

    assert table.problems[2] == [
        "Request ID: 'REQ-0001' is also on row 3; give each row its own"
    ]
    assert table.problems[3] == [
        "Request ID: 'req-0001' is also on row 2; give each row its own"
    ]


def test_customers_resolve_by_id_or_exact_name() -> None:
    grid = grid_for(
        schema.REQUESTS,
        {"received_at": "2026-01-05", "customer": "c-0001"},
        {"received_at": "2026-01-05", "customer": "Kopi  Senja"},
        {"received_at": "2026-01-05", "customer": "Warung Tidak Ada"},
    )
    table = parse_tab(schema.REQUESTS, "Requests", grid)

    ids = resolve_customers(table, {"c-0001": "C-0001"}, {"kopi senja": "C-0002"})

    assert ids.tolist() == ["C-0001", "C-0002", ""]
    assert table.problems[4] == [
        "Customer: 'Warung Tidak Ada' is not on the Customers tab"
    ]


cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.times(),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(cell_values, min_size=26, max_size=26), min_size=1, max_size=4)
)
def test_any_value_in_any_staff_cell_parses_or_is_explained(
    rows: list[list[object]],
) -> None:
    tab = schema.REQUESTS
    grid = [tab.headers, *[row[: len(tab.columns)] for row in rows]]

    table = parse_tab(tab, tab.name, grid)  # type: ignore[arg-type]

    for row in table.frame.index:
        for column in tab.staff:
            raw = table.raw(int(row), column.field)
            parsed = table.frame.at[row, column.field]
            blankish = parsed is None or parsed == "" or pd.isna(parsed)
            typed_blank = raw is None or (isinstance(raw, str) and not raw.strip())
            if blankish and not typed_blank and column.type is not schema.Type.BOOL:
                header = column.header
                assert any(p.startswith(f"{header}:") for p in table.problems[int(row)])
