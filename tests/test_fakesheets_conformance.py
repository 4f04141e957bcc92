"""Replay recorded traffic with the real Sheets/Drive APIs against the fake.

Each cassette in ``shared/conformance/sheets-api`` is played in order against
a fresh fake. Ids the fake hands out (spreadsheet ids, sheetIds, protected
range ids) are learned from its answers and put into later requests and
expected answers; then status and JSON body must match.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.fakesheets import FakeSheetsServer

CASSETTES = (
    Path(__file__).resolve().parents[2] / "shared" / "conformance" / "sheets-api"
)
# Keys whose values are ids the fake makes up; learned, then substituted.
ID_KEYS = {"id", "spreadsheetId", "sheetId", "protectedRangeId"}
# Drive timestamps record when the cassette was made; no fake can match them.
IGNORED_KEYS = {"createdTime", "modifiedTime"}
# The recording account's address (e.g. as a protected range's editor) is
# not the replaying account's; any e-mail address compares as equal.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]+$")


def _cassette_params() -> list[Any]:
    if not CASSETTES.is_dir():
        reason = f"no recorded traffic at {CASSETTES}"
        return [
            pytest.param(None, id="no-cassettes", marks=pytest.mark.skip(reason=reason))
        ]
    return [
        pytest.param(path, id=path.stem) for path in sorted(CASSETTES.glob("*.json"))
    ]


class IdMap:
    """Recorded ids and the fake's ids for the same things."""

    def __init__(self) -> None:
        self.ids: dict[Any, Any] = {}

    def learn(self, expected: Any, actual: Any) -> None:
        """Walk a recorded and a live answer side by side, pairing their ids."""
        if isinstance(expected, dict) and isinstance(actual, dict):
            for key in expected.keys() & actual.keys():
                if key in ID_KEYS and expected[key] != actual[key]:
                    self.ids.setdefault(expected[key], actual[key])
                else:
                    self.learn(expected[key], actual[key])
        elif isinstance(expected, list) and isinstance(actual, list):
            for pair in zip(expected, actual, strict=False):
                self.learn(*pair)

    def text(self, text: str) -> str:
        """Replace recorded string ids inside a URL or body text."""
        for recorded, live in self.ids.items():
            if isinstance(recorded, str):
                text = text.replace(recorded, str(live))
        return text

    def value(self, data: Any) -> Any:
        """Replace recorded ids anywhere in parsed JSON."""
        if isinstance(data, dict):
            return {key: self.value(item) for key, item in data.items()}
        if isinstance(data, list):
            return [self.value(item) for item in data]
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, int) and not isinstance(data, bool):
            return self.ids.get(data, data)
        return data


def _without_ignored(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: _without_ignored(v) for k, v in data.items() if k not in IGNORED_KEYS
        }
    if isinstance(data, list):
        return [_without_ignored(item) for item in data]
    if isinstance(data, str) and EMAIL.match(data):
        return "<e-mail address>"
    return data


def _interactions(path: Path) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    recording = json.loads(path.read_text(encoding="utf-8"))
    for index, interaction in enumerate(recording["interactions"]):
        yield index, interaction["request"], interaction["response"]


def _send(
    session: requests.Session,
    fake: FakeSheetsServer,
    ids: IdMap,
    request: dict[str, Any],
) -> requests.Response:
    parts = urlsplit(request["uri"])
    url = (
        fake.base_url
        + ids.text(parts.path)
        + (f"?{ids.text(parts.query)}" if parts.query else "")
    )
    body = request.get("body")
    data = None
    if body:
        text = body if isinstance(body, str) else body.decode("utf-8")
        data = json.dumps(ids.value(json.loads(text))).encode("utf-8")
    headers = {"Content-Type": "application/json"} if data else {}
    return session.request(
        request["method"], url, data=data, headers=headers, timeout=10
    )


def _expected_body(response: dict[str, Any]) -> Any:
    text = response["body"]["string"]
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return json.loads(text) if text.strip() else None


def replay(path: Path) -> tuple[int, list[str]]:
    """Play one cassette; return how many interactions ran and the mismatches."""
    mismatches = []
    count = 0
    with FakeSheetsServer(seed=1) as fake, requests.Session() as session:
        session.headers["Authorization"] = "Bearer " + fake.issue_token(
            "recorder@example.com"
        )
        ids = IdMap()
        for index, request, response in _interactions(path):
            count += 1
            live = _send(session, fake, ids, request)
            expected = _expected_body(response)
            actual = live.json() if live.content else None
            ids.learn(expected, actual)
            want = (response["status"]["code"], _without_ignored(ids.value(expected)))
            got = (live.status_code, _without_ignored(actual))
            if want != got:
                where = f"#{index} {request['method']} {request['uri']}"
                mismatches.append(f"{where}\n  want {want}\n  got  {got}")
    return count, mismatches


@pytest.mark.parametrize("cassette", _cassette_params())
def test_fake_answers_as_recorded(cassette: Path) -> None:
    """Every recorded interaction gets the same status and JSON body from the fake."""
    count, mismatches = replay(cassette)
    assert count > 0
    assert not mismatches, "\n".join(mismatches[:5])
