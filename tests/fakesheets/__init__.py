"""A fake Google Sheets v4 / Drive v3 API for tests, served over real HTTP."""

from .control import Call, matches
from .errors import ApiError
from .server import FakeSheetsServer
from .store import Store

__all__ = ["ApiError", "Call", "FakeSheetsServer", "Store", "matches"]
