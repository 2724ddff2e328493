"""Where midge's own files live: in a checkout, the repository's folders; installed
from a wheel, the copies shipped inside this package (``midge_host/_data/``, links
to the repository's folders in a checkout, so the two layouts hold the same files).
An environment variable overrides each.

- ``device_dir()``: the folder holding the device package ``midge`` (MICROPYPATH,
  and what deploy cross-compiles); MIDGE_DEVICE_DIR.
- ``boards_dir()``: the board profiles ``*.json``; MIDGE_BOARDS_DIR.
- ``models_dir()``: the ready-to-deploy models ``<name>/``; MIDGE_MODELS_DIR.
- ``unix32_dir()``: the sources of the emulated board's 32-bit MicroPython.
- ``cache_dir()``: where midge keeps what it can rebuild: build/ in a checkout, else
  the user's cache folder (``$XDG_CACHE_HOME/midge``, default ``~/.cache/midge``).
- ``REPO_ROOT``: the checkout this package runs from, or None when installed.
"""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "_data"


def _checkout():
    root = PACKAGE_DIR.parents[1]
    return root if (root / "pyproject.toml").is_file() and (root / "device" / "midge").is_dir() else None


REPO_ROOT = _checkout()


def _shipped(name, variable):
    if os.environ.get(variable):
        return Path(os.environ[variable])
    return (REPO_ROOT / name) if REPO_ROOT else (DATA_DIR / name)


def device_dir():
    """The folder holding the device package `midge` (put it on MICROPYPATH)."""
    return _shipped("device", "MIDGE_DEVICE_DIR")


def boards_dir():
    """The folder of board profiles, ``boards/*.json``."""
    return _shipped("boards", "MIDGE_BOARDS_DIR")


def models_dir():
    """The folder of ready-to-deploy models, ``models/<name>/``."""
    return _shipped("models", "MIDGE_MODELS_DIR")


def unix32_dir():
    """The folder of the 32-bit MicroPython port's sources and build script."""
    return (REPO_ROOT / "tools" / "unix32") if REPO_ROOT else (DATA_DIR / "unix32")


def cache_dir():
    """The folder for rebuildable files (generated models, builds)."""
    if REPO_ROOT:
        return REPO_ROOT / "build"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "midge"
