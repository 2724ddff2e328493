"""Where midge's own files live: the source tree, or an override from the environment."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parents[1]


def device_dir():
    """The folder holding the device package `midge` (put it on MICROPYPATH)."""
    return Path(os.environ.get("MIDGE_DEVICE_DIR", REPO_ROOT / "device"))


def boards_dir():
    """The folder of board profiles, ``boards/*.json``."""
    return Path(os.environ.get("MIDGE_BOARDS_DIR", REPO_ROOT / "boards"))
