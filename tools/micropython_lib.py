"""Fetch the micropython-lib packages the emulated board's tests use, pinned by
hash, from PyPI into .venv/micropython-lib/ (a board's /lib gets them with
`mpremote mip install`; docs/field-deployment.md).

PyPI's micropython-lib source distributions have no setup.py, so pip cannot
download them; this reads the package's file list from PyPI's simple index (as
pip does), checks the archive's sha256 and extracts the package's modules. `make setup` runs it:

    python tools/micropython_lib.py .venv/micropython-lib
"""

import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

PACKAGES = {  # PyPI name: (version, sha256 of the sdist, modules to extract)
    "micropython-umqtt.simple": ("1.3.4", "b6a2520239e3992c63a7de9370ee9b3d9d27819a90359c521f1c0f7ccab8d12f",
                                 ["umqtt/simple.py"]),
}


def fetch(name, version, sha256, modules, target):
    if all((target / m).is_file() for m in modules):
        return
    index = urllib.request.Request(f"https://pypi.org/simple/{name.replace('.', '-')}/",
                                   headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(index, timeout=60) as r:
        files = json.load(r)["files"]
    found = [f for f in files if f["hashes"].get("sha256") == sha256]
    if not found:
        sys.exit(f"{name} {version}: no file with the pinned sha256 on PyPI")
    entry = found[0]
    with urllib.request.urlopen(entry["url"], timeout=60) as r:
        data = r.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        sys.exit(f"{entry['filename']}: sha256 mismatch")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for module in modules:
            member = tar.extractfile(f"{entry['filename'][:-len('.tar.gz')]}/{module}")
            (target / module).parent.mkdir(parents=True, exist_ok=True)
            (target / module).write_bytes(member.read())
    print(f"installed {name} {version} into {target}")


def main(argv):
    target = Path(argv[0] if argv else ".venv/micropython-lib")
    for name, (version, sha256, modules) in PACKAGES.items():
        fetch(name, version, sha256, modules, target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
