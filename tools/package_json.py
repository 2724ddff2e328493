"""Write package.json, mip's index of the device package, from device/midge/.

    python tools/package_json.py          # rewrite package.json
    python tools/package_json.py --check  # exit 1 if package.json is out of date

`mpremote mip install github:ORG/midge` reads it; every device module is
listed with its path in this repository. ORG/REPO comes from --repo
(default midge-ml/midge).
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEVICE = ROOT / "device"
DEFAULT_REPO = "midge-ml/midge"


def package(repo=DEFAULT_REPO):
    """The package.json contents for the device package as it is on disk."""
    sys.path.insert(0, str(DEVICE))
    from midge import __version__

    modules = sorted(p.relative_to(DEVICE).as_posix() for p in (DEVICE / "midge").rglob("*.py"))
    return {
        "urls": [[module, f"github:{repo}/device/{module}"] for module in modules],
        "deps": [],
        "version": __version__,
    }


def render(repo=DEFAULT_REPO):
    return json.dumps(package(repo), indent=1) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that package.json is current")
    parser.add_argument("--repo", default=DEFAULT_REPO, help="GitHub ORG/REPO the urls point at")
    args = parser.parse_args(argv)
    path = ROOT / "package.json"
    text = render(args.repo)
    if args.check:
        if not path.exists() or path.read_text() != text:
            print("package.json is out of date: run `python tools/package_json.py`", file=sys.stderr)
            return 1
        return 0
    path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
