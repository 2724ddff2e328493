"""Options shared by the board-facing commands (deploy, verify, monitor, collect, pull)."""

import os

from midge_host.transport import TRANSPORTS


def add_port_options(parser):
    parser.add_argument("--port", "-p", default=os.environ.get("MIDGE_PORT"),
                        help="the board's serial port (default $MIDGE_PORT), e.g. /dev/ttyACM0 or a `midge sim` port")
    parser.add_argument("--transport", choices=TRANSPORTS, default="mpremote",
                        help="how to talk to the raw REPL: mpremote (default) or adafruit-ampy")
    parser.add_argument("--root", default="/",
                        help="the board's flash folder (default /; /flash on OpenMV)")
