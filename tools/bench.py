"""`make bench`: run every benchmark (tools/bench_*.py) in one go, on this machine.

Each benchmark prints a Markdown table and writes it to out/bench/<name>.md;
this driver runs them in turn and lists the files. `--quick` is passed on.
Copy the figures into docs/benchmarks.md with the machine and the date.
"""

import argparse
import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
OUT = TOOLS.parent / "out" / "bench"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    failed = []
    for script in sorted(TOOLS.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        out = OUT / f"{name}.md"
        cmd = [sys.executable, str(script), "--out", str(out)] + (["--quick"] if args.quick else [])
        print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
        if subprocess.run(cmd).returncode != 0:
            failed.append(name)
    print("results in", *sorted(OUT.glob("*.md")), sep="\n  ")
    if failed:
        print("bench: failed:", ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
