"""The exceptions sheetops raises; the CLI turns each into a message."""


class SheetopsError(Exception):
    """Base of every error sheetops reports to a person (exit code 1)."""


class SettingsError(SheetopsError):
    """A settings file or environment variable holds a value we can't use."""


class TrackerError(SheetopsError):
    """The tracker can't be opened, read or written as it is."""


class TrackerLayoutError(TrackerError):
    """A tab or a required column is missing from the tracker."""


class TrackerBusyError(TrackerError):
    """Someone holds the tracker open, so writing now would lose their work."""


class TrackerMovedError(TrackerError):
    """The tracker changed between our read and our write; redo the cycle."""


class MailError(SheetopsError):
    """A message could not be rendered or handed to the mail server."""
