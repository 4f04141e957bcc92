"""Words for the customer: approval messages, type problems, WhatsApp links.

Messages go out in the customer's Language, English ("en") or Bahasa
Indonesia ("id"), blank meaning English. Within what is left of the
month's allocation, the approval message is the seed's own wording; over
it, the customer gets every way forward the seed offers: pay the overage,
wait for the fresh allocation on the reset date, split the work across
months, or upgrade.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from urllib.parse import quote

import pandas as pd

from sheetops.formatting import (
    day,
    gather_problems,
    hours,
    hours_number,
    language_of,
    minutes,
    overage_cost,
    rupiah,
    sentences,
    tier_label,
)
from sheetops.settings import CallPlan, Settings, Tier

logger = logging.getLogger(__name__)

# Requests still waiting for the customer's go-ahead; blank counts, since a
# fresh row often has no Status yet.
AWAITING = ("", "New", "Estimated", "Awaiting Approval")
TYPE_NAMES = {
    "A": "question or troubleshooting",
    "B": "custom work",
    "C": "strategic consulting",
}
CHANNEL_COLUMNS = (("channel", "Channel"), ("preferred_channel", "Preferred Channel"))
# Up to this many minutes an estimate reads best in minutes ("~90 minutes",
# as the seed writes it); beyond, in hours.
_MINUTES_UP_TO = 119


def approval_message(
    estimate_minutes: float,
    tier: Tier,
    used_hours: float,
    reset_date: date | None,
    language: str,
    settings: Settings,
) -> str:
    """What to ask the customer before custom work starts; "" without an estimate.

    Within what is left this period it is the seed's question ("This will
    take ~45 minutes. You have 1 hour this month (0 used). Proceed?").
    Over it, the overage cost, deferring to the reset date, splitting and
    the upgrade. A tier without custom work gets the upgrade instead.
    """
    lang = language_of(language)
    if "B" not in tier.request_types:
        return _custom_work_not_included(tier, lang, settings)
    if pd.isna(estimate_minutes) or estimate_minutes <= 0:
        return ""

    used = 0.0 if pd.isna(used_hours) else max(0.0, float(used_hours))
    left_minutes = max(0.0, tier.allocation_hours - used) * 60
    # Tolerance: 0.75 h left and a 45-minute job must come out "within".
    if estimate_minutes <= left_minutes + 1e-6:
        return _within(estimate_minutes, tier, used, lang)
    return _over(estimate_minutes, tier, left_minutes, reset_date, lang, settings)


def consulting_message(tier: Tier, language: str, settings: Settings) -> str:
    """Where a strategy question goes: the tier's call, or the upgrade to one."""
    lang = language_of(language)
    call = _monthly_call(tier)
    if "C" in tier.request_types:
        if call is None:
            return _pick(
                lang,
                "We'll schedule a call to discuss this.",
                "Kami akan menjadwalkan sesi untuk membahasnya.",
            )
        return _pick(
            lang,
            f"Great question for your {_call_en(call)}: we'll put it on the agenda.",
            f"Pertanyaan yang bagus untuk {_call_id(call)} Anda: kami masukkan ke "
            "agendanya.",
        )
    if call is not None:
        return _to_check_in(tier, call, lang, settings)
    return _consulting_upgrade(tier, lang, settings)


