"""sheetops: run a tiered support business out of one spreadsheet."""

__version__ = "0.1.0"
