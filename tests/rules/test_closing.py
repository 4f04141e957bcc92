"""The quality checklist before a request is closed."""

from __future__ import annotations

import pandas as pd
import pytest

from sheetops.rules.closing import closing_problems

TICKS = ("answered", "tested", "customer_notified", "docs_updated", "follow_up")

ANSWERED = (
    "Answered: unticked on a closed request; tick it once the customer's question "
    "is fully answered"
)
TESTED = (
    "Tested: unticked on a closed request; tick it once the custom work is tested "
    "and verified"
)
NOTIFIED = (
    "Customer Notified: unticked on a closed request; tick it once the customer "
    "is told it is done"
)
DOCS = (
    "Docs Updated: unticked on a closed request; tick it once the documentation "
    "is updated"
)
FOLLOW_UP = (
    "Follow-up: unticked on a closed request; tick it once a follow-up is "
    "scheduled, or none is needed"
)
NO_TIME = "Closed, but no time is logged for this custom work; add its Time Log rows"
NO_NOTES = (
    "Release Notes: blank, yet this custom work is closed; say what changed, how "
    "to use it, any caveats"
)


def one_request(**row: object) -> pd.DataFrame:
    """A request closed with every box ticked, changed by ``row``."""
    done: dict[str, object] = {
        "type": "B",
        "status": "Closed",
        "closed_on": pd.Timestamp("2026-01-20"),
        "release_notes": "Added the Staff Performance page; filter by outlet.",
        **dict.fromkeys(TICKS, True),
    }
    frame = pd.DataFrame([{**done, **row}], index=[4])
    frame["closed_on"] = pd.to_datetime(frame["closed_on"])
    return frame


@pytest.mark.parametrize(
    ("row", "minutes", "problems"),
    [
        ({}, 45, []),
        ({"answered": False}, 45, [ANSWERED]),
        ({"tested": False}, 45, [TESTED]),
        ({"customer_notified": False}, 45, [NOTIFIED]),
        ({"docs_updated": False}, 45, [DOCS]),
        ({"follow_up": False}, 45, [FOLLOW_UP]),
        ({}, 0, [NO_TIME]),
        ({}, float("nan"), [NO_TIME]),
        ({"release_notes": "  "}, 45, [NO_NOTES]),
        (
            dict.fromkeys(TICKS, False) | {"release_notes": ""},
            0,
            [ANSWERED, TESTED, NOTIFIED, DOCS, FOLLOW_UP, NO_TIME, NO_NOTES],
        ),
    ],
    ids=[
        "all-done",
        "answered",
        "tested",
        "notified",
        "docs",
        "follow-up",
        "no-time",
        "blank-time",
        "blank-notes",
        "nothing-done",
    ],
)
def test_closed_custom_work_needs_every_tick_time_and_release_notes(
    row: dict[str, object], minutes: float, problems: list[str]
) -> None:
    requests = one_request(**row)

    found = closing_problems(requests, pd.Series([minutes], index=[4]))

    assert found.tolist() == [problems]


@pytest.mark.parametrize(
    "kind", ["A", "C", ""], ids=["question", "consulting", "untyped"]
)
def test_other_requests_need_only_answered_notified_and_follow_up(kind: str) -> None:
    unticked = dict.fromkeys(TICKS, False)
    requests = one_request(type=kind, release_notes="", **unticked)

    found = closing_problems(requests, pd.Series(dtype=float))

    assert found.tolist() == [[ANSWERED, NOTIFIED, FOLLOW_UP]]


@pytest.mark.parametrize(
    ("status", "closed_on", "checked"),
    [
        ("Closed", None, True),
        ("Confirmed", "2026-01-20", True),
        ("Delivered", None, False),
        ("In Progress", None, False),
    ],
    ids=["status-closed", "closed-on-date", "delivered", "in-progress"],
)
def test_only_closed_requests_are_checked(
    status: str, closed_on: str | None, checked: bool
) -> None:
    requests = one_request(status=status, closed_on=closed_on, answered=False)

    found = closing_problems(requests, pd.Series([30.0], index=[4]))

    assert found.tolist() == [[ANSWERED] if checked else []]


def test_logged_minutes_are_matched_by_row_not_position() -> None:
    requests = pd.concat([one_request(), one_request().set_axis([7])], axis=0)
    logged = pd.Series([30.0], index=[7])

    found = closing_problems(requests, logged)

    assert found.to_dict() == {4: [NO_TIME], 7: []}
