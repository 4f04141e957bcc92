"""The fake Sheets/Drive/OAuth server, and the knobs tests turn on it."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import secrets
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .control import Call, Controls, Fault
from .errors import ApiError
from .handlers import ApiRequest, ApiResponse, dispatch, route
from .store import Store

logger = logging.getLogger(__name__)

_MISSING_CREDENTIAL = (
    "Request is missing required authentication credential. Expected OAuth 2 "
    "access token, login cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_INVALID_CREDENTIAL = (
    "Request had invalid authentication credentials. Expected OAuth 2 access "
    "token, login cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_FAULT_MESSAGES = {
    429: "Quota exceeded for quota metric 'Read requests' and limit "
    "'Read requests per minute per user' of service 'sheets.googleapis.com'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}
_TOKEN_LIFETIME = 3599


class FakeSheetsServer:
    """An in-memory Google Sheets v4 + Drive v3 + OAuth2 token endpoint on loopback.

    All three APIs answer on one base URL with Google's own paths
    (``/v4/spreadsheets/...``, ``/drive/v3/files...``, ``/token``). Use it as a
    context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, seed: int | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.store = Store(seed)
        self.controls = Controls()
        self.token_accounts: list[str] = []
        self._tokens: dict[str, str] = {}
        self._tokens_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> FakeSheetsServer:
        """Bind the port and serve in a background thread."""
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="fakesheets", daemon=True
        )
        self._thread.start()
        logger.debug("fake Sheets API listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        for connection in list(self._connections):
            _close_quietly(connection)
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> FakeSheetsServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Where the fake answers, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self.host}:{self.port}"

    @property
    def token_uri(self) -> str:
        """The OAuth2 token endpoint to put in service-account credentials."""
        return f"{self.base_url}/token"

    # -- auth -------------------------------------------------------------------

    def issue_token(self, account: str) -> str:
        """Issue an access token for ``account`` without the JWT dance."""
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self._tokens_lock:
            self._tokens[token] = account
        return token

    def revoke_tokens(self) -> None:
        """Forget every issued token, so the next calls get 401 and must refresh."""
        with self._tokens_lock:
            self._tokens.clear()

    def account_for(self, authorization: str | None) -> str:
        """The account behind an ``Authorization`` header, or ApiError 401."""
        if not authorization or not authorization.startswith("Bearer "):
            raise ApiError(401, _MISSING_CREDENTIAL)
        with self._tokens_lock:
            account = self._tokens.get(authorization[len("Bearer ") :].strip())
        if account is None:
            raise ApiError(401, _INVALID_CREDENTIAL)
        return account

    def grant_token(self, form: dict[str, list[str]]) -> ApiResponse:
        """Answer the token endpoint: JWT-bearer (service accounts) or refresh token."""
        grant = (form.get("grant_type") or [""])[0]
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            account = _assertion_issuer((form.get("assertion") or [""])[0])
        elif grant == "refresh_token":
            account = (form.get("client_id") or ["authorized-user"])[0]
        else:
            account = None
        if not account:
            refusal = {"error": "invalid_grant", "error_description": "Invalid grant."}
            return ApiResponse(400, refusal)
        self.token_accounts.append(account)
        token = self.issue_token(account)
        body = {
            "access_token": token,
            "expires_in": _TOKEN_LIFETIME,
            "token_type": "Bearer",
        }
        return ApiResponse(200, body)

    # -- knobs ------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        count: int = 1,
        *,
        retry_after: float | None = None,
        match: str | None = None,
    ) -> None:
        """Answer the next ``count`` API calls (matching ``match``) with ``status``.

        Typical statuses are 429 (sent with ``Retry-After``, 1 s unless given),
        500 and 503. ``match`` is a pattern as in :func:`control.matches`,
        e.g. ``"values.batchUpdate"`` or ``"POST */values/*:append"``.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        self.controls.schedule(Fault(status, retry_after), count, match)

    def drop_next(self, count: int = 1, *, match: str | None = None) -> None:
        """Close the socket without answering the next ``count`` matching calls."""
        self.controls.schedule(Fault(drop=True), count, match)

    def fail_randomly(
        self,
        fraction: float,
        *,
        status: int = 503,
        drop: bool = False,
        retry_after: float | None = None,
        seed: int = 0,
        match: str | None = None,
    ) -> None:
        """Fail a seeded-random ``fraction`` of matching calls (status or drop)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self.controls.randomly(Fault(status, retry_after, drop), fraction, seed, match)

    def set_latency(self, seconds: float) -> None:
        """Delay every API call by ``seconds`` before answering."""
        self.controls.latency = seconds

    def clear_faults(self) -> None:
        """Cancel scheduled and random faults, pending hooks and latency."""
        self.controls.clear()

    def before_call(self, calls_from_now: int, action: Callable[[Store], None]) -> None:
        """Run ``action(store)`` just before the Nth API call from now (1 = next).

        This is the "colleague" who edits the spreadsheet between two calls
        of the code under test; see the edit helpers on :class:`Store`.
        """
        self.controls.add_hook(action, None, calls_from_now)

    def before_next(self, match: str, action: Callable[[Store], None]) -> None:
        """Run ``action(store)`` once, just before the next call matching ``match``."""
        self.controls.add_hook(action, match, None)

    @property
    def calls(self) -> list[Call]:
        """Every call so far (token calls included), with time and sizes."""
        return list(self.controls.calls)

    def counts(self) -> Counter[str]:
        """Calls by endpoint name, e.g. ``counts()["values.batchGet"]``."""
        return self.controls.counts()

    @property
    def request_bytes(self) -> int:
        """Total bytes of request bodies received."""
        return sum(call.request_bytes for call in self.controls.calls)

    @property
    def response_bytes(self) -> int:
        """Total bytes of response bodies sent."""
        return sum(call.response_bytes for call in self.controls.calls)

    def reset_counters(self) -> None:
        """Forget recorded calls (counts, bytes, timestamps)."""
        self.controls.reset_counters()

    def _track(self, connection: socket.socket, open_: bool) -> None:
        if open_:
            self._connections.add(connection)
        else:
            self._connections.discard(connection)


