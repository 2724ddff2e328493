"""The host's one atomic file write, and content hashes.

Contract:

- ``write_atomic(path, data)``: write ``data`` (bytes or str, UTF-8) to a
  temporary file in the same folder (``.<name>.<random>.tmp``), fsync it and
  rename it over ``path``. A crash leaves either the old file or the new one;
  the temporary file is removed on error. Parent folders are created.
- ``sha256_file(path) -> str``: hex digest of a file's bytes, read in chunks.
- ``is_hidden(path)``: names starting with "." (index files, temporaries) are
  not samples.
"""

import hashlib
import os
import tempfile
from pathlib import Path

CHUNK = 1 << 20


def write_atomic(path, data):
    """Replace ``path`` with ``data`` atomically (temp file + fsync + rename)."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256_file(path):
    """Hex SHA-256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def is_hidden(path):
    """True for dot-files: midge's index files and unfinished temporaries."""
    return Path(path).name.startswith(".")
