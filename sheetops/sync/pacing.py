"""Keep Google Sheets calls under the quota, and retry the ones that fail.

Google counts every request against a per-minute quota, retries
included, and answers 429 once it is spent. A :class:`Pacer` spaces the
calls out before that happens; :class:`PacedRetry` is urllib3's retry
policy (exponential backoff with jitter, ``Retry-After`` honoured) with a
bound on the total time spent and every retry paced too.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], None]

WINDOW_SECONDS = 60.0
# Give up on one call after this long, however many retries are left:
# a sync that waits longer is better redone from a fresh read.
RETRY_BUDGET_SECONDS = 120.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF_FACTOR = 1.0
BACKOFF_JITTER = 1.0
BACKOFF_MAX_SECONDS = 32.0
_SECONDS = re.compile(r"^\s*\d+(\.\d+)?\s*$")


class Pacer:
    """At most ``per_minute`` calls in any sliding 60-second window.

    One pacer is shared by every call a backend makes, retries included.
    ``clock`` and ``sleep`` are injectable so tests run in no time.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        window: float = WINDOW_SECONDS,
    ) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, not {per_minute}")
        self.per_minute = per_minute
        self.clock = clock
        self.sleep = sleep
        self.window = window
        self.waited = 0.0
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until one more call fits in the window, count it, say how long."""
        waited = 0.0
        with self._lock:
            while True:
                now = self.clock()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                if len(self._sent) < self.per_minute:
                    self._sent.append(now)
                    break
                pause = self._sent[0] + self.window - now
                logger.debug("pacing Google calls: waiting %.1f s", pause)
                self.sleep(pause)
                waited += pause
        self.waited += waited
        return waited


class PacedRetry(Retry):
    """urllib3's Retry, paced by a :class:`Pacer` and bounded in total time.

    ``budget`` is counted from the first failure of a call; once spent, or
    once a ``Retry-After`` asks for longer than what is left, the call gives
    up and its last answer goes back to the caller.
    """

    def __init__(
        self,
        *args: Any,
        pacer: Pacer,
        budget: float = RETRY_BUDGET_SECONDS,
        started: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pacer = pacer
        self.budget = budget
        self.started = started

    def new(self, **kw: Any) -> PacedRetry:
        """A copy with some counters changed; keeps the pacer and the budget."""
        kw.setdefault("pacer", self.pacer)
        kw.setdefault("budget", self.budget)
        kw.setdefault("started", self.started)
        return super().new(**kw)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> PacedRetry:
        """Count one failure; give up when retries or the time budget run out."""
        started = self.pacer.clock() if self.started is None else self.started
        following = super().increment(method, url, response, error, _pool, _stacktrace)
        following.started = started

        wait = self._wait_asked(response) or 0.0
        left = started + self.budget - self.pacer.clock()
        if wait > left or left <= 0:
            reason = error or ResponseError(
                f"gave up after {self.budget:.0f} s of retries"
            )
            raise MaxRetryError(_pool, url, reason) from reason
        status = response.status if response is not None else None
        logger.debug(
            "Google Sheets call failed (%s); retrying, %s retries left",
            status or type(error).__name__,
            following.total,
        )
        return following

    def _wait_asked(self, response: BaseHTTPResponse | None) -> float | None:
        if response is None or not self.respect_retry_after_header:
            return None
        return self.get_retry_after(response)

    def parse_retry_after(self, retry_after: str) -> float:
        """Seconds to wait; fractions are accepted as well as whole seconds."""
        if _SECONDS.match(retry_after):
            return min(float(retry_after), float(self.retry_after_max))
        return super().parse_retry_after(retry_after)

    def sleep_for_retry(self, response: BaseHTTPResponse) -> bool:
        """Wait as long as ``Retry-After`` asks, on the pacer's clock."""
        wait = self.get_retry_after(response)
        if wait:
            self.pacer.sleep(wait)
            return True
        return False

    def _sleep_backoff(self) -> None:
        backoff = self.get_backoff_time()
        if backoff > 0:
            self.pacer.sleep(backoff)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Back off, then wait for room under the quota: a retry is a call too."""
        super().sleep(response)
        self.pacer.acquire()


def retry_policy(max_retries: int, pacer: Pacer) -> PacedRetry:
    """The policy for every Sheets call: retry 429, 5xx and dropped connections.

    Every method is retried, POSTs included. That is safe because a sync's
    only POST is a batchUpdate of fixed values (updateCells putting the
    same values in the same cells), so sending it twice leaves the sheet as
    sending it once would. ``init``'s batchUpdate adds tabs, which is not
    repeatable, but a retry that finds them added fails as a whole (400,
    nothing applied) and the next ``init`` sees the work done.
    """
    return PacedRetry(
        total=max_retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,
        backoff_factor=BACKOFF_FACTOR,
        backoff_jitter=BACKOFF_JITTER,
        backoff_max=BACKOFF_MAX_SECONDS,
        respect_retry_after_header=True,
        # The last answer goes back to gspread, which names its status.
        raise_on_status=False,
        pacer=pacer,
    )
