"""Pytest fixtures: a running fake, and a real gspread client signed in to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import service_account

from sheetops.sync.endpoint import authorized_session

from .server import FakeSheetsServer

SERVICE_ACCOUNT_EMAIL = "sheetops-test@fake-project.iam.gserviceaccount.com"
SCOPES = [
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive",
]


def service_account_info(
    fake: FakeSheetsServer, private_key_pem: str, email: str = SERVICE_ACCOUNT_EMAIL
) -> dict[str, Any]:
    """A service-account key file's content whose token endpoint is the fake."""
    return {
        "type": "service_account",
        "project_id": "fake-project",
        "private_key_id": "fake-key-1",
        "private_key": private_key_pem,
        "client_email": email,
        "client_id": "100000000000000000001",
        "token_uri": fake.token_uri,
    }


@pytest.fixture(scope="session")
def fake_sheets_private_key() -> str:
    """A fresh RSA key in PEM, made once per test session (it takes a moment)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode("ascii")


@pytest.fixture
def fake_sheets() -> Iterator[FakeSheetsServer]:
    """A started fake Sheets API, stopped after the test."""
    with FakeSheetsServer(seed=0) as fake:
        yield fake


@pytest.fixture
def gspread_client(
    fake_sheets: FakeSheetsServer, fake_sheets_private_key: str
) -> Iterator[gspread.Client]:
    """A real gspread client, signed in through the fake's token endpoint."""
    info = service_account_info(fake_sheets, fake_sheets_private_key)
    # google-auth leaves these methods unannotated.
    credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        info, scopes=SCOPES
    )
    session = authorized_session(credentials, fake_sheets.base_url, timeout=10)
    try:
        yield gspread.Client(auth=None, session=session)  # type: ignore[arg-type]
    finally:
        session.close()  # type: ignore[no-untyped-call]
