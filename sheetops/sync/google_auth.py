"""Find and load the Google credentials sheetops signs in with.

Three places, first one set wins: ``[google] credentials`` (a service
account's JSON key), ``[google] oauth_token`` (an authorized-user token
file, as a browser sign-in writes it) and the ``GOOGLE_APPLICATION_CREDENTIALS``
environment variable. Only the Sheets scope is asked for: sheetops opens a
spreadsheet it is given and never needs Drive.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from sheetops.errors import TrackerError
from sheetops.settings import GoogleSettings

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
ENV_CREDENTIALS = "GOOGLE_APPLICATION_CREDENTIALS"
SERVICE_ACCOUNT = "service_account"
AUTHORIZED_USER = "authorized_user"
NO_CREDENTIALS = (
    "no Google credentials are configured: set [google] credentials (or the "
    f"{ENV_CREDENTIALS} environment variable) to a service account's JSON key "
    "file, or [google] oauth_token to an authorized-user token file; "
    "docs/google-sheets.md shows how to make one"
)


@dataclass(frozen=True)
class Source:
    """Where the credentials come from: the setting that names a file."""

    setting: str
    path: Path


@dataclass(frozen=True)
class SignIn:
    """Loaded credentials and who they sign in as."""

    credentials: Credentials
    source: Source
    email: str

    @property
    def account(self) -> str:
        """Who to share the sheet with, as a person would write it."""
        if self.email:
            return self.email
        return f"the Google account that signed in for {self.source.setting}"


def find_source(
    settings: GoogleSettings, environ: Mapping[str, str] | None = None
) -> Source | None:
    """The credentials file the settings (or the environment) name, if any."""
    environ = os.environ if environ is None else environ
    if settings.credentials:
        return Source("[google] credentials", _path(settings.credentials))
    if settings.oauth_token:
        return Source("[google] oauth_token", _path(settings.oauth_token))
    from_env = environ.get(ENV_CREDENTIALS, "").strip()
    if from_env:
        return Source(f"the {ENV_CREDENTIALS} variable", _path(from_env))
    return None


def _path(text: str) -> Path:
    return Path(text).expanduser()


def sign_in(
    settings: GoogleSettings, environ: Mapping[str, str] | None = None
) -> SignIn:
    """Load the configured credentials, or say which setting to fix and how."""
    source = find_source(settings, environ)
    if source is None:
        raise TrackerError(NO_CREDENTIALS)
    info = _read_json(source)
    kind = info.get("type", AUTHORIZED_USER if "refresh_token" in info else "")

    # google-auth leaves these constructors unannotated.
    try:
        if kind == SERVICE_ACCOUNT:
            signed = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=list(SCOPES)
            )
            return SignIn(signed, source, str(signed.service_account_email))
        if kind == AUTHORIZED_USER:
            user = user_credentials.Credentials.from_authorized_user_info(  # type: ignore[no-untyped-call]
                info, scopes=list(SCOPES)
            )
            return SignIn(user, source, "")
    except (ValueError, KeyError, GoogleAuthError) as exc:
        raise _unusable(source, f"it is incomplete or damaged ({exc})") from None
    raise _unusable(
        source,
        f"its type is {kind or 'missing'!r}, not a service account key "
        "or an authorized-user token",
    )


def _read_json(source: Source) -> dict[str, Any]:
    try:
        text = source.path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _unusable(source, "there is no such file") from None
    except OSError as exc:
        raise _unusable(source, f"it can't be read ({exc.strerror})") from None
    try:
        info = json.loads(text)
    except ValueError:
        raise _unusable(source, "it is not JSON") from None
    if not isinstance(info, dict):
        raise _unusable(source, "it is not a JSON object")
    return info


def _unusable(source: Source, why: str) -> TrackerError:
    # The message names the file and the setting, never the file's content.
    return TrackerError(
        f"{source.setting} names {source.path}, but {why}; point it at a "
        "service account's JSON key (IAM > Service accounts > Keys > Add key) "
        "or an authorized-user token file"
    )
