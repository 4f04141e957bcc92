"""Test knobs: scheduled faults, latency, colleague hooks and call counters."""

from __future__ import annotations

import fnmatch
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from .store import Store

Hook = Callable[[Store], None]


@dataclass(frozen=True)
class Call:
    """One request the fake received, for counting and pacing checks."""

    at: float
    method: str
    kind: str
    path: str
    status: int
    request_bytes: int
    response_bytes: int


@dataclass(frozen=True)
class Fault:
    """What to do instead of answering: an error status, or a dropped connection."""

    status: int | None = None
    retry_after: float | None = None
    drop: bool = False


def matches(pattern: str | None, method: str, kind: str, path: str) -> bool:
    """Match a call against a pattern.

    ``None`` matches every call. Otherwise the pattern is a shell-style
    pattern tried against the endpoint name (``values.batchGet``), against
    ``"METHOD name"`` and against ``"METHOD /path"``.
    """
    if pattern is None:
        return True
    candidates = (kind, f"{method} {kind}", f"{method} {path}")
    return any(fnmatch.fnmatchcase(candidate, pattern) for candidate in candidates)


@dataclass
class _Scheduled:
    fault: Fault
    remaining: int
    pattern: str | None


@dataclass
class _Random:
    fault: Fault
    fraction: float
    rng: random.Random
    pattern: str | None


@dataclass
class _PendingHook:
    action: Hook
    pattern: str | None
    at_call: int | None


@dataclass
class Controls:
    """The knobs; the server consults them on every API call."""

    latency: float = 0.0
    calls: list[Call] = field(default_factory=list)
    api_calls: int = 0
    _scheduled: list[_Scheduled] = field(default_factory=list)
    _random: list[_Random] = field(default_factory=list)
    _hooks: list[_PendingHook] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def schedule(self, fault: Fault, count: int, pattern: str | None) -> None:
        """Answer the next ``count`` matching calls with ``fault``."""
        with self._lock:
            self._scheduled.append(_Scheduled(fault, count, pattern))

    def randomly(
        self, fault: Fault, fraction: float, seed: int, pattern: str | None
    ) -> None:
        """Answer a seeded-random ``fraction`` of matching calls with ``fault``."""
        with self._lock:
            self._random.append(_Random(fault, fraction, random.Random(seed), pattern))

    def add_hook(
        self, action: Hook, pattern: str | None, calls_from_now: int | None
    ) -> None:
        """Run ``action`` once, before a counted call or the next matching one."""
        with self._lock:
            at_call = (
                None if calls_from_now is None else self.api_calls + calls_from_now
            )
            self._hooks.append(_PendingHook(action, pattern, at_call))

    def clear(self) -> None:
        """Forget scheduled faults, random faults, hooks and latency."""
        with self._lock:
            self._scheduled.clear()
            self._random.clear()
            self._hooks.clear()
            self.latency = 0.0

    def begin(
        self, method: str, kind: str, path: str
    ) -> tuple[list[Hook], Fault | None]:
        """Count an API call; return the hooks due before it and any fault for it."""
        with self._lock:
            self.api_calls += 1
            hooks = self._due_hooks(method, kind, path)
            return hooks, self._fault_for(method, kind, path)

    def _due_hooks(self, method: str, kind: str, path: str) -> list[Hook]:
        due = []
        for pending in list(self._hooks):
            if pending.at_call is not None:
                ready = self.api_calls >= pending.at_call
            else:
                ready = matches(pending.pattern, method, kind, path)
            if ready:
                self._hooks.remove(pending)
                due.append(pending.action)
        return due

    def _fault_for(self, method: str, kind: str, path: str) -> Fault | None:
        for entry in self._scheduled:
            if entry.remaining > 0 and matches(entry.pattern, method, kind, path):
                entry.remaining -= 1
                return entry.fault
        for chance in self._random:
            hit = matches(chance.pattern, method, kind, path)
            if hit and chance.rng.random() < chance.fraction:
                return chance.fault
        return None

    def record(self, call: Call) -> None:
        """Remember a finished call."""
        with self._lock:
            self.calls.append(call)

    def counts(self) -> Counter[str]:
        """Calls so far by endpoint name."""
        with self._lock:
            return Counter(call.kind for call in self.calls)

    def reset_counters(self) -> None:
        """Forget the calls recorded so far."""
        with self._lock:
            self.calls.clear()

    def wait(self) -> None:
        """Sleep for the configured latency."""
        if self.latency > 0:
            time.sleep(self.latency)
