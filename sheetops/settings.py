"""Settings: the shipped defaults, a file of overrides, the environment.

Three layers, later ones winning: ``config/sheetops.toml`` shipped with
the package, the file given with ``--config``, and environment variables
``SHEETOPS_<SECTION>_<KEY>``. Everything is checked once, at start, and a
bad value is a :class:`SettingsError` naming where it came from, the key
and what is expected.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sheetops.errors import SettingsError

ENV_PREFIX = "SHEETOPS_"
# Variables the CLI reads itself rather than as a settings key.
ENV_SPECIAL = {"SHEETOPS_CONFIG"}
# SHEETOPS_TRACKER is the documented short form of SHEETOPS_TRACKER_LOCATION.
ENV_ALIASES = {"SHEETOPS_TRACKER": ("tracker", "location")}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TIER_CODES = ("R1", "R2", "R3")


@dataclass(frozen=True)
class CallPlan:
    """A call a tier includes: how long, how often, by which medium."""

    kind: str
    minutes: int
    every: str
    media: tuple[str, ...]


@dataclass(frozen=True)
class Tier:
    """One support tier, with the numbers the seed gives it."""

    code: str
    name: str
    channels: tuple[str, ...]
    request_types: tuple[str, ...]
    allocation_hours: float
    first_response_hours: float
    resolution_business_days: int
    overage_rate: int
    upgrade_to: str
    calls: tuple[CallPlan, ...] = ()
    proactive_checks: bool = False


@dataclass(frozen=True)
class CatalogTask:
    """A service-catalog line: a kind of custom work and its time range."""

    task: str
    min_minutes: int
    max_minutes: int
    example: str


@dataclass(frozen=True)
class Business:
    """Where and when the business works."""

    time_zone: ZoneInfo
    opens: time
    closes: time
    workdays: frozenset[int]
    holiday_country: str
    delivery_business_days: int
    phone_country_code: str


@dataclass(frozen=True)
class Thresholds:
    """The shares and limits the rules compare against."""

    budget_notice: float
    sla_at_risk: float
    max_minutes_per_entry: int
    upgrade_after_overages: int
    upgrade_window: int
    overage_step_minutes: int


@dataclass(frozen=True)
class MailSettings:
    """How mail leaves: an outbox folder or an SMTP server."""

    transport: str
    outbox: Path
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user: str
    smtp_password: str = field(repr=False)
    sender: str
    staff: str
    timeout_seconds: float
    retry_minutes: float
    max_attempts: int


@dataclass(frozen=True)
class GoogleSettings:
    """How to reach Google Sheets."""

    credentials: str
    oauth_token: str
    api_url: str
    requests_per_minute: int
    timeout_seconds: float
    max_retries: int


@dataclass(frozen=True)
class DaemonSettings:
    """How often the daemon's jobs run."""

    sync_minutes: float
    heartbeat_minutes: float


@dataclass(frozen=True)
class CallSettings:
    """How calls are planned."""

    calls_per_day: int


@dataclass(frozen=True)
class Settings:
    """Everything sheetops is configured with, checked."""

    tracker: str
    business: Business
    thresholds: Thresholds
    tiers: Mapping[str, Tier]
    catalog: tuple[CatalogTask, ...]
    mail: MailSettings
    google: GoogleSettings
    daemon: DaemonSettings
    calls: CallSettings
    raw: Mapping[str, Any] = field(repr=False)

    def tier(self, code: str) -> Tier:
        """The tier with this code (R1, R2, R3)."""
        return self.tiers[code]


def default_settings_path() -> Path:
    """The defaults file shipped inside the package."""
    return Path(str(files("sheetops") / "config" / "sheetops.toml"))


