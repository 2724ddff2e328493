"""Finish an interrupted deploy: the commit journal written by `midge deploy`.

A deploy uploads every changed file under a temporary name (``path + ".new"``),
then writes the journal ``.midge-journal.json`` (in the board's current
folder, its flash root) listing ``[temp, final]`` renames and files to
remove, then ``recover()`` performs them and deletes the journal last. The
renames include the deploy manifest, so the manifest appears only once every
file is in place. ``recover()`` is idempotent: if power fails half way, running
it again (the next deploy does; ``midge.app.run`` does at boot) completes the
same commit. The host runs this very file's source on the board to commit, so
there is one implementation. Uses only ``os`` and ``json``.
"""

import json
import os

JOURNAL = ".midge-journal.json"


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def recover(journal=JOURNAL):
    """Complete the commit in ``journal`` if there is one; return the number of renames done."""
    try:
        with open(journal) as f:
            plan = json.load(f)
    except OSError:
        return 0
    except ValueError:  # torn journal: written by temp + rename, so this is not ours
        os.remove(journal)
        return 0
    done = 0
    for tmp, final in plan.get("renames", ()):
        if _exists(tmp):
            if _exists(final):
                os.remove(final)
            os.rename(tmp, final)
            done += 1
    for path in plan.get("remove", ()):
        if _exists(path):
            os.remove(path)
    os.remove(journal)
    return done
