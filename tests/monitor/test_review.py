"""The quarterly deep dive: gathered figures, and the PDF read back by a PDF reader."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from sheetops import schema
from sheetops.cli import main
from sheetops.demo_dashboards import Day
from sheetops.errors import SheetopsError
from sheetops.monitor.quarters import Quarter, quarter_weeks
from sheetops.review import Review, build_review, default_path, write_review
from sheetops.sync.workbook import WorkbookBackend
from tests.monitor.builders import SETTINGS, ZONE, alert, customer, dashboard, write
from tests.trackers import make_workbook

AS_OF = datetime(2026, 4, 6, 9, 0, tzinfo=ZONE)
Q1 = Quarter(2026, 1)
# Each quarter at one steady rate a day: revenue, food cost share, other costs.
RATES = {
    Quarter(2025, 1): (900_000, 0.32, 500_000),
    Quarter(2025, 4): (1_000_000, 0.30, 500_000),
    Q1: (1_100_000, 0.33, 500_000),
}


def quarter_days(quarter: Quarter) -> list[Day]:
    revenue, share, other = RATES[quarter]
    count = (quarter.end - quarter.start).days + 1
    return [
        Day(
            quarter.start + timedelta(days=n),
            revenue,
            round(revenue * share),
            other,
            0,
        )
        for n in range(count)
    ]


def all_days() -> list[Day]:
    return [day for quarter in sorted(RATES) for day in quarter_days(quarter)]


def tracker(folder: Path, language: str = "en", tier: str = "R3") -> WorkbookBackend:
    write(folder / "one.xlsx", all_days(), refresh=datetime(2026, 4, 5, 23, 30))
    person = customer(1, "one.xlsx", language=language, tier=tier)
    other = customer(2, "two.xlsx")
    rows: dict[str, list[dict[str, object]]] = {
        schema.CUSTOMERS.name: [person, other],
        schema.REQUESTS.name: [
            {
                "request_id": "REQ-0001",
                "received_at": datetime(2026, 1, 19, 10, 0),
                "customer": "C-0001",
                "type": "B",
                "catalog_task": "New dashboard page",
                "approved_on": date(2026, 1, 19),
                "status": "Delivered",
                "first_response_at": datetime(2026, 1, 19, 11, 0),
                "delivered_on": date(2026, 2, 10),
                "description": "Staff Performance page",
                "release_notes": "New page: sales per waiter & shift <by week>",
            },
            {
                "request_id": "REQ-0002",
                "received_at": datetime(2025, 12, 1, 10, 0),
                "customer": "C-0001",
                "type": "A",
                "status": "Closed",
                "first_response_at": datetime(2025, 12, 1, 11, 0),
                "closed_on": date(2025, 12, 2),
                "description": "Last quarter's question",
            },
        ],
        schema.TIME_LOG.name: [
            {
                "date": date(2026, 1, 20),
                "request_id": "REQ-0001",
                "minutes": 90,
                "staff": "Dewi",
                "work_done": "Built the page",
            },
            {
                "date": date(2026, 2, 12),
                "customer": "C-0001",
                "minutes": 30,
                "staff": "Agus",
                "work_done": "Strategic Call",
            },
        ],
        schema.ALERTS.name: [
            alert(
                1,
                "Resto 1",
                "Food cost",
                "2026-W07",
                raised_at=datetime(2026, 2, 16, 8),
            ),
            alert(
                2,
                "C-0001",
                "Revenue",
                "2026-W11",
                status="Resolved",
                raised_at=datetime(2026, 3, 16, 8),
            ),
            alert(
                3, "Resto 1", "Margin", "2026-W14", raised_at=datetime(2026, 4, 6, 8)
            ),
            alert(
                4, "Resto 2", "Margin", "2026-W07", raised_at=datetime(2026, 2, 16, 8)
            ),
        ],
    }
    return make_workbook(folder / "tracker.xlsx", SETTINGS, AS_OF, rows)


def pdf_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


@pytest.fixture
def gathered(tmp_path: Path) -> Review:
    return build_review(tracker(tmp_path), SETTINGS, AS_OF, "C-0001", Q1)


@pytest.fixture
def pdf(tmp_path: Path, gathered: Review) -> Path:
    return write_review(gathered, tmp_path / "review.pdf")


def test_the_review_adds_up_each_quarter_from_the_dashboard(gathered: Review) -> None:
    this, previous, year_ago = (gathered.figures[q] for q in gathered.quarters)

    assert this is not None and previous is not None and year_ago is not None
    assert (this.revenue, this.days) == (99_000_000, 90)
    assert (previous.revenue, previous.days) == (92_000_000, 92)
    assert (year_ago.revenue, year_ago.days) == (81_000_000, 90)
    assert this.food_cost_pct == pytest.approx(33.0)
    assert this.margin == 99_000_000 - 32_670_000 - 45_000_000


def test_the_review_gathers_the_quarters_alerts_hours_and_work(
    gathered: Review,
) -> None:
    assert [a.alert_id for a in gathered.alerts] == ["AL-0001", "AL-0002"]
    assert [(u.month, u.hours, u.custom_hours) for u in gathered.usage] == [
        (date(2026, 1, 1), 1.5, 1.5),
        (date(2026, 2, 1), 0.5, 0.0),
        (date(2026, 3, 1), 0.0, 0.0),
    ]
    assert [u.included for u in gathered.usage] == [2.0, 2.0, 2.0]
    assert [(d.request_id, d.delivered) for d in gathered.delivered] == [
        ("REQ-0001", date(2026, 2, 10))
    ]


def test_the_pdf_opens_and_its_figures_are_the_dashboards(pdf: Path) -> None:
    pages, text = pdf_text(pdf)

    assert 1 <= pages <= 4
    assert "Quarterly Deep Dive Q1 2026" in text
    assert "Resto 1 (C-0001) · R3 Enterprise" in text
    assert "Revenue Rp 99.000.000: up 7.6% on Q4 2025; up 22.2% on Q1 2025." in text
    assert "Food cost averaged 33% of revenue (Q4 2025: 30%)." in text
    assert "Margin Rp 21.330.000, 21.5% of revenue." in text
    assert "Rp 92.000.000" in text and "Rp 81.000.000" in text
    assert "+3 pts" in text and "+1 pts" in text
    assert "Alerts raised this quarter: 2 (1 still open)." in text
    assert (
        "Support: 2 hours logged (1.5 of custom work, 6 included); work "
        "delivered: 1." in text
    )


def test_the_pdf_has_every_section_of_the_seeds_agenda(pdf: Path) -> None:
    _, text = pdf_text(pdf)

    for heading in (
        "Executive Summary",
        "Performance vs the Previous Quarter and a Year Ago",
        "Week by Week",
        "Alerts This Quarter",
        "Support Usage",
        "Work Delivered",
        "Competitive Benchmarking",
        "Strategic Recommendations",
        "Dashboard Roadmap",
    ):
        assert heading in text
    assert "3–5 major initiatives" in text


def test_the_pdf_shows_hours_by_month_and_the_release_notes(pdf: Path) -> None:
    _, text = pdf_text(pdf)

    assert "January 2026 1.5 1.5 2" in text
    assert "February 2026 0.5 0 2" in text
    assert "Total 2 1.5 6" in text
    assert "New page: sales per waiter & shift <by week>" in text
    assert "Last quarter's question" not in text


def test_the_pdf_pages_render_to_png(pdf: Path, tmp_path: Path) -> None:
    renderer = shutil.which("pdftoppm")
    if renderer is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed, so no PNG check")

    subprocess.run(
        [renderer, "-r", "60", "-png", str(pdf), str(tmp_path / "page")], check=True
    )

    pages = sorted(tmp_path.glob("page-*.png"))
    assert 1 <= len(pages) <= 4
    assert all(page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for page in pages)


def test_an_indonesian_customer_gets_the_review_in_indonesian(tmp_path: Path) -> None:
    backend = tracker(tmp_path, language="id")
    gathered = build_review(backend, SETTINGS, AS_OF, "Resto 1", Q1)

    _, text = pdf_text(write_review(gathered, tmp_path / "id.pdf"))

    assert "Ringkasan Eksekutif" in text
    assert "Omzet Rp 99.000.000: naik 7,6% dibanding Q4 2025" in text
    assert "Rekomendasi Strategis" in text
    assert "halaman 1" in text


def test_a_quarter_still_running_is_compared_over_the_same_first_days(
    tmp_path: Path,
) -> None:
    backend = tracker(tmp_path)
    early = datetime(2026, 1, 11, 9, 0, tzinfo=ZONE)
    path = tmp_path / "one.xlsx"
    days = [d for d in all_days() if d.day <= date(2026, 1, 10)]
    write(path, days, refresh=datetime(2026, 1, 10, 23, 30))

    gathered = build_review(backend, SETTINGS, early, "C-0001", Q1)

    this, previous, _ = (gathered.figures[q] for q in gathered.quarters)
    assert this is not None and previous is not None
    assert (this.days, previous.days) == (10, 10)
    assert previous.revenue == 10_000_000
    _, text = pdf_text(write_review(gathered, tmp_path / "early.pdf"))
    assert (
        "Q1 2026 has figures up to 10 Jan 2026 only, so every quarter is compared "
        "over its first 10 days." in text
    )


def test_a_dashboard_that_cant_be_read_still_gives_a_review_saying_why(
    tmp_path: Path,
) -> None:
    backend = tracker(tmp_path)
    (tmp_path / "one.xlsx").unlink()

    gathered = build_review(backend, SETTINGS, AS_OF, "C-0001", Q1)
    _, text = pdf_text(write_review(gathered, tmp_path / "none.pdf"))

    assert "No dashboard figures for this quarter: dashboard" in text
    assert "does not exist" in text
    assert "Strategic Recommendations" in text


def test_a_customer_without_a_quarterly_call_has_no_review(tmp_path: Path) -> None:
    backend = tracker(tmp_path, tier="R2")

    with pytest.raises(SheetopsError) as caught:
        build_review(backend, SETTINGS, AS_OF, "C-0001", Q1)

    assert str(caught.value) == (
        "Resto 1 is on R2 Premium, which has no quarterly deep dive; it comes "
        "with the tiers that include a quarterly call (R3)"
    )


def test_the_default_file_is_named_after_the_customer_and_quarter(
    gathered: Review,
) -> None:
    assert default_path(gathered) == Path("review-C-0001-2026Q1.pdf")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026Q1", Quarter(2026, 1)), ("2025-q4", Quarter(2025, 4))],
    ids=["plain", "dash-lower-case"],
)
def test_a_quarter_is_read_from_its_label(text: str, expected: Quarter) -> None:
    assert Quarter.parse(text) == expected


def test_quarters_know_their_days_and_neighbours() -> None:
    assert (Q1.start, Q1.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert Q1.previous() == Quarter(2025, 4)
    assert Q1.year_before() == Quarter(2025, 1)
    assert Quarter(2024, 1).end == date(2024, 3, 31)
    assert Quarter(2025, 4).end == date(2025, 12, 31)


def test_a_week_with_a_day_missing_is_a_gap_not_a_dip() -> None:
    days = [d for d in quarter_days(Q1) if d.day != date(2026, 1, 10)]

    weeks = quarter_weeks(dashboard(days).figures, Q1)

    assert len(weeks) == 12
    assert weeks[1] is None
    assert weeks[0] is not None and weeks[0].revenue == 7_700_000


# -- the command -----------------------------------------------------------------


def run(runner: CliRunner, *args: str) -> click.testing.Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_review_command_writes_the_default_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = tracker(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHEETOPS_CONFIG", raising=False)

    result = run(
        CliRunner(),
        "review",
        "C-0001",
        "--quarter",
        "2026Q1",
        "--tracker",
        backend.location,
        "--as-of",
        "2026-04-06",
    )

    assert result.exit_code == 0, result.output
    assert result.output == (
        "Wrote the Q1 2026 deep dive for Resto 1 to review-C-0001-2026Q1.pdf\n"
    )
    assert PdfReader(tmp_path / "review-C-0001-2026Q1.pdf").pages


def test_review_command_reviews_the_last_quarter_that_ended_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = tracker(tmp_path)
    out = tmp_path / "out.pdf"

    result = run(
        CliRunner(),
        "review",
        "Resto 1",
        "--pdf",
        str(out),
        "--tracker",
        backend.location,
        "--as-of",
        "2026-04-06",
    )

    assert result.exit_code == 0
    assert "Quarterly Deep Dive Q1 2026" in pdf_text(out)[1]


def test_review_command_refuses_a_quarter_it_cant_read(tmp_path: Path) -> None:
    backend = tracker(tmp_path)

    result = run(
        CliRunner(),
        "review",
        "C-0001",
        "--quarter",
        "Q5",
        "--tracker",
        backend.location,
    )

    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for --quarter: 'Q5' is not a quarter like 2026Q1"
    )
