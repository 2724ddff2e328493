"""`midge doctor [--probe] [--json]`: what midge finds in this environment (Python,
TensorFlow, tflite-micro, the MicroPython unix ports, mpy-cross, mpremote, espeak-ng,
sox, serial ports and the boards on them) and what to do about each gap.

Exits 1 when something a core command needs is missing ("missing"); gaps that only
an extra needs ("optional", e.g. TensorFlow for training) are listed with their fix.
"""

import json
from dataclasses import asdict

from rich.console import Console
from rich.markup import escape

STYLE = {"ok": "[green]ok[/]", "missing": "[red]missing[/]", "optional": "[yellow]optional[/]"}


def register(subparsers):
    parser = subparsers.add_parser(
        "doctor", help="check this environment and say how to fix what is missing",
        description="Report Python, TensorFlow, tflite-micro, the MicroPython unix ports, mpy-cross, "
                    "mpremote, espeak-ng, sox and the serial ports, with what to do about each gap.")
    parser.add_argument("--probe", action="store_true",
                        help="ask each board on a serial port what it is (interrupts its running program)")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.set_defaults(func=handler)


def handler(args):
    from midge_host.doctor import checks
    found = checks(probe=args.probe)
    if args.json:
        print(json.dumps([asdict(c) for c in found], indent=2))
    else:
        console = Console(highlight=False)
        for check in found:
            console.print(f"{STYLE[check.state]:>24}  [bold]{escape(check.name)}[/]: {escape(check.detail)}")
            if check.fix:
                console.print(f"{'':10}-> {escape(check.fix)}")
    return 1 if any(c.state == "missing" for c in found) else 0
