"""Estimates for requests: catalog time × quantity, and a guess at the type.

Custom work is estimated from the Catalog tab (Step 3 of the seed's
intake): the task's time range times the Quantity. Staff may type their
own figure in Estimate (min), and theirs wins. The type suggestion reads
the Description for the seed's A/B/C wording in English and Bahasa
Indonesia; it only helps staff classify, it never sets Type.
"""

from __future__ import annotations

import difflib
import logging
import re

import numpy as np
import pandas as pd

from sheetops.formatting import gather_problems, hours_number
from sheetops.settings import Settings

logger = logging.getLogger(__name__)

# The type is found by the first family whose words appear, in this order.
# Strategy comes first: "How do I improve margins?" and "Should I add more
# staff?" also hold a how-to or a build verb, yet they are questions for
# the call. Troubleshooting and how-to come next: "the new page shows an
# error" or "how do I add a filter?" want an answer, not a work order.
# Build verbs come last.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "C": (
        r"\bimprov",
        r"\bshould i\b",
        r"\bshould we\b",
        r"\bstrateg",
        r"\bkpis?\b",
        r"\badvice\b",
        r"\badvise\b",
        r"\brecommend",
        r"\boptimi[sz]",
        r"\bprofitab",
        r"\bmeningkatkan\b",
        r"\bsebaiknya\b",
        r"\bstrategi\b",
        r"\bsaran\b",
        r"\brekomendasi\b",
        r"\bapakah saya (?:harus|perlu)\b",
    ),
    "A": (
        r"\bhow (?:do|can|to)\b",
        r"\bnot (?:refresh|updat|work|show|load|appear)",
        r"\b(?:doesn't|does not|isn't|won't|can't|cannot) (?:refresh|updat|work|show"
        r"|load|open)",
        r"\berrors?\b",
        r"\bwrong\b",
        r"\bbroken\b",
        r"\bbug",
        r"\bfail",
        r"\bmissing\b",
        r"\btidak (?:muncul|bisa|jalan|berfungsi|update|terupdate)\b",
        r"\bsalah\b",
        r"\brusak\b",
        r"\bgimana cara\b",
        r"\bbagaimana cara\b",
    ),
    "B": (
        r"\badd(?:s|ed|ing)?\b",
        r"\bnew\b",
        r"\bbuild",
        r"\bmodif",
        r"\bchang",
        r"\bcreat",
        r"\breorgani[sz]",
        r"\bmove\b",
        r"\bcustomi[sz]",
        r"tambah",
        r"\b(?:meng)?ubah",
        r"\b(?:mem)?buat",
        r"\bganti",
        r"\bbaru\b",
        r"\bhalaman\b",
    ),
}
_PATTERNS = {
    kind: re.compile("|".join(words), re.IGNORECASE)
    for kind, words in _KEYWORDS.items()
}


def suggested_types(requests: pd.DataFrame) -> pd.Series:
    """The suggested type of each request still untyped; "" where Type is set.

    "A", "B" or "C" from the Description's words, "" if unclear. Precedence
    is C (strategy), then A (troubleshooting or how-to), then B (build or
    change something): see ``_KEYWORDS`` for why.
    """
    descriptions = requests["description"].astype(object).fillna("").astype(str)
    untyped = requests["type"].astype(object).fillna("").astype(str).str.strip() == ""
    found = [
        descriptions.str.contains(pattern, regex=True).to_numpy(dtype=bool)
        for pattern in _PATTERNS.values()
    ]
    kinds = np.select(found, list(_PATTERNS), default="")
    return pd.Series(np.where(untyped, kinds, ""), index=requests.index, dtype=object)


# Beyond these a number is a typo, not a plan: the catalog's biggest task
# is four hours, and a month holds at most two hours of custom work.
MAX_QUANTITY = 100
MAX_ESTIMATE_MINUTES = 100 * 60


