"""User-facing errors, kept apart from bugs (as esptool's FatalError is)."""


class MidgeError(Exception):
    """A problem with the user's input or environment, not a bug in midge.

    The CLI prints it as ``midge: <message>`` plus an optional hint, with no
    traceback, and exits non-zero.
    """

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self):
        return self.message
