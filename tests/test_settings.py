"""Settings: defaults, a file of overrides, the environment, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheetops.errors import SettingsError
from sheetops.settings import load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(text)
    return path


def test_the_defaults_carry_the_seeds_numbers() -> None:
    settings = load_settings(None, environ={})

    r2, r3 = settings.tier("R2"), settings.tier("R3")
    assert (r2.allocation_hours, r2.first_response_hours, r2.overage_rate) == (
        1.0,
        12.0,
        250_000,
    )
    assert (r3.allocation_hours, r3.first_response_hours, r3.overage_rate) == (
        2.0,
        4.0,
        300_000,
    )
    assert [(t.task, t.min_minutes, t.max_minutes) for t in settings.catalog][3] == (
        "Page reorganization",
        30,
        45,
    )


def test_a_file_overrides_only_the_keys_it_names(tmp_path: Path) -> None:
    path = write(tmp_path, "[mail]\nsmtp_host = 'mail.example.com'\n")

    settings = load_settings(path, environ={})

    assert settings.mail.smtp_host == "mail.example.com"
    assert settings.mail.smtp_port == 587


def test_an_unknown_key_in_a_file_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "[mail]\nsmtp_hots = 'x'\n")

    with pytest.raises(SettingsError, match=r"unknown setting \[mail\] smtp_hots"):
        load_settings(path, environ={})


def test_an_environment_variable_overrides_with_the_defaults_type() -> None:
    settings = load_settings(None, environ={"SHEETOPS_MAIL_SMTP_PORT": "2525"})

    assert settings.mail.smtp_port == 2525


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"SHEETOPS_MAIL_SMTP_PORT": "lots"},
            "environment variable SHEETOPS_MAIL_SMTP_PORT='lots': expected a int",
        ),
        (
            {"SHEETOPS_MAIL_SMTP_HOTS": "x"},
            "environment variable SHEETOPS_MAIL_SMTP_HOTS names no setting",
        ),
        (
            {"SHEETOPS_CALLS_CALLS_PER_DAY": "0"},
            "environment variable SHEETOPS_CALLS_CALLS_PER_DAY: [calls] "
            "calls_per_day = 0: expected a whole number of at least 1",
        ),
    ],
    ids=["bad-type", "unknown-name", "below-minimum"],
)
def test_a_bad_environment_value_names_the_variable(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(None, environ=environ)

    assert str(caught.value).startswith(message)


def test_a_proactive_checks_value_that_is_not_true_or_false_is_refused(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "[tiers.R3]\nproactive_checks = 'no'\n")

    with pytest.raises(SettingsError, match="proactive_checks = 'no': expected true"):
        load_settings(path, environ={})


def test_sheetops_tracker_is_the_short_form_of_the_tracker_location() -> None:
    settings = load_settings(None, environ={"SHEETOPS_TRACKER": "shop.xlsx"})

    assert settings.tracker == "shop.xlsx"
