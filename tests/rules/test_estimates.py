"""Catalog estimates and the type suggestion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sheetops.rules.estimates import estimate_table, suggested_types
from sheetops.settings import Settings

NaN = np.nan

# The seed's service catalog, as the Catalog tab holds it.
SEED_CATALOG = [
    ("Simple metric", 15, 20, 'Add "Average Order Value"'),
    ("Calculation change", 20, 30, "Modify food cost % formula"),
    ("Visual tweak", 10, 15, "Change color scheme"),
    ("Page reorganization", 30, 45, "Move sections around"),
    ("New dashboard page", 90, 120, 'Build "Staff Performance" page'),
    ("Complex integration", 120, 240, "Connect to new POS system"),
]


def suggest_type(description: str) -> str:
    """The engine's suggestion for one untyped request with this description."""
    request = pd.DataFrame({"description": [description], "type": [""]})
    return str(suggested_types(request).iloc[0])


def catalog_tab(
    rows: list[tuple[str, float, float, str]] = SEED_CATALOG,
) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["task", "min_minutes", "max_minutes", "example"]
    )
    return frame.set_axis(range(2, len(rows) + 2)).astype(
        {"min_minutes": float, "max_minutes": float}
    )


def one_request(
    task: str, quantity: float = NaN, override: float = NaN
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "catalog_task": [task],
            "quantity": [quantity],
            "estimate_minutes": [override],
        },
        index=[7],
    )


@pytest.mark.parametrize(
    ("task", "low", "high"),
    [(task, low, high) for task, low, high, _ in SEED_CATALOG],
    ids=[task for task, *_ in SEED_CATALOG],
)
def test_each_seed_catalog_task_estimates_at_the_top_of_its_range(
    settings: Settings, task: str, low: int, high: int
) -> None:
    table = estimate_table(one_request(task), catalog_tab(), settings)

    assert table.at[7, "estimate_minutes"] == high
    assert table.at[7, "estimate"] == f"{high} min (catalog {low}–{high})"
    assert table.at[7, "problems"] == []


@pytest.mark.parametrize(
    ("task", "quantity", "override", "minutes", "wording"),
    [
        ("Page reorganization", NaN, NaN, 45, "45 min (catalog 30–45)"),
        ("Page reorganization", 1, NaN, 45, "45 min (catalog 30–45)"),
        ("New dashboard page", 2, NaN, 240, "240 min (catalog 2 × 90–120)"),
        ("Simple metric", 3, NaN, 60, "60 min (catalog 3 × 15–20)"),
        ("Simple metric", NaN, 50, 50, "50 min (staff estimate)"),
        ("", NaN, 35, 35, "35 min (staff estimate)"),
        ("", NaN, NaN, NaN, ""),
        ("", 2, NaN, NaN, ""),
    ],
    ids=[
        "blank-quantity-is-1",
        "quantity-1",
        "two-pages",
        "three-metrics",
        "staff-override-wins",
        "override-without-task",
        "nothing-to-estimate",
        "quantity-without-task",
    ],
)
def test_estimate_is_catalog_max_times_quantity_unless_staff_override(
    settings: Settings,
    task: str,
    quantity: float,
    override: float,
    minutes: float,
    wording: str,
) -> None:
    table = estimate_table(
        one_request(task, quantity, override), catalog_tab(), settings
    )

    assert table.at[7, "estimate_minutes"] == pytest.approx(minutes, nan_ok=True)
    assert table.at[7, "estimate"] == wording


@pytest.mark.parametrize(
    "typed",
    ["simple metric", "  SIMPLE   Metric ", "SimpleMetric", "Simple\tmetric"],
    ids=["lower", "upper-spaced", "no-space", "tab"],
)
def test_catalog_task_matching_ignores_case_and_spacing(
    settings: Settings, typed: str
) -> None:
    table = estimate_table(one_request(typed), catalog_tab(), settings)

    assert table.at[7, "estimate_minutes"] == 20
    assert table.at[7, "problems"] == []


def test_unknown_catalog_task_suggests_the_closest_one(settings: Settings) -> None:
    table = estimate_table(one_request("Simple metrc"), catalog_tab(), settings)

    assert table.at[7, "problems"] == [
        "Catalog Task: 'Simple metrc' is not in the Catalog tab; "
        "did you mean 'Simple metric'?"
    ]
    assert np.isnan(table.at[7, "estimate_minutes"])
    assert table.at[7, "estimate"] == ""


def test_unknown_catalog_task_with_nothing_close_lists_the_tasks(
    settings: Settings,
) -> None:
    rows = [("Visual tweak", 10, 15, ""), ("Simple metric", 15, 20, "")]

    table = estimate_table(one_request("Zebra"), catalog_tab(rows), settings)

    assert table.at[7, "problems"] == [
        "Catalog Task: 'Zebra' is not in the Catalog tab; pick one of "
        "Visual tweak, Simple metric, or add it there"
    ]