def estimate_table(
    requests: pd.DataFrame, catalog: pd.DataFrame | None, settings: Settings
) -> pd.DataFrame:
    """Each request's estimate in minutes, its wording, and estimate problems.

    The catalog estimate is the task's Max (min) × Quantity (blank is 1),
    and a staff figure in Estimate (min) wins over it. An empty or missing
    Catalog tab falls back to the catalog shipped in the settings.
    """
    tasks = _catalog_lookup(catalog, settings)
    texts = requests["catalog_task"].astype(object).fillna("").astype(str)
    keys = texts.map(_task_key)
    quantity = requests["quantity"].astype(float)
    override = requests["estimate_minutes"].astype(float)

    count = quantity.fillna(1.0)
    low = keys.map({key: entry[1] for key, entry in tasks.items()}) * count
    high = keys.map({key: entry[2] for key, entry in tasks.items()}) * count
    quantity_ok = quantity.isna() | (
        (quantity > 0) & (quantity <= MAX_QUANTITY) & (quantity == quantity.round())
    )
    staff_ok = (override > 0) & (override <= MAX_ESTIMATE_MINUTES)
    # The seed quotes "~45 minutes" for a 30–45 minute task: customers are
    # promised the top of the range, so the budget plans for it too.
    estimate = override.where(staff_ok, high.where(quantity_ok))

    wording = _wording(estimate, low, high, quantity, staff_ok)
    logger.debug("estimated %s of %s requests", estimate.notna().sum(), len(estimate))
    problems = gather_problems(
        requests.index,
        [
            _unknown_task_problems(texts, high.isna(), tasks),
            _quantity_problems(quantity, quantity_ok),
            _override_problems(override),
        ],
    )
    return pd.DataFrame(
        {"estimate_minutes": estimate, "estimate": wording, "problems": problems},
        index=requests.index,
    )


def _task_key(text: str) -> str:
    """A catalog task as matched: case and every space ignored."""
    return re.sub(r"\s+", "", text).casefold()


def _catalog_lookup(
    catalog: pd.DataFrame | None, settings: Settings
) -> dict[str, tuple[str, float, float]]:
    """Catalog tasks by match key: (name as written, min, max); first row wins."""
    rows: list[tuple[str, float, float]]
    if catalog is None or catalog.empty:
        rows = [(t.task, t.min_minutes, t.max_minutes) for t in settings.catalog]
    else:
        rows = list(
            zip(
                catalog["task"].astype(str).tolist(),
                catalog["min_minutes"].astype(float).tolist(),
                catalog["max_minutes"].astype(float).tolist(),
                strict=True,
            )
        )

    lookup: dict[str, tuple[str, float, float]] = {}
    for name, low, high in rows:
        key = _task_key(name)
        # A row without both numbers can't estimate; validation reports it.
        if key and key not in lookup and not (pd.isna(low) or pd.isna(high)):
            lookup[key] = (name.strip(), float(low), float(high))
    return lookup


def _wording(
    estimate: pd.Series,
    low: pd.Series,
    high: pd.Series,
    quantity: pd.Series,
    staff_ok: pd.Series,
) -> pd.Series:
    """The Estimate cell: the minutes and where they came from."""
    texts: list[str] = []
    rows = zip(estimate, low, high, quantity, staff_ok, strict=True)
    for minutes, lo, hi, count, by_staff in rows:
        if pd.isna(minutes):
            texts.append("")
        elif by_staff:
            texts.append(f"{_number(minutes)} min (staff estimate)")
        elif pd.isna(count) or count == 1:
            texts.append(
                f"{_number(minutes)} min (catalog {_number(lo)}–{_number(hi)})"
            )
        else:
            per = f"{_number(lo / count)}–{_number(hi / count)}"
            texts.append(f"{_number(minutes)} min (catalog {_number(count)} × {per})")
    return pd.Series(texts, index=estimate.index, dtype=object)


def _number(value: float) -> str:
    return hours_number(value)


def _unknown_task_problems(
    texts: pd.Series, unmatched: pd.Series, tasks: dict[str, tuple[str, float, float]]
) -> pd.Series:
    unknown = (texts.str.strip() != "") & unmatched
    names = {key: entry[0] for key, entry in tasks.items()}
    return texts[unknown].map(lambda text: _unknown_task(text, names))


def _unknown_task(text: str, names: dict[str, str]) -> str:
    sentence = f"Catalog Task: {text.strip()!r} is not in the Catalog tab"
    close = difflib.get_close_matches(_task_key(text), list(names), n=1, cutoff=0.6)
    if close:
        return f"{sentence}; did you mean {names[close[0]]!r}?"
    known = ", ".join(names.values())
    return f"{sentence}; pick one of {known}, or add it there"


def _quantity_problems(quantity: pd.Series, ok: pd.Series) -> pd.Series:
    return quantity[~ok].map(
        lambda q: f"Quantity: {q:g} is not a whole number from 1 to {MAX_QUANTITY}"
    )


def _override_problems(override: pd.Series) -> pd.Series:
    bad = override.notna() & ((override <= 0) | (override > MAX_ESTIMATE_MINUTES))
    return override[bad].map(
        lambda m: (
            f"Estimate (min): {m:g} is not a number of minutes from 1 to "
            f"{MAX_ESTIMATE_MINUTES}; fix it, or clear it to use the catalog"
        )
    )
