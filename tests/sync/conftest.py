"""Fixtures the Google backend tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakesheets import FakeSheetsServer
from tests.sync.test_google_helpers import key_file


@pytest.fixture
def key(
    tmp_path: Path, fake_sheets: FakeSheetsServer, fake_sheets_private_key: str
) -> Path:
    """A service-account key file whose token endpoint is the fake's."""
    return key_file(tmp_path, fake_sheets, fake_sheets_private_key)
