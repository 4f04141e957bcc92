"""Approval messages, type and channel problems, WhatsApp links."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from sheetops.rules.messages import (
    approval_message,
    consulting_message,
    request_messages,
    type_problems,
    whatsapp_link,
    whatsapp_links,
)
from sheetops.settings import Settings

FEB_1 = date(2026, 2, 1)
FEB_5 = date(2026, 2, 5)


@pytest.mark.parametrize(
    ("tier", "estimate", "used", "expected"),
    [
        (
            "R2",
            45,
            0,
            "This will take ~45 minutes. You have 1 hour this month (0 used). Proceed?",
        ),
        (
            "R3",
            90,
            0.5,
            "This will take ~90 minutes. You have 2 hours this month (0.5 used, "
            "1.5 remaining). Proceed?",
        ),
        (
            "R2",
            45,
            0.25,
            "This will take ~45 minutes. You have 1 hour this month (0.25 used, "
            "0.75 remaining). Proceed?",
        ),
        (
            "R3",
            120,
            0,
            "This will take ~2 hours. You have 2 hours this month (0 used). Proceed?",
        ),
        (
            "R2",
            30,
            np.nan,
            "This will take ~30 minutes. You have 1 hour this month (0 used). Proceed?",
        ),
    ],
    ids=["seed-r2", "seed-r3", "exactly-what-is-left", "in-hours", "blank-used"],
)
def test_within_what_is_left_the_message_is_the_seeds_wording(
    settings: Settings, tier: str, estimate: float, used: float, expected: str
) -> None:
    message = approval_message(
        estimate, settings.tier(tier), used, FEB_1, "en", settings
    )

    assert message == expected


@pytest.mark.parametrize(
    ("tier", "estimate", "used", "reset", "expected"),
    [
        (
            "R3",
            90,
            1.5,
            FEB_5,
            "This takes 1.5 hours, you have 0.5 left. Let's do it on Feb 5, when "
            "your fresh 2 hours start? Or we can go ahead now, with the extra "
            "1 hour billed as overage: Rp 300.000 (Rp 300.000/hour). We can also "
            "split it across months.",
        ),
        (
            "R2",
            45,
            0.5,
            FEB_1,
            "This takes 0.75 hours, you have 0.5 left. Let's do it on Feb 1, when "
            "your fresh 1 hour starts? Or we can go ahead now, with the extra "
            "0.25 hours billed as overage: Rp 62.500 (Rp 250.000/hour). We can "
            "also split it across months. Upgrading to R3 Enterprise gives you "
            "2 hours a month plus strategic consulting.",
        ),
        (
            "R2",
            90,
            0.5,
            FEB_1,
            "This takes 1.5 hours, you have 0.5 left. We can go ahead now, with "
            "the extra 1 hour billed as overage: Rp 250.000 (Rp 250.000/hour). "
            "We can also split it across months. Upgrading to R3 Enterprise gives "
            "you 2 hours a month plus strategic consulting.",
        ),
        (
            "R2",
            50,
            0.5,
            None,
            "This takes 0.83 hours, you have 0.5 left. Let's do it next month when "
            "you have fresh allocation? Or we can go ahead now, with the extra "
            "0.33 hours billed as overage: Rp 125.000 (Rp 250.000/hour). We can "
            "also split it across months. Upgrading to R3 Enterprise gives you "
            "2 hours a month plus strategic consulting.",
        ),
        (
            "R2",
            30,
            1.25,
            FEB_1,
            "This takes 0.5 hours, you have 0 left. Let's do it on Feb 1, when "
            "your fresh 1 hour starts? Or we can go ahead now, with the extra "
            "0.5 hours billed as overage: Rp 125.000 (Rp 250.000/hour). We can "
            "also split it across months. Upgrading to R3 Enterprise gives you "
            "2 hours a month plus strategic consulting.",
        ),
    ],
    ids=[
        "seed-option-3",
        "defer-or-pay-or-upgrade",
        "too-big-for-one-month",
        "no-reset-date",
        "already-over",
    ],
)
def test_over_what_is_left_the_message_offers_every_way_forward(
    settings: Settings,
    tier: str,
    estimate: float,
    used: float,
    reset: date | None,
    expected: str,
) -> None:
    message = approval_message(
        estimate, settings.tier(tier), used, reset, "en", settings
    )

    assert message == expected


@pytest.mark.parametrize(
    ("tier", "estimate", "used", "expected"),
    [
        (
            "R2",
            45,
            0,
            "Pekerjaan ini butuh sekitar 45 menit. Jatah Anda bulan ini 1 jam "
            "(terpakai 0). Lanjutkan?",
        ),
        (
            "R3",
            90,
            0.5,
            "Pekerjaan ini butuh sekitar 90 menit. Jatah Anda bulan ini 2 jam "
            "(terpakai 0,5 jam, sisa 1,5 jam). Lanjutkan?",
        ),
        (
            "R3",
            90,
            1.5,
            "Pekerjaan ini butuh 1,5 jam, sisa jatah Anda 0,5 jam. Bagaimana kalau "
            "dikerjakan pada 5 Feb, saat jatah baru 2 jam Anda dimulai? Atau bisa "
            "dikerjakan sekarang, dengan kelebihan 1 jam ditagih sebagai overage: "
            "Rp 300.000 (Rp 300.000/jam). Pekerjaan ini juga bisa dibagi ke "
            "beberapa bulan.",
        ),
        (
            "R2",
            90,
            0.5,
            "Pekerjaan ini butuh 1,5 jam, sisa jatah Anda 0,5 jam. Bisa dikerjakan "
            "sekarang, dengan kelebihan 1 jam ditagih sebagai overage: Rp 250.000 "
            "(Rp 250.000/jam). Pekerjaan ini juga bisa dibagi ke beberapa bulan. "
            "Dengan upgrade ke R3 Enterprise, Anda mendapat 2 jam per bulan plus "
            "konsultasi strategis.",
        ),
    ],
    ids=["within-r2", "within-r3", "over-r3", "over-r2"],
)
def test_messages_in_bahasa_indonesia(
    settings: Settings, tier: str, estimate: float, used: float, expected: str
) -> None:
    message = approval_message(
        estimate, settings.tier(tier), used, FEB_5, "id", settings
    )

    assert message == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "Custom work isn't included in R1 Basic. Upgrading to R2 Premium gives "
            "you 1 hour of custom work a month, or we can quote this as paid work.",
        ),
        (
            "id",
            "Pekerjaan kustom tidak termasuk dalam R1 Basic. Dengan upgrade ke "
            "R2 Premium, Anda mendapat 1 jam pekerjaan kustom per bulan, atau kami "
            "bisa memberi penawaran harga terpisah.",
        ),
    ],
    ids=["en", "id"],
)
def test_r1_custom_work_gets_the_upgrade_instead_of_an_estimate(
    settings: Settings, language: str, expected: str
) -> None:
    tier = settings.tier("R1")

    assert approval_message(30, tier, 0, FEB_1, language, settings) == expected
    assert approval_message(np.nan, tier, 0, FEB_1, language, settings) == expected


@pytest.mark.parametrize("estimate", [np.nan, 0], ids=["blank", "zero"])
def test_no_estimate_means_no_message(settings: Settings, estimate: float) -> None:
    message = approval_message(estimate, settings.tier("R2"), 0, FEB_1, "en", settings)

    assert message == ""


@pytest.mark.parametrize(
    ("tier", "language", "expected"),
    [
        (
            "R3",
            "en",
            "Great question for your 60-minute Strategic Call: we'll put it on "
            "the agenda.",
        ),
        (
            "R2",
            "en",
            "We'll take this question to your 30-minute Monthly Check-in call. For "
            "a full strategic review, R3 Enterprise adds a 60-minute Strategic Call "
            "every month.",
        ),
        (
            "R1",
            "en",
            "Strategy advice isn't included in R1 Basic. Upgrading to R2 Premium "
            "adds a 30-minute Monthly Check-in call where we can discuss it.",
        ),
        (
            "R2",
            "id",
            "Pertanyaan ini kami bahas di sesi Monthly Check-in 30 menit Anda. Untuk "
            "tinjauan strategis lengkap, R3 Enterprise menyediakan sesi Strategic "
            "Call 60 menit setiap bulan.",
        ),
    ],
    ids=["r3-call", "r2-check-in", "r1-upgrade", "r2-id"],
)
def test_strategy_questions_go_to_a_call_or_the_upgrade(
    settings: Settings, tier: str, language: str, expected: str
) -> None:
    assert consulting_message(settings.tier(tier), language, settings) == expected


def customers_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C-1", "C-2", "C-3"],
            "customer": ["Warung Sate", "Kopi Kita", "Bakmi Jaya"],
            "tier": ["R2", "R3", "R2"],
            "language": ["", "id", "en"],
            "whatsapp": ["0812-3456-7890", "+62 811 222 333", ""],
            "used_hours": [0.0, 0.5, 0.0],
            "reset_date": pd.to_datetime(["2026-02-01", "2026-02-05", "2026-02-10"]),
        },
        index=[2, 3, 4],
    )


@pytest.mark.parametrize(
    ("kind", "status", "wanted"),
    [
        ("B", "", True),
        ("B", "New", True),
        ("B", "Estimated", True),
        ("B", "Awaiting Approval", True),
        ("B", "Approved", False),
        ("B", "Closed", False),
        ("C", "New", True),
        ("A", "New", False),
        ("", "New", False),
    ],
    ids=[
        "blank-status",
        "new",
        "estimated",
        "awaiting",
        "approved",
        "closed",
        "consulting",
        "question",
        "untyped",
    ],
)
def test_only_requests_awaiting_the_go_ahead_get_a_message(
    settings: Settings, kind: str, status: str, wanted: bool
) -> None:
    requests = pd.DataFrame(
        {
            "request_id": ["REQ-0012"],
            "customer_id": ["C-1"],
            "type": [kind],
            "status": [status],
            "estimate_minutes": [45.0],
        },
        index=[9],
    )

    table = request_messages(requests, customers_table(), settings)

    message = table.at[9, "approval_message"]
    assert (message != "") == wanted
    if wanted and kind == "B":
        assert message.startswith("This will take ~45 minutes.")


def test_request_messages_use_each_customers_tier_language_and_usage(
    settings: Settings,
) -> None:
    requests = pd.DataFrame(
        {
            "request_id": ["REQ-1", "REQ-2", "REQ-3"],
            "customer_id": ["C-2", "C-9", "C-1"],
            "type": ["B", "B", "C"],
            "status": ["New", "New", "New"],
            "estimate_minutes": [90.0, 45.0, np.nan],
        },
        index=[2, 3, 4],
    )

    messages = request_messages(requests, customers_table(), settings)

    assert messages["approval_message"].tolist() == [
        "Pekerjaan ini butuh sekitar 90 menit. Jatah Anda bulan ini 2 jam "
        "(terpakai 0,5 jam, sisa 1,5 jam). Lanjutkan?",
        "",
        "We'll take this question to your 30-minute Monthly Check-in call. For a "
        "full strategic review, R3 Enterprise adds a 60-minute Strategic Call every "
        "month.",
    ]


@pytest.mark.parametrize(
    ("row", "tier", "problems"),
    [
        (
            {"type": "B"},
            "R1",
            [
                "Type: B (custom work) is not included in R1 Basic; offer the "
                "upgrade to R2 Premium or quote it as paid work"
            ],
        ),
        (
            {"type": "C"},
            "R2",
            [
                "Type: C (strategic consulting) is not included in R2 Premium; "
                "take it to the monthly check-in call"
            ],
        ),
        (
            {"type": "C"},
            "R1",
            [
                "Type: C (strategic consulting) is not included in R1 Basic; "
                "offer the upgrade to R2 Premium"
            ],
        ),
        (
            {"channel": "Phone"},
            "R2",
            ["Channel: Phone is not a channel of R2 Premium (WhatsApp, Email)"],
        ),
        (
            {"channel": "Email", "preferred_channel": "Phone"},
            "R1",
            ["Preferred Channel: Phone is not a channel of R1 Basic (Email, WhatsApp)"],
        ),
        ({"type": "C", "channel": "Phone"}, "R3", []),
        ({"type": "B", "channel": "Phone"}, "", []),
        ({}, "R1", []),
    ],
    ids=[
        "b-on-r1",
        "c-on-r2",
        "c-on-r1",
        "phone-on-r2",
        "preferred-phone-on-r1",
        "all-fine-on-r3",
        "unknown-tier",
        "blank",
    ],
)
def test_a_type_or_channel_the_tier_lacks_is_a_problem_with_the_way_forward(
    settings: Settings, row: dict[str, str], tier: str, problems: list[str]
) -> None:
    blank = {"type": "", "channel": "", "preferred_channel": ""}
    requests = pd.DataFrame([{**blank, **row}], index=[5])

    found = type_problems(requests, pd.Series([tier], index=[5]), settings)

    assert found.tolist() == [problems]


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("0812-3456-7890", "https://wa.me/6281234567890"),
        ("+62 812 3456 7890", "https://wa.me/6281234567890"),
        ("6281234567890", "https://wa.me/6281234567890"),
        ("81234567890", "https://wa.me/6281234567890"),
        ("0062 812 3456 7890", "https://wa.me/6281234567890"),
        ("+44 20 7946 0958", "https://wa.me/442079460958"),
        ("", ""),
        ("12-34", ""),
        ("call me", ""),
    ],
    ids=[
        "local-dashed",
        "international-spaced",
        "already-62",
        "no-leading-zero",
        "double-zero",
        "foreign",
        "blank",
        "too-short",
        "no-digits",
    ],
)
def test_whatsapp_numbers_become_international(number: str, expected: str) -> None:
    assert whatsapp_link(number, "", "62") == expected


def test_whatsapp_link_carries_the_text_url_encoded() -> None:
    link = whatsapp_link("0812 3456 7890", "This will take ~45 minutes. Proceed?", "62")

    assert link == (
        "https://wa.me/6281234567890?text="
        "This%20will%20take%20~45%20minutes.%20Proceed%3F"
    )


def test_whatsapp_links_prefill_the_message_or_a_greeting(settings: Settings) -> None:
    requests = pd.DataFrame(
        {
            "request_id": ["REQ-0012", "REQ-0013", "REQ-0014", "REQ-0015"],
            "customer_id": ["C-1", "C-2", "C-3", "C-1"],
        },
        index=[2, 3, 4, 5],
    )
    messages = pd.Series(["", "", "", "Proceed?"], index=requests.index)

    links = whatsapp_links(requests, customers_table(), messages, settings)

    assert links.tolist() == [
        "https://wa.me/6281234567890?text="
        "Hi%20Warung%20Sate%2C%20about%20your%20request%20REQ-0012%3A%20",
        "https://wa.me/62811222333?text="
        "Halo%20Kopi%20Kita%2C%20tentang%20permintaan%20Anda%20REQ-0013%3A%20",
        "",
        "https://wa.me/6281234567890?text=Proceed%3F",
    ]
