"""Point Google API traffic at another base URL, with a timeout on every call.

gspread builds its URLs from fixed Google hosts, so redirecting it (to the
test fake, or to a proxy) has to happen in the HTTP session it is given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession, Request
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

logger = logging.getLogger(__name__)

GOOGLE_API_URL = "https://sheets.googleapis.com"
GOOGLE_HOSTS = (
    "https://sheets.googleapis.com/",
    "https://www.googleapis.com/",
    "https://oauth2.googleapis.com/",
)


class EndpointAdapter(HTTPAdapter):
    """Send requests for Google's API hosts to ``base_url`` instead.

    The path and query are kept, so ``https://sheets.googleapis.com/v4/x?y``
    becomes ``{base_url}/v4/x?y``. With ``base_url`` None nothing is
    rewritten and the adapter only supplies the default timeout.
    ``before_send``, when given, sees every request (before the rewrite)
    right before it goes out, e.g. to keep calls under a quota.
    """

    def __init__(
        self,
        base_url: str | None,
        timeout: float,
        *,
        before_send: Callable[[requests.PreparedRequest], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout
        self.before_send = before_send

    def rewrite(self, url: str) -> str:
        """The URL the request is really sent to."""
        if self.base_url is None:
            return url
        target = urlsplit(self.base_url)
        original = urlsplit(url)
        path = target.path + original.path
        return urlunsplit((target.scheme, target.netloc, path, original.query, ""))

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        """Rewrite the URL, fill in the timeout, then send."""
        if self.before_send is not None:
            self.before_send(request)
        if request.url is not None:
            request.url = self.rewrite(request.url)
        if timeout is None:
            # gspread passes timeout=None explicitly; never wait forever.
            timeout = self.timeout
        return super().send(request, stream, timeout, verify, cert, proxies)


class EndpointSession(AuthorizedSession):
    """An AuthorizedSession whose token refreshes go through the same adapter."""

    def __init__(self, credentials: Credentials, adapter: EndpointAdapter) -> None:
        self._token_session = requests.Session()
        _mount(self._token_session, adapter)
        # google-auth leaves AuthorizedSession's methods unannotated.
        super().__init__(  # type: ignore[no-untyped-call]
            credentials, auth_request=Request(self._token_session)
        )
        _mount(self, adapter)

    def close(self) -> None:
        """Close the API session and the one used for token refreshes."""
        self._token_session.close()
        super().close()  # type: ignore[no-untyped-call]  # unannotated upstream


def _mount(session: requests.Session, adapter: EndpointAdapter) -> None:
    for prefix in GOOGLE_HOSTS:
        session.mount(prefix, adapter)


def is_google_default(api_url: str | None) -> bool:
    """True when ``api_url`` means Google's own endpoints."""
    return not api_url or api_url.rstrip("/") == GOOGLE_API_URL


def authorized_session(
    credentials: Credentials,
    api_url: str | None,
    timeout: float,
    *,
    retries: Retry | int = 0,
    before_send: Callable[[requests.PreparedRequest], None] | None = None,
) -> AuthorizedSession:
    """A session for gspread: ``gspread.Client(auth=None, session=...)``.

    Calls to Google's hosts (Sheets, Drive, OAuth token) go to ``api_url``
    when it is set and is not Google's default; every call gets ``timeout``
    seconds unless the caller passes its own. ``retries`` and
    ``before_send`` are handed to the :class:`EndpointAdapter`.
    """
    base_url = None if is_google_default(api_url) else api_url
    if base_url is not None:
        logger.debug("sending Google API calls to %s", base_url)
    adapter = EndpointAdapter(
        base_url, timeout, before_send=before_send, max_retries=retries
    )
    return EndpointSession(credentials, adapter)