@pytest.mark.parametrize(
    ("quantity", "problem"),
    [
        (0, "Quantity: 0 is not a whole number from 1 to 100"),
        (-2, "Quantity: -2 is not a whole number from 1 to 100"),
        (1.5, "Quantity: 1.5 is not a whole number from 1 to 100"),
        (1e26, "Quantity: 1e+26 is not a whole number from 1 to 100"),
    ],
    ids=["zero", "negative", "fraction", "absurd"],
)
def test_a_quantity_that_isnt_a_positive_whole_number_is_a_problem(
    settings: Settings, quantity: float, problem: str
) -> None:
    table = estimate_table(
        one_request("Visual tweak", quantity), catalog_tab(), settings
    )

    assert table.at[7, "problems"] == [problem]
    assert np.isnan(table.at[7, "estimate_minutes"])


def test_a_non_positive_staff_estimate_is_a_problem_and_the_catalog_is_used(
    settings: Settings,
) -> None:
    request = one_request("Visual tweak", override=-5)

    table = estimate_table(request, catalog_tab(), settings)

    assert table.at[7, "estimate_minutes"] == 15
    assert table.at[7, "problems"] == [
        "Estimate (min): -5 is not a number of minutes from 1 to 6000; "
        "fix it, or clear it to use the catalog"
    ]


def test_the_catalog_tab_wins_over_the_shipped_catalog(settings: Settings) -> None:
    edited = [("Visual tweak", 5, 25, "")]

    table = estimate_table(one_request("Visual tweak"), catalog_tab(edited), settings)

    assert table.at[7, "estimate"] == "25 min (catalog 5–25)"


def test_an_empty_catalog_tab_falls_back_to_the_shipped_catalog(
    settings: Settings,
) -> None:
    empty = catalog_tab([])

    table = estimate_table(one_request("Complex integration"), empty, settings)

    assert table.at[7, "estimate_minutes"] == 240


def test_a_catalog_row_without_numbers_is_skipped_and_the_next_match_used(
    settings: Settings,
) -> None:
    rows = [("Visual tweak", NaN, NaN, ""), ("visual tweak", 10, 12, "")]

    table = estimate_table(one_request("Visual tweak"), catalog_tab(rows), settings)

    assert table.at[7, "estimate_minutes"] == 12


def test_estimate_table_keeps_the_request_index_and_handles_no_rows(
    settings: Settings,
) -> None:
    empty = one_request("").iloc[0:0]

    table = estimate_table(empty, catalog_tab(), settings)

    assert list(table.columns) == ["estimate_minutes", "estimate", "problems"]
    assert table.empty


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("How do I filter by date?", "A"),
        ("Dashboard not refreshing", "A"),
        ("Data looks wrong", "A"),
        ("Add new metric", "B"),
        ("Modify calculation", "B"),
        ("Reorganize page", "B"),
        ("How do I improve margins?", "C"),
        ("What KPIs should I track?", "C"),
    ],
    ids=[
        "A-filter",
        "A-refresh",
        "A-wrong",
        "B-metric",
        "B-calculation",
        "B-reorganize",
        "C-margins",
        "C-kpis",
    ],
)
def test_the_seeds_own_examples_get_their_type(description: str, expected: str) -> None:
    assert suggest_type(description) == expected


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("Gimana cara filter berdasarkan tanggal?", "A"),
        ("Dashboard tidak muncul datanya", "A"),
        ("Angka food cost salah", "A"),
        ("Ada error waktu import", "A"),
        ("Tolong tambah metrik baru", "B"),
        ("Ubah rumus food cost", "B"),
        ("Buat halaman Staff Performance", "B"),
        ("Ganti warna grafik", "B"),
        ("Bagaimana meningkatkan margin?", "C"),
        ("KPI apa yang sebaiknya saya pantau?", "C"),
        ("Minta saran strategi harga menu", "C"),
    ],
    ids=[
        "A-gimana-cara",
        "A-tidak-muncul",
        "A-salah",
        "A-error",
        "B-tambah",
        "B-ubah",
        "B-buat-halaman",
        "B-ganti",
        "C-meningkatkan",
        "C-sebaiknya",
        "C-saran-strategi",
    ],
)
def test_indonesian_requests_get_their_type(description: str, expected: str) -> None:
    assert suggest_type(description) == expected


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("Should I add more staff?", "C"),
        ("The new page shows an error", "A"),
        ("How do I add a filter?", "A"),
        ("Please update my address", ""),
        ("Thanks!", ""),
        ("", ""),
    ],
    ids=[
        "strategy-beats-build",
        "trouble-beats-build",
        "how-to-beats-build",
        "no-partial-words",
        "nothing",
        "blank",
    ],
)
def test_type_precedence_is_strategy_then_trouble_then_build(
    description: str, expected: str
) -> None:
    assert suggest_type(description) == expected


def test_suggested_types_fills_only_untyped_requests() -> None:
    requests = pd.DataFrame(
        {
            "description": ["Add new metric", "Add new metric", "Data looks wrong"],
            "type": ["", "A", ""],
        },
        index=[2, 3, 4],
    )

    assert suggested_types(requests).tolist() == ["B", "", "A"]
