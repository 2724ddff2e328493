"""Push a plan to a board so that it is never left half-deployed.

1. Ask the board for the sha256 of every planned file and of its ``.new``
   twin (``hashlib`` on the board; without it, the hashes in the board's
   manifest are trusted and no ``.new`` file is reused).
2. Upload each changed file as ``path.new`` (skipped when that ``.new``
   already holds the right bytes: an interrupted deploy resumes).
3. Write the commit journal (``.midge-journal.json``: renames, the manifest
   last among them, files of the old manifest no longer planned, and ``.new``
   files no rename uses, left by an interrupted deploy of something else) as
   a temp file renamed into place: the commit point.
4. Run ``midge/app_journal.py`` (its source, sent over) on the board: it
   renames, removes and deletes the journal; running it again after a power
   cut finishes the same commit (``midge.app.run`` does so at boot).

Until step 3 the old deploy is intact; after it the new one is, and the
manifest appears only once every file is in place.
"""

import json

from midge_host.deploy.plan import JOURNAL, MANIFEST, Item, join, manifest
from midge_host.paths import device_dir

_HASHES = """
import os, json
def _h(p):
    try:
        import hashlib, binascii
    except ImportError:
        return None
    try:
        f = open(p, 'rb')
    except OSError:
        return ''
    h = hashlib.sha256(); b = bytearray(1024); m = memoryview(b)
    while True:
        n = f.readinto(b)
        if not n: break
        h.update(m[:n])
    f.close()
    return binascii.hexlify(h.digest()).decode()
_m = {}
try:
    with open(%(manifest)r) as f: _m = json.load(f).get('files', {})
except (OSError, ValueError):
    pass
for _p in _m:
    print('old', _p)
_m = None if _h(%(manifest)r) is not None else _m
for _p in %(paths)r:
    _a = _h(_p)
    print('hash', _m.get(_p) or '-' if _a is None else _a or '-', '-' if _a is None else _h(_p + '.new') or '-', _p)
for _d in %(dirs)r:
    try:
        for _e in os.ilistdir(_d):
            if _e[0].endswith('.new'):
                print('new', _d.rstrip('/') + '/' + _e[0])
    except OSError:
        pass
"""

_MKDIRS = """
import os
for _d in %r:
    try: os.mkdir(_d)
    except OSError: pass
"""


def _dirs(paths):
    out = []
    for path in paths:
        parts = path.strip("/").split("/")[:-1]
        for k in range(1, len(parts) + 1):
            d = "/" + "/".join(parts[:k])
            if d not in out:
                out.append(d)
    return out


def board_state(board, items, root):
    """({path: [sha256 of path, sha256 of path.new]} ('' if absent), [paths in the old manifest],
    [every ``.new`` file in the deploy's folders])."""
    code = _HASHES % {"manifest": join(root, MANIFEST), "paths": [i.path for i in items],
                      "dirs": [root] + _dirs(i.path for i in items)}
    hashes, old, pending = {}, [], []
    for line in board.exec(code, timeout=120).splitlines():
        words = line.split(" ", 3)
        if words[0] == "old":
            old.append(line[4:])
        elif words[0] == "new":
            pending.append(line[4:])
        elif words[0] == "hash" and len(words) == 4:
            hashes[words[3]] = ["" if w == "-" else w for w in words[1:3]]
    return hashes, old, pending


def push(board, items, root, info, progress=None):
    """Deploy ``items``; returns {"uploaded", "skipped", "resumed", "removed"} counts.
    ``progress(event, item, done_bytes)`` is called per chunk ("upload") and per skip."""
    recover(board, root)  # a previous deploy cut off after its commit point
    hashes, old, leftovers = board_state(board, items, root)
    board.exec(_MKDIRS % (_dirs(i.path for i in items),))
    renames = []
    counts = {"uploaded": 0, "skipped": 0, "resumed": 0, "removed": 0}
    for item in items:
        have, pending = hashes[item.path]
        if have == item.sha256:
            counts["skipped"] += 1
            if progress:
                progress("skip", item, len(item.data))
            continue
        if pending != item.sha256:
            board.write_file(item.path + ".new", item.data,
                             (lambda done, it=item: progress("upload", it, done)) if progress else None)
            counts["uploaded"] += 1
        else:
            counts["resumed"] += 1
            if progress:
                progress("skip", item, len(item.data))
        renames.append([item.path + ".new", item.path])
    man = Item(join(root, MANIFEST), manifest(items, info))
    board.write_file(man.path + ".new", man.data)
    renames.append([man.path + ".new", man.path])
    planned = {i.path for i in items}
    remove = [p for p in old if p not in planned]
    counts["removed"] = len(remove)
    renamed = {tmp for tmp, _ in renames}
    remove += [p for p in leftovers if p not in renamed]  # left by an interrupted deploy of other files
    journal = json.dumps({"renames": renames, "remove": remove}).encode()
    path = join(root, JOURNAL)
    board.write_file(path + ".tmp", journal)
    board.exec(f"import os\nos.rename({path + '.tmp'!r}, {path!r})")  # the commit point
    recover(board, root)
    return counts


def recover(board, root):
    """Run the board-side commit (midge/app_journal.py) for the journal under ``root``."""
    source = (device_dir() / "midge" / "app_journal.py").read_text()
    out = board.exec(source + f"\nprint(recover({join(root, JOURNAL)!r}))", timeout=60)
    return int(out.strip().splitlines()[-1])
