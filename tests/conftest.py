"""Shared fixtures: settings, the frozen as-of instant."""

from __future__ import annotations

from datetime import datetime

import pytest

from sheetops.settings import Settings, load_settings

pytest_plugins = ["tests.fakesheets.plugin"]


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The shipped defaults, untouched by the environment."""
    return load_settings(None, environ={})


@pytest.fixture
def as_of(settings: Settings) -> datetime:
    """A fixed instant: Monday 2 February 2026, 10:00 in Jakarta."""
    return datetime(2026, 2, 2, 10, 0, tzinfo=settings.business.time_zone)
