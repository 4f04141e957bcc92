"""What each email says: the seed's report, every template in both languages."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from sheetops.errors import MailError
from sheetops.mailers.agendas import AGENDAS, agenda
from sheetops.mailers.compose import Source, compose, read_source
from sheetops.mailers.keys import KINDS, MailRequest
from sheetops.mailers.render import render, span
from sheetops.rules.messages import approval_message
from sheetops.settings import Settings
from tests.mailers.builders import (
    every_kind_tracker,
    seed_customer,
    seed_january,
    tracker,
)

# One request of each kind, against every_kind_tracker().
EVERY_KIND = {
    "time_report": MailRequest("time_report", "C-0001", "2026-01-01"),
    "budget_notice": MailRequest("budget_notice", "C-0001", "2026-01-01"),
    "approval_request": MailRequest("approval_request", "C-0001", "REQ-0011"),
    "overage_invoice": MailRequest("overage_invoice", "C-0002", "2026-01-05"),
    "call_invitation": MailRequest(
        "call_invitation", "C-0002", "2026-02:Strategic Call"
    ),
    "proactive_alert": MailRequest("proactive_alert", "C-0002", "AL-0001"),
    "staff_alert": MailRequest("staff_alert", "C-0002", "AL-0001"),
}


@pytest.fixture
def source(tmp_path: Path, settings: Settings, as_of: datetime) -> Source:
    backend = tracker(tmp_path, settings, as_of, every_kind_tracker())
    return read_source(backend.read(), settings, as_of)


def test_the_seed_sample_report_comes_out_with_its_figures(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    backend = tracker(tmp_path, settings, as_of, seed_january())
    source = read_source(backend.read(), settings, as_of)

    draft = compose(EVERY_KIND["time_report"], source)

    assert draft.rendered.subject == "Your Support Summary - January 2026"
    lines = draft.rendered.text.splitlines()
    start = lines.index("Your Support Summary - January 2026")
    assert lines[start : start + 16] == [
        "Your Support Summary - January 2026",
        "",
        "Time Allocation: 1.0 hour",
        "Time Used: 0.75 hours (75%)",
        "Remaining: 0.25 hours",
        "",
        "Work Completed This Month:",
        '- Added "Top Selling Items" metric (0.25hr)',
        "- Modified food cost calculation (0.30hr)",
        "- Updated color scheme (0.20hr)",
        "",
        "Next Month: Fresh 1.0 hour allocation (Feb 1)",
        "Unused hours expire on Feb 1; they don't roll over.",
        "",
        "Need more? Overage rate: Rp 250.000/hour",
        "",
    ]


def test_the_report_reads_in_indonesian_for_an_id_customer(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    rows = seed_january()
    rows["Customers"] = [seed_customer(language="id")]
    backend = tracker(tmp_path, settings, as_of, rows)
    source = read_source(backend.read(), settings, as_of)

    draft = compose(EVERY_KIND["time_report"], source)

    text = draft.rendered.text
    assert draft.rendered.subject == "Ringkasan Dukungan Anda - Januari 2026"
    assert "Jatah Waktu: 1,0 jam" in text
    assert "Terpakai: 0,75 jam (75%)" in text
    assert "- Modified food cost calculation (0,30 jam)" in text
    assert "jatah baru 1,0 jam (1 Feb)" in text
    assert "Tarif overage: Rp 250.000/jam" in text
    assert '<html lang="id">' in draft.rendered.html


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_template_renders_in_both_languages(
    source: Source, kind: str, language: str
) -> None:
    draft = compose(EVERY_KIND[kind], source, language)

    assert draft.language == language
    assert draft.rendered.subject
    assert draft.rendered.text.strip()
    assert f'<html lang="{language}">' in draft.rendered.html
    for part in (draft.rendered.subject, draft.rendered.text, draft.rendered.html):
        assert "{{" not in part and "{%" not in part and "None" not in part


def test_a_template_variable_missing_from_the_context_is_an_error() -> None:
    with pytest.raises(MailError, match="'usage' is undefined"):
        render("time_report", "en", {"customer": "Warung Kopi", "team": "Support"})


def test_html_parts_escape_what_people_typed(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    rows = seed_january()
    rows["Customers"] = [seed_customer(customer="<b>Kopi & Co</b>")]
    backend = tracker(tmp_path, settings, as_of, rows)
    source = read_source(backend.read(), settings, as_of)

    draft = compose(EVERY_KIND["time_report"], source)

    assert "Hi <b>Kopi & Co</b>," in draft.rendered.text
    assert "<p>Hi &lt;b&gt;Kopi &amp; Co&lt;/b&gt;,</p>" in draft.rendered.html
    assert "metric" in draft.rendered.html
    assert "&#34;Top Selling Items&#34;" in draft.rendered.html


def test_an_approval_within_budget_is_the_seed_question(source: Source) -> None:
    draft = compose(EVERY_KIND["approval_request"], source)

    assert (
        "This will take ~45 minutes. You have 1 hour this month (0 used). Proceed?"
        in draft.rendered.text
    )
    assert draft.rendered.subject == (
        "Approval needed: REQ-0011 - Move the sales charts up"
    )


def test_an_approval_over_budget_offers_the_ways_forward(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    rows = every_kind_tracker()
    rows["Time Log"].append(
        {"date": date(2026, 2, 2), "request_id": "REQ-0001", "minutes": 45}
    )
    backend = tracker(tmp_path, settings, as_of, rows)
    source = read_source(backend.read(), settings, as_of)

    draft = compose(EVERY_KIND["approval_request"], source)

    expected = approval_message(
        45, settings.tier("R2"), 0.75, date(2026, 3, 1), "en", settings
    )
    assert expected in draft.rendered.text
    assert "Mar 1" in expected and "Rp 125.000" in expected


def test_the_call_invitation_lists_the_seed_agenda_with_minutes(
    source: Source,
) -> None:
    draft = compose(EVERY_KIND["call_invitation"], source, "en")

    text = draft.rendered.text
    assert draft.rendered.subject == "Your 60-minute Strategic Call - February 2026"
    assert "is set for Monday, February 9, 2026, 14:00 WIB." in text
    assert "How: Video call (required; not by phone)" in text
    assert [
        line for line in text.splitlines() if line[:2] in ("1.", "2.", "3.", "4.")
    ] == [
        "1. Performance Review (20 min)",
        "2. Deep Dive Analysis (20 min)",
        "3. Action Plan (15 min)",
        "4. Custom Work Planning (5 min)",
    ]
    assert "How to use your 2.0 hours a month" in text


@pytest.mark.parametrize(
    ("tier", "kind"),
    [
        ("R2", "Monthly Check-in"),
        ("R3", "Strategic Call"),
        ("R3", "Quarterly Deep Dive"),
    ],
)
@pytest.mark.parametrize("language", ["en", "id"])
def test_each_agenda_fills_its_call_exactly(
    settings: Settings, tier: str, kind: str, language: str
) -> None:
    plan = next(call for call in settings.tier(tier).calls if call.kind == kind)

    found = agenda(kind, language, "1 hour")

    assert found.minutes == plan.minutes
    assert len(found.items) == len(AGENDAS[kind]["en"].items)


def test_the_deep_dive_promises_its_written_summary(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    backend = tracker(tmp_path, settings, as_of, every_kind_tracker())
    source = read_source(backend.read(), settings, as_of)
    request = MailRequest("call_invitation", "C-0002", "2026-03:Quarterly Deep Dive")

    draft = compose(request, source, "en")

    assert "Agenda (90 minutes):" in draft.rendered.text
    assert "4. Strategic Recommendations (30 min)" in draft.rendered.text
    assert "6. Q&A (5 min)" in draft.rendered.text
    assert "Reply with a few times that suit you" in draft.rendered.text
    assert "A written summary and action plan (PDF)" in draft.rendered.text


def test_the_proactive_alert_gives_the_finding_and_the_usual_value(
    source: Source,
) -> None:
    customer = compose(EVERY_KIND["proactive_alert"], source)
    staff = compose(EVERY_KIND["staff_alert"], source)

    assert customer.language == "id"
    assert customer.to_address == "padang@example.com"
    assert (
        "Your food cost jumped to 38% this week (usually 32%)" in customer.rendered.text
    )
    assert "Food cost: 38% (biasanya 32%)" in customer.rendered.text
    assert staff.language == "en"
    assert staff.to_address == "support@example.com"
    assert staff.rendered.subject == (
        "[Alert AL-0001] Resto Padang Sederhana (C-0002): Food cost"
    )
    assert "Usual: 32%" in staff.rendered.text


def test_a_customer_without_an_email_is_an_error_naming_the_fix(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    rows = seed_january()
    rows["Customers"] = [seed_customer(email="")]
    backend = tracker(tmp_path, settings, as_of, rows)
    source = read_source(backend.read(), settings, as_of)

    with pytest.raises(MailError) as caught:
        compose(EVERY_KIND["time_report"], source)

    assert str(caught.value) == (
        "Warung Kopi (C-0001) has no Email on the Customers tab; add it, then set "
        "this Outbox row's State to queued"
    )


@pytest.mark.parametrize(
    ("first", "last", "language", "shown"),
    [
        (date(2026, 1, 1), date(2026, 1, 31), "en", "January 2026"),
        (date(2026, 2, 1), date(2026, 2, 28), "id", "Februari 2026"),
        (date(2026, 1, 5), date(2026, 2, 4), "en", "Jan 5 – Feb 4, 2026"),
    ],
    ids=["whole-month", "whole-month-id", "anniversary"],
)
def test_a_period_reads_as_its_month_or_its_days(
    first: date, last: date, language: str, shown: str
) -> None:
    assert span(first, last, language) == shown