def request_messages(
    requests: pd.DataFrame, customers: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """The Approval Message of each request still awaiting the go-ahead.

    Custom work (B) and strategy questions (C) get one while their Status
    is blank, New, Estimated or Awaiting Approval; every other row gets "".
    ``requests.estimate_minutes`` is the estimate from the estimates rule,
    and ``customers`` carries tier, language, used_hours and reset_date
    by customer_id.
    """
    known = _customers_by_id(customers)
    people = known.reindex(requests["customer_id"]).set_axis(requests.index)
    waiting = requests["status"].isin(AWAITING) & requests["type"].isin(("B", "C"))
    wanted = waiting & requests["customer_id"].isin(known.index)

    texts = sentences(
        wanted,
        lambda kind, estimate, code, language, used, reset: _message_for(
            kind, estimate, settings.tiers.get(code), language, used, reset, settings
        ),
        requests["type"],
        requests["estimate_minutes"],
        people["tier"],
        people["language"],
        people["used_hours"],
        people["reset_date"],
    )
    logger.debug("approval messages for %s of %s requests", len(texts), len(requests))
    messages = texts.reindex(requests.index, fill_value="").astype(object)
    return pd.DataFrame({"approval_message": messages}, index=requests.index)


def type_problems(
    requests: pd.DataFrame, tiers: pd.Series, settings: Settings
) -> pd.Series:
    """Types and channels the customer's tier doesn't include, with the way forward."""
    codes = tiers.reindex(requests.index)
    known = codes.isin(list(settings.tiers))
    checks = [
        sentences(
            known & (requests["type"] != ""),
            lambda kind, code: _type_problem(kind, settings.tiers[code], settings),
            requests["type"],
            codes,
        ),
        *(
            sentences(
                known & (requests[field] != ""),
                lambda channel, code, header=header: _channel_problem(
                    header, channel, settings.tiers[code]
                ),
                requests[field],
                codes,
            )
            for field, header in CHANNEL_COLUMNS
        ),
    ]
    return gather_problems(requests.index, checks)


def whatsapp_link(number: str, text: str, country_code: str) -> str:
    """A wa.me link that opens a chat with ``text`` typed; "" for a hopeless number.

    Numbers become international: "0812-3456-7890" and "+62 812 3456 7890"
    both give 6281234567890; a bare "812..." gets the country code.
    """
    digits = re.sub(r"\D", "", number or "")
    if len(digits) < 8:
        return ""

    if number.strip().startswith("+") or digits.startswith(country_code):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    elif digits.startswith("0"):
        international = country_code + digits[1:]
    else:
        international = country_code + digits

    link = f"https://wa.me/{international}"
    return f"{link}?text={quote(text, safe='')}" if text else link


def whatsapp_links(
    requests: pd.DataFrame,
    customers: pd.DataFrame,
    messages: pd.Series,
    settings: Settings,
) -> pd.Series:
    """Each request's WhatsApp link to its customer, with the message prefilled.

    The text is the request's approval message when it has one, otherwise
    a greeting naming the request. "" when the customer has no number.
    """
    known = _customers_by_id(customers)
    ids = requests["customer_id"]
    numbers = ids.map(known["whatsapp"]).fillna("").astype(str)
    names = ids.map(known["customer"]).fillna("").astype(str)
    languages = ids.map(known["language"]).fillna("").astype(str)
    texts = messages.reindex(requests.index, fill_value="").fillna("").astype(str)
    code = settings.business.phone_country_code

    links = [
        whatsapp_link(number, text or _greeting(name, str(request), lang), code)
        if number.strip()
        else ""
        for number, text, name, request, lang in zip(
            numbers, texts, names, requests["request_id"], languages, strict=True
        )
    ]
    return pd.Series(links, index=requests.index, dtype=object)


def _greeting(customer: str, request_id: str, language: str) -> str:
    """The opening typed into a chat when there is no approval message."""
    about = f" {request_id.strip()}" if request_id.strip() else ""
    if language_of(language) == "id":
        return f"Halo {customer}, tentang permintaan Anda{about}: "
    return f"Hi {customer}, about your request{about}: "


def _pick(language: str, english: str, indonesian: str) -> str:
    return indonesian if language == "id" else english


def _estimate_words(estimate: float, language: str) -> str:
    if estimate <= _MINUTES_UP_TO:
        return minutes(estimate, language)
    return hours(estimate / 60, language)


def _within(estimate: float, tier: Tier, used: float, language: str) -> str:
    allocation = hours(tier.allocation_hours, language)
    left = hours_number(tier.allocation_hours - used, language)
    spent = hours_number(used, language)
    took = _estimate_words(estimate, language)
    if language == "id":
        usage = "terpakai 0" if used == 0 else f"terpakai {spent} jam, sisa {left} jam"
        return (
            f"Pekerjaan ini butuh sekitar {took}. Jatah Anda bulan ini {allocation} "
            f"({usage}). Lanjutkan?"
        )
    usage = "0 used" if used == 0 else f"{spent} used, {left} remaining"
    return (
        f"This will take ~{took}. You have {allocation} this month ({usage}). Proceed?"
    )


def _over(
    estimate: float,
    tier: Tier,
    left_minutes: float,
    reset_date: date | None,
    language: str,
    settings: Settings,
) -> str:
    fits_next_period = estimate <= tier.allocation_hours * 60
    parts = [_over_opening(estimate, left_minutes, language)]
    if fits_next_period:
        parts.append(_defer(tier, reset_date, language))
    if tier.overage_rate > 0:
        parts.append(
            _overage(
                estimate - left_minutes, tier, fits_next_period, language, settings
            )
        )
    parts.append(
        _pick(
            language,
            "We can also split it across months.",
            "Pekerjaan ini juga bisa dibagi ke beberapa bulan.",
        )
    )
    if tier.upgrade_to:
        parts.append(_upgrade(tier, settings.tiers[tier.upgrade_to], language))
    return " ".join(parts)


def _over_opening(estimate: float, left_minutes: float, language: str) -> str:
    took = hours(estimate / 60, language)
    left = hours_number(left_minutes / 60, language)
    return _pick(
        language,
        f"This takes {took}, you have {left} left.",
        f"Pekerjaan ini butuh {took}, sisa jatah Anda {left} jam.",
    )


def _defer(tier: Tier, reset_date: date | None, language: str) -> str:
    fresh = hours(tier.allocation_hours, language)
    if reset_date is None or pd.isna(reset_date):
        return _pick(
            language,
            "Let's do it next month when you have fresh allocation?",
            "Bagaimana kalau dikerjakan bulan depan, saat jatah baru Anda dimulai?",
        )
    when = day(reset_date, language)
    verb = "starts" if tier.allocation_hours == 1 else "start"
    return _pick(
        language,
        f"Let's do it on {when}, when your fresh {fresh} {verb}?",
        f"Bagaimana kalau dikerjakan pada {when}, saat jatah baru {fresh} Anda "
        "dimulai?",
    )


def _overage(
    extra_minutes: float,
    tier: Tier,
    after_defer: bool,
    language: str,
    settings: Settings,
) -> str:
    step = settings.thresholds.overage_step_minutes
    cost = rupiah(overage_cost(extra_minutes, tier.overage_rate, step))
    rate = rupiah(tier.overage_rate)
    extra = hours(extra_minutes / 60, language)
    if language == "id":
        lead = "Atau bisa" if after_defer else "Bisa"
        return (
            f"{lead} dikerjakan sekarang, dengan kelebihan {extra} ditagih sebagai "
            f"overage: {cost} ({rate}/jam)."
        )
    lead = "Or we can" if after_defer else "We can"
    return (
        f"{lead} go ahead now, with the extra {extra} billed as overage: "
        f"{cost} ({rate}/hour)."
    )


def _upgrade(tier: Tier, target: Tier, language: str) -> str:
    fresh = hours(target.allocation_hours, language)
    consulting = "C" in target.request_types and "C" not in tier.request_types
    return _pick(
        language,
        f"Upgrading to {tier_label(target)} gives you {fresh} a month"
        + (" plus strategic consulting." if consulting else "."),
        f"Dengan upgrade ke {tier_label(target)}, Anda mendapat {fresh} per bulan"
        + (" plus konsultasi strategis." if consulting else "."),
    )


def _custom_work_not_included(tier: Tier, language: str, settings: Settings) -> str:
    label = tier_label(tier)
    if not tier.upgrade_to:
        return _pick(
            language,
            f"Custom work isn't included in {label}; we can quote it as paid work.",
            f"Pekerjaan kustom tidak termasuk dalam {label}; kami bisa memberi "
            "penawaran harga terpisah.",
        )
    target = settings.tiers[tier.upgrade_to]
    fresh = hours(target.allocation_hours, language)
    return _pick(
        language,
        f"Custom work isn't included in {label}. Upgrading to {tier_label(target)} "
        f"gives you {fresh} of custom work a month, or we can quote this as paid "
        "work.",
        f"Pekerjaan kustom tidak termasuk dalam {label}. Dengan upgrade ke "
        f"{tier_label(target)}, Anda mendapat {fresh} pekerjaan kustom per bulan, "
        "atau kami bisa memberi penawaran harga terpisah.",
    )


def _monthly_call(tier: Tier) -> CallPlan | None:
    return next((call for call in tier.calls if call.every == "month"), None)


def _call_name(call: CallPlan) -> str:
    """ "Strategic Call" stays as it is; "Monthly Check-in" gets "call"."""
    return call.kind if call.kind.lower().endswith("call") else f"{call.kind} call"


def _call_en(call: CallPlan) -> str:
    return f"{call.minutes}-minute {_call_name(call)}"


def _call_id(call: CallPlan) -> str:
    return f"sesi {call.kind} {call.minutes} menit"


def _to_check_in(tier: Tier, call: CallPlan, language: str, settings: Settings) -> str:
    english = f"We'll take this question to your {_call_en(call)}."
    indonesian = f"Pertanyaan ini kami bahas di {_call_id(call)} Anda."
    target = settings.tiers.get(tier.upgrade_to)
    target_call = _monthly_call(target) if target else None
    if target is not None and target_call is not None:
        english += (
            f" For a full strategic review, {tier_label(target)} adds a "
            f"{_call_en(target_call)} every month."
        )
        indonesian += (
            f" Untuk tinjauan strategis lengkap, {tier_label(target)} menyediakan "
            f"{_call_id(target_call)} setiap bulan."
        )
    return _pick(language, english, indonesian)


def _consulting_upgrade(tier: Tier, language: str, settings: Settings) -> str:
    label = tier_label(tier)
    target = settings.tiers.get(tier.upgrade_to)
    target_call = _monthly_call(target) if target else None
    if target is None or target_call is None:
        return _pick(
            language,
            f"Strategy advice isn't included in {label}.",
            f"Konsultasi strategi tidak termasuk dalam {label}.",
        )
    return _pick(
        language,
        f"Strategy advice isn't included in {label}. Upgrading to "
        f"{tier_label(target)} adds a {_call_en(target_call)} where we can "
        "discuss it.",
        f"Konsultasi strategi tidak termasuk dalam {label}. Dengan upgrade ke "
        f"{tier_label(target)}, ada {_call_id(target_call)} untuk membahasnya.",
    )


def _customers_by_id(customers: pd.DataFrame) -> pd.DataFrame:
    named = customers[customers["customer_id"].astype(str) != ""]
    return named.drop_duplicates("customer_id").set_index("customer_id")


def _message_for(
    kind: str,
    estimate: float,
    tier: Tier | None,
    language: object,
    used: float,
    reset: date | None,
    settings: Settings,
) -> str:
    if tier is None:
        return ""
    if kind == "C":
        return consulting_message(tier, str(language), settings)
    reset_day = None if reset is None or pd.isna(reset) else pd.Timestamp(reset).date()
    return approval_message(
        float(estimate), tier, float(used), reset_day, str(language), settings
    )


def _type_problem(kind: str, tier: Tier, settings: Settings) -> str:
    if kind in tier.request_types:
        return ""
    head = (
        f"Type: {kind} ({TYPE_NAMES.get(kind, kind)}) is not included in "
        f"{tier_label(tier)}"
    )
    target = settings.tiers.get(tier.upgrade_to)
    call = _monthly_call(tier)
    if kind == "C" and call is not None:
        return f"{head}; take it to the {_call_name(call).lower()}"
    if kind == "B":
        upgrade = f"offer the upgrade to {tier_label(target)} or " if target else ""
        return f"{head}; {upgrade}quote it as paid work"
    if target is not None:
        return f"{head}; offer the upgrade to {tier_label(target)}"
    return head


def _channel_problem(column: str, channel: str, tier: Tier) -> str:
    if channel in tier.channels:
        return ""
    offered = ", ".join(tier.channels)
    return f"{column}: {channel} is not a channel of {tier_label(tier)} ({offered})"
