"""Mail fixtures: a real SMTP server on a free local port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mailers.smtpd import MailServer, free_port


@pytest.fixture
def server() -> Iterator[MailServer]:
    """A running SMTP server that keeps what it receives."""
    running = MailServer(free_port())
    running.start()
    yield running
    running.stop()


@pytest.fixture
def idle_server() -> Iterator[MailServer]:
    """An SMTP server not started yet: its port refuses connections."""
    waiting = MailServer(free_port())
    yield waiting
    waiting.stop()
