"""The quality checklist a request must pass before it is Closed.

The seed's checklist, item by item, says when each tick applies:

- Answered ("customer question fully answered"): every request.
- Tested ("custom work tested and verified"): custom work (type B).
- Customer Notified ("customer notified of completion"): every request.
- Docs Updated ("documentation updated"): custom work, the work that
  changes the template.
- Follow-up ("follow-up scheduled if needed"): every request. Whether a
  follow-up is needed is a judgement only staff can make, so the tick
  records that they made it; a request needing none is ticked too.

Custom work also needs its time logged ("time logged accurately") and
release notes saying what changed, how to use it and any caveats.
"""

from __future__ import annotations

import logging

import pandas as pd

from sheetops.formatting import gather_problems

logger = logging.getLogger(__name__)

# (field, header, applies to custom work only, what the tick confirms)
CHECKLIST = (
    ("answered", "Answered", False, "the customer's question is fully answered"),
    ("tested", "Tested", True, "the custom work is tested and verified"),
    (
        "customer_notified",
        "Customer Notified",
        False,
        "the customer is told it is done",
    ),
    ("docs_updated", "Docs Updated", True, "the documentation is updated"),
    (
        "follow_up",
        "Follow-up",
        False,
        "a follow-up is scheduled, or none is needed",
    ),
)


def closing_problems(requests: pd.DataFrame, logged_minutes: pd.Series) -> pd.Series:
    """What a closed request still lacks from the checklist, one sentence each.

    A request is closed when its Status is Closed or it has a Closed On
    date. ``logged_minutes`` is the time logged against each request,
    indexed like ``requests``; blank or zero means none.
    """
    closed = (requests["status"] == "Closed") | requests["closed_on"].notna()
    custom = requests["type"] == "B"
    checks = [
        _unticked(
            requests, field, header, confirms, closed & custom if b_only else closed
        )
        for field, header, b_only, confirms in CHECKLIST
    ]

    minutes = logged_minutes.reindex(requests.index).astype(float).fillna(0.0)
    untimed = closed & custom & (minutes <= 0)
    notes = requests["release_notes"].astype(object).fillna("").astype(str)
    no_notes = closed & custom & (notes.str.strip() == "")
    checks.append(
        _where(
            untimed,
            "Closed, but no time is logged for this custom work; add its Time Log rows",
        )
    )
    checks.append(
        _where(
            no_notes,
            "Release Notes: blank, yet this custom work is closed; say what changed, "
            "how to use it, any caveats",
        )
    )
    logger.debug("closing checks on %s closed requests", int(closed.sum()))
    return gather_problems(requests.index, checks)


def _unticked(
    requests: pd.DataFrame,
    field: str,
    header: str,
    confirms: str,
    applies: pd.Series,
) -> pd.Series:
    missing = applies & ~requests[field].astype(bool)
    return _where(
        missing, f"{header}: unticked on a closed request; tick it once {confirms}"
    )


def _where(mask: pd.Series, sentence: str) -> pd.Series:
    """The same sentence on every row where ``mask`` holds, "" elsewhere."""
    texts = pd.Series("", index=mask.index, dtype=object)
    return texts.mask(mask, sentence)