def _assertion_issuer(assertion: str) -> str | None:
    """Read ``iss`` from a JWT without checking its signature."""
    try:
        payload = assertion.split(".")[1]
        padded = payload + "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (IndexError, ValueError):
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) else None


def _close_quietly(connection: socket.socket) -> None:
    # The peer may already have gone; there is nothing left to close then.
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class _HTTPServer(ThreadingHTTPServer):
    """The HTTP server, quiet about clients that hang up mid-answer."""

    daemon_threads = True
    fake: FakeSheetsServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            # A client that timed out or was told to drop the call has gone.
            logger.debug("client %s hung up: %s", client_address, error)
            return
        logger.exception("fake Sheets API failed serving %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    """Per-connection request handler; keeps connections alive like Google does."""

    protocol_version = "HTTP/1.1"
    server_version = "ESF"
    # Headers and body go out in one write; with Nagle and delayed ACKs
    # two small writes would cost 40 ms a call.
    wbufsize = -1
    disable_nagle_algorithm = True

    @property
    def fake(self) -> FakeSheetsServer:
        server = self.server
        assert isinstance(server, _HTTPServer)
        return server.fake

    def setup(self) -> None:
        super().setup()
        self.fake._track(self.connection, True)

    def finish(self) -> None:
        self.fake._track(self.connection, False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        started = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        if parts.path == "/token" and self.command == "POST":
            form = parse_qs(raw.decode("utf-8", "replace"))
            granted = self.fake.grant_token(form)
            self._finish_call(started, "token", parts.path, raw, granted)
            return
        kind, handler, params = route(self.command, parts.path)
        response = self._answer(kind, handler, params, parts.path, query, raw)
        if response is None:
            self._record(started, kind, parts.path, 0, len(raw), 0)
            self.close_connection = True
            _close_quietly(self.connection)
            return
        self._finish_call(started, kind, parts.path, raw, response)

    def _answer(
        self,
        kind: str,
        handler: Any,
        params: dict[str, str],
        path: str,
        query: dict[str, list[str]],
        raw: bytes,
    ) -> ApiResponse | None:
        """Apply knobs, then authenticate and dispatch; None means drop the line."""
        fake = self.fake
        fake.controls.wait()
        hooks, fault = fake.controls.begin(self.command, kind, path)
        for hook in hooks:
            with fake.store.lock:
                hook(fake.store)
        if fault is not None:
            return None if fault.drop else _fault_response(fault)
        try:
            account = fake.account_for(self.headers.get("Authorization"))
            body = json.loads(raw) if raw.strip() else None
        except ApiError as error:
            return ApiResponse(error.code, error.body(), {"WWW-Authenticate": "Bearer"})
        except ValueError:
            return ApiResponse(
                400, ApiError(400, "Invalid JSON payload received.").body()
            )
        request = ApiRequest(self.command, path, query, body, account, params)
        try:
            return dispatch(fake.store, kind, handler, request)
        except Exception:
            logger.exception("fake Sheets API failed on %s %s", self.command, path)
            return ApiResponse(500, ApiError(500, "Internal error encountered.").body())

    def _finish_call(
        self, started: float, kind: str, path: str, raw: bytes, response: ApiResponse
    ) -> None:
        payload = b""
        if response.body is not None:
            payload = json.dumps(response.body, ensure_ascii=False).encode("utf-8")
        # Count the call before answering: a client that reads the counters
        # right after its call returns must already see it.
        self._record(started, kind, path, response.status, len(raw), len(payload))
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if response.status != 204:
            self.wfile.write(payload)

    def _record(
        self,
        started: float,
        kind: str,
        path: str,
        status: int,
        sent: int,
        received: int,
    ) -> None:
        call = Call(started, self.command, kind, path, status, sent, received)
        self.fake.controls.record(call)


def _fault_response(fault: Fault) -> ApiResponse:
    status = fault.status or 500
    error = ApiError(status, _FAULT_MESSAGES.get(status, "Injected fault."))
    headers = {}
    if fault.retry_after is not None:
        seconds = fault.retry_after
        headers["Retry-After"] = (
            str(int(seconds)) if float(seconds).is_integer() else str(seconds)
        )
    return ApiResponse(status, error.body(), headers)
