"""The whole rule set on a parsed tracker: nothing a person types breaks it."""

from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from sheetops import schema
from sheetops.rules.compute import compute_all
from sheetops.settings import Settings, load_settings
from sheetops.sync.backend import Snapshot
from sheetops.sync.engine import fill_blank_ids, load_tracker
from tests.trackers import grid_rows, small_tracker

SETTINGS = load_settings(None, environ={})
AS_OF = datetime(2026, 1, 28, 10, tzinfo=SETTINGS.business.time_zone)

cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["R2", "B", "Closed", "REQ-0001", "C-0001", "Customer A", "=1+1"]),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1)),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)),
    st.times(),
)


def tracker_with(tab: schema.Tab, row: int, field: str, value: object) -> Snapshot:
    rows = small_tracker()
    rows[tab.name][row][field] = value
    grids = {
        t.name: [list(t.headers), *grid_rows(t, rows.get(t.name, []))]
        for t in schema.TABS
    }
    catalog = [
        [c.task, c.min_minutes, c.max_minutes, c.example] for c in SETTINGS.catalog
    ]
    grids[schema.CATALOG.name] += [[*r, None] for r in catalog]
    return Snapshot(grids)  # type: ignore[arg-type]


def computed_for(snapshot: Snapshot, settings: Settings) -> dict[str, pd.DataFrame]:
    tracker = load_tracker(snapshot)
    fill_blank_ids(tracker)
    return compute_all(tracker.tables, settings, AS_OF)


staff_cells = st.sampled_from(
    [
        (tab, row, column.field)
        for tab in (schema.CUSTOMERS, schema.REQUESTS, schema.TIME_LOG)
        for row in range(2)
        for column in tab.staff
    ]
)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(staff_cells, cell_values)
def test_any_value_in_any_staff_cell_never_stops_the_rules(
    place: tuple[schema.Tab, int, str], value: object
) -> None:
    tab, row, field = place

    computed = computed_for(tracker_with(tab, row, field, value), SETTINGS)

    for name, frame in computed.items():
        assert frame["problems"].map(type).eq(str).all(), name
    # The other customers are still computed whatever the one cell holds.
    customers = computed[schema.CUSTOMERS.name]
    assert customers["monthly_allocation"].notna().sum() >= 2


@hypothesis_settings(max_examples=25, deadline=None)
@given(
    st.sampled_from([c for c in schema.TIME_LOG.staff if c.type is schema.Type.NUMBER]),
    st.text(alphabet="abcxyz!?", min_size=1, max_size=8),
)
def test_an_unreadable_number_always_gets_a_problem_sentence(
    column: schema.Column, text: str
) -> None:
    computed = computed_for(
        tracker_with(schema.TIME_LOG, 0, column.field, text), SETTINGS
    )

    problems = computed[schema.TIME_LOG.name].at[2, "problems"]
    assert problems.startswith(f"{column.header}: {text!r} is not a number")


def test_started_and_stopped_give_the_minutes_when_minutes_is_blank() -> None:
    rows_snapshot = tracker_with(schema.TIME_LOG, 0, "minutes", None)
    grid = rows_snapshot.grids[schema.TIME_LOG.name]
    header = grid[0]
    grid[1][header.index("Started")] = time(9, 0)
    grid[1][header.index("Stopped")] = time(9, 45)

    computed = computed_for(rows_snapshot, SETTINGS)

    assert computed[schema.TIME_LOG.name].at[2, "hours"] == 0.75
