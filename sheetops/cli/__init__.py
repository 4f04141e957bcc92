"""The ``sheetops`` command line: options in, library calls, messages out.

Each module registers its commands on :data:`main` when imported.
"""

from sheetops.cli import mail, ops, tracker
from sheetops.cli.base import Context, common_options, main

__all__ = ["Context", "common_options", "mail", "main", "ops", "tracker"]
