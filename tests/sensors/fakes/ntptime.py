"""Fake ``ntptime``: ``settime()`` succeeds unless ``fail`` (test hook) is set, and
counts its calls in ``calls``; ``host`` as the real module has it."""

host = "pool.ntp.org"
fail = False
calls = []


def settime():
    calls.append(host)
    if fail:
        raise OSError(110)  # ETIMEDOUT
