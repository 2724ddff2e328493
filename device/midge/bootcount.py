"""The board's boot counter on flash: ``advance(path)`` returns this boot's number
(0 on the first boot) and stores the next one.

The file holds the decimal count and a newline. It is written as ``path + ".new"``
and renamed over ``path`` (``path`` removed first where the filesystem's rename
does not replace a file, as on FAT), so a power cut leaves the old count, the new
one, or (cut between remove and rename) only ``path + ".new"``, which is read
then. A boot cut off before its count is stored is never reported, so no number
is used twice; a missing or unreadable counter starts again at 0.
"""

import os


def _read(name):
    try:
        with open(name) as f:
            text = f.read()
    except OSError:
        return None
    if len(text) > 1 and text[-1] == "\n" and text[:-1].isdigit():
        return int(text[:-1])
    return None


def read(path):
    """The stored count (the number the next boot gets), 0 when there is none."""
    count = _read(path)
    if count is None:
        count = _read(path + ".new")
    return 0 if count is None else count


def advance(path):
    """This boot's number: the stored count, which is incremented on flash before returning."""
    boot = read(path)
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write("%d\n" % (boot + 1))
    try:
        os.rename(tmp, path)
    except OSError:
        os.remove(path)
        os.rename(tmp, path)
    return boot
