"""The hub's one time format: UTC to the second, ``YYYY-MM-DDTHH:MM:SSZ`` (the
boards' ``time`` field in ``midge.fleet``). Stored as text, these sort and compare
as the times they name, in SQLite and PostgreSQL alike.

- ``now() -> str``: the current time.
- ``normalize(text) -> str``: an ISO 8601 date or date-time (any offset, any
  fraction of a second; no offset means UTC; a date is its midnight) in the
  hub's format;
  ValueError naming the input otherwise.
"""

from datetime import datetime, timezone

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now():
    return datetime.now(timezone.utc).strftime(FORMAT)


def normalize(text):
    if not isinstance(text, str):
        raise ValueError(f"time must be an ISO 8601 string, got {text!r}")
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    head, dot, rest = value.partition(".")
    if dot:  # RFC 3339 allows nanoseconds (The Things Stack sends them); Python parses up to 6 digits
        digits = len(rest) - len(rest.lstrip("0123456789"))
        value = head + rest[digits:]
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date or time: {text!r} (e.g. 2026-05-01 or 2026-05-01T18:30:00Z)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime(FORMAT)
