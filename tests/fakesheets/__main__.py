"""Run the fake on its own: ``python -m tests.fakesheets --port 8099``."""

from __future__ import annotations

import argparse
import logging
import threading

from .server import FakeSheetsServer


def main(argv: list[str] | None = None) -> int:
    """Serve until Ctrl-C; print the base URL first so scripts can read it."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakesheets")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    fake = FakeSheetsServer(port=args.port).start()
    print(fake.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