def load_settings(
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Load the defaults, then ``path``, then ``environ``; check every value."""
    defaults_path = default_settings_path()
    data = _read_toml(defaults_path)
    origins = _origins(data, str(defaults_path))

    if path is not None:
        overrides = _read_toml(path)
        _check_known_keys(overrides, data, str(path))
        _merge(data, overrides)
        origins.update(_origins(overrides, str(path)))

    for name, keys, value in _env_overrides(data, environ or {}):
        _set_path(data, keys, value)
        origins[keys] = f"environment variable {name}"

    return _Reader(data, origins).settings()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise SettingsError(f"settings file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"settings file {path} is not valid TOML: {exc}") from None


def _origins(data: Mapping[str, Any], source: str) -> dict[tuple[str, ...], str]:
    found: dict[tuple[str, ...], str] = {}
    for keys, _ in _leaves(data):
        found[keys] = source
    return found


def _leaves(
    data: Mapping[str, Any], prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Any]]:
    """Every (key path, value) below ``data``; arrays of tables are leaves."""
    found: list[tuple[tuple[str, ...], Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            found.extend(_leaves(value, (*prefix, key)))
        else:
            found.append(((*prefix, key), value))
    return found


def _check_known_keys(
    overrides: Mapping[str, Any], defaults: Mapping[str, Any], source: str
) -> None:
    for keys, _ in _leaves(overrides):
        node: Any = defaults
        for depth, key in enumerate(keys):
            if not isinstance(node, dict) or key not in node:
                place = _describe(keys[: depth + 1])
                raise SettingsError(
                    f"{source}: unknown setting {place}; "
                    f"see {default_settings_path()} for the known ones"
                )
            node = node[key]


def _merge(into: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _set_path(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    node = data
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value


def _env_overrides(
    data: Mapping[str, Any], environ: Mapping[str, str]
) -> list[tuple[str, tuple[str, ...], Any]]:
    """The (variable, key path, typed value) triples the environment sets."""
    by_name = {
        ENV_PREFIX + "_".join(keys).upper(): (keys, value)
        for keys, value in _leaves(data)
        if not isinstance(value, list) or not value or not isinstance(value[0], dict)
    }
    found: list[tuple[str, tuple[str, ...], Any]] = []
    for name, text in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name in ENV_SPECIAL:
            continue
        if name in ENV_ALIASES:
            found.append((name, ENV_ALIASES[name], text))
            continue
        if name not in by_name:
            raise SettingsError(
                f"environment variable {name} names no setting; use "
                "SHEETOPS_<SECTION>_<KEY>, e.g. SHEETOPS_MAIL_SMTP_HOST"
            )
        keys, default = by_name[name]
        found.append((name, keys, _from_env_text(name, text, default)))
    return found


def _from_env_text(name: str, text: str, default: Any) -> Any:
    """Turn an environment string into the type the default has."""
    text = text.strip()
    try:
        if isinstance(default, bool):
            lowered = text.lower()
            if lowered not in {"true", "false", "1", "0", "yes", "no"}:
                raise ValueError(text)
            return lowered in {"true", "1", "yes"}
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
    except ValueError:
        kind = type(default).__name__
        raise SettingsError(
            f"environment variable {name}={text!r}: expected a {kind}"
        ) from None
    if isinstance(default, list):
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def _describe(keys: tuple[str, ...]) -> str:
    if len(keys) == 1:
        return keys[0]
    return f"[{'.'.join(keys[:-1])}] {keys[-1]}"


class _Reader:
    """Pulls typed values out of the merged data, naming the source on error."""

    def __init__(
        self, data: Mapping[str, Any], origins: Mapping[tuple[str, ...], str]
    ) -> None:
        self.data = data
        self.origins = origins

    def fail(self, keys: tuple[str, ...], value: Any, expected: str) -> SettingsError:
        source = self.origins.get(keys) or self.origins.get(keys[:-1], "settings")
        return SettingsError(
            f"{source}: {_describe(keys)} = {value!r}: expected {expected}"
        )

    def get(self, *keys: str) -> Any:
        node: Any = self.data
        for key in keys:
            if not isinstance(node, Mapping) or key not in node:
                raise SettingsError(f"missing setting {_describe(keys)}")
            node = node[key]
        return node

    def text(self, *keys: str, allow_empty: bool = True) -> str:
        value = self.get(*keys)
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise self.fail(keys, value, "some text")
        return value.strip()

    def number(
        self, *keys: str, minimum: float = 0, maximum: float | None = None
    ) -> float:
        value = self.get(*keys)
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or value < minimum or (maximum is not None and value > maximum):
            limit = f"a number from {minimum}" + (
                f" to {maximum}" if maximum is not None else " up"
            )
            raise self.fail(keys, value, limit)
        return float(value)

    def whole(self, *keys: str, minimum: int = 0) -> int:
        value = self.get(*keys)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(keys, value, f"a whole number of at least {minimum}")
        return value

    def flag(self, *keys: str) -> bool:
        value = self.get(*keys)
        if not isinstance(value, bool):
            raise self.fail(keys, value, "true or false")
        return value

    def words(
        self, *keys: str, allowed: tuple[str, ...] | None = None
    ) -> tuple[str, ...]:
        value = self.get(*keys)
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        if not ok or (allowed and any(v not in allowed for v in value)):
            choices = f" from {', '.join(allowed)}" if allowed else ""
            raise self.fail(keys, value, f"a list of words{choices}")
        return tuple(value)

    def choice(self, *keys: str, allowed: tuple[str, ...]) -> str:
        value = self.text(*keys)
        if value not in allowed:
            raise self.fail(keys, value, f"one of {', '.join(allowed)}")
        return value

    def clock(self, *keys: str) -> time:
        value = self.text(*keys)
        try:
            return time.fromisoformat(value)
        except ValueError:
            raise self.fail(keys, value, "a time of day like 09:00") from None

    def settings(self) -> Settings:
        business = self.business()
        tiers = {code: self.tier(code) for code in TIER_CODES}
        return Settings(
            tracker=self.text("tracker", "location", allow_empty=False),
            business=business,
            thresholds=self.thresholds(),
            tiers=tiers,
            catalog=self.catalog(),
            mail=self.mail(),
            google=self.google(),
            daemon=DaemonSettings(
                sync_minutes=self.number("daemon", "sync_minutes", minimum=0.1),
                heartbeat_minutes=self.number("daemon", "heartbeat_minutes"),
            ),
            calls=CallSettings(
                calls_per_day=self.whole("calls", "calls_per_day", minimum=1)
            ),
            raw=self.data,
        )

    def business(self) -> Business:
        zone_name = self.text("business", "time_zone")
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                ("business", "time_zone"), zone_name, "a time zone like Asia/Jakarta"
            ) from None
        opens = self.clock("business", "opens")
        closes = self.clock("business", "closes")
        if closes <= opens:
            raise self.fail(("business", "closes"), str(closes), "a time after opens")
        workdays = self.words("business", "workdays", allowed=WEEKDAYS)
        if not workdays:
            raise self.fail(("business", "workdays"), [], "at least one weekday")
        return Business(
            time_zone=zone,
            opens=opens,
            closes=closes,
            workdays=frozenset(WEEKDAYS.index(day) for day in workdays),
            holiday_country=self.text("business", "holiday_country"),
            delivery_business_days=self.whole("business", "delivery_business_days"),
            phone_country_code=self.text(
                "business", "phone_country_code", allow_empty=False
            ),
        )

    def thresholds(self) -> Thresholds:
        section = "thresholds"
        return Thresholds(
            budget_notice=self.number(section, "budget_notice", maximum=1),
            sla_at_risk=self.number(section, "sla_at_risk", maximum=1),
            max_minutes_per_entry=self.whole(
                section, "max_minutes_per_entry", minimum=1
            ),
            upgrade_after_overages=self.whole(
                section, "upgrade_after_overages", minimum=1
            ),
            upgrade_window=self.whole(section, "upgrade_window", minimum=1),
            overage_step_minutes=self.whole(section, "overage_step_minutes", minimum=1),
        )

    def tier(self, code: str) -> Tier:
        keys = ("tiers", code)
        calls = self.get(*keys, "calls") if "calls" in self.get(*keys) else []
        if not isinstance(calls, list):
            raise self.fail((*keys, "calls"), calls, "a list of [[calls]] tables")
        section = self.get(*keys)
        return Tier(
            code=code,
            name=self.text(*keys, "name", allow_empty=False),
            channels=self.words(
                *keys, "channels", allowed=("Email", "WhatsApp", "Phone")
            ),
            request_types=self.words(*keys, "request_types", allowed=("A", "B", "C")),
            allocation_hours=self.number(*keys, "allocation_hours"),
            first_response_hours=self.number(
                *keys, "first_response_hours", minimum=0.25
            ),
            resolution_business_days=self.whole(*keys, "resolution_business_days"),
            overage_rate=self.whole(*keys, "overage_rate"),
            upgrade_to=self.upgrade_target(code),
            calls=tuple(self.call_plan(code, i) for i in range(len(calls))),
            proactive_checks=(
                self.flag(*keys, "proactive_checks")
                if "proactive_checks" in section
                else False
            ),
        )

    def upgrade_target(self, code: str) -> str:
        target = self.text("tiers", code, "upgrade_to")
        if target and target not in TIER_CODES:
            raise self.fail(
                ("tiers", code, "upgrade_to"), target, "R1, R2, R3 or empty"
            )
        return target

    def call_plan(self, code: str, index: int) -> CallPlan:
        entry = self.get("tiers", code, "calls")[index]
        keys = ("tiers", code, "calls", str(index))
        sub = _Reader({"call": entry}, {(*keys[:-1],): self.origins.get(keys[:-1], "")})
        try:
            return CallPlan(
                kind=sub.text("call", "kind", allow_empty=False),
                minutes=sub.whole("call", "minutes", minimum=1),
                every=sub.choice("call", "every", allowed=("month", "quarter")),
                media=sub.words("call", "media", allowed=("video", "phone")),
            )
        except SettingsError as exc:
            raise SettingsError(f"[[tiers.{code}.calls]] #{index + 1}: {exc}") from None

    def catalog(self) -> tuple[CatalogTask, ...]:
        entries = self.get("catalog")
        if not isinstance(entries, list):
            raise self.fail(("catalog",), entries, "a list of [[catalog]] tables")
        tasks = []
        for index, entry in enumerate(entries):
            sub = _Reader({"task": entry}, {})
            try:
                task = CatalogTask(
                    task=sub.text("task", "task", allow_empty=False),
                    min_minutes=sub.whole("task", "min", minimum=1),
                    max_minutes=sub.whole("task", "max", minimum=1),
                    example=sub.text("task", "example"),
                )
            except SettingsError as exc:
                raise SettingsError(f"[[catalog]] #{index + 1}: {exc}") from None
            if task.max_minutes < task.min_minutes:
                raise SettingsError(
                    f"[[catalog]] #{index + 1} ({task.task}): max is below min"
                )
            tasks.append(task)
        return tuple(tasks)

    def mail(self) -> MailSettings:
        section = "mail"
        return MailSettings(
            transport=self.choice(section, "transport", allowed=("outbox", "smtp")),
            outbox=Path(self.text(section, "outbox", allow_empty=False)),
            smtp_host=self.text(section, "smtp_host"),
            smtp_port=self.whole(section, "smtp_port", minimum=1),
            smtp_security=self.choice(
                section, "smtp_security", allowed=("none", "starttls", "ssl")
            ),
            smtp_user=self.text(section, "smtp_user"),
            smtp_password=self.get(section, "smtp_password") or "",
            sender=self.text(section, "sender", allow_empty=False),
            staff=self.text(section, "staff"),
            timeout_seconds=self.number(section, "timeout_seconds", minimum=1),
            retry_minutes=self.number(section, "retry_minutes"),
            max_attempts=self.whole(section, "max_attempts", minimum=1),
        )

    def google(self) -> GoogleSettings:
        section = "google"
        return GoogleSettings(
            credentials=self.text(section, "credentials"),
            oauth_token=self.text(section, "oauth_token"),
            api_url=self.text(section, "api_url", allow_empty=False).rstrip("/"),
            requests_per_minute=self.whole(section, "requests_per_minute", minimum=1),
            timeout_seconds=self.number(section, "timeout_seconds", minimum=1),
            max_retries=self.whole(section, "max_retries"),
        )
