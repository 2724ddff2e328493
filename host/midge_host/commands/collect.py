"""`midge collect DIR --port P --label L --seconds S [--format midge|ei-forwarder --rate HZ]`.

Records raw sensor data from a board: the capture is kept in DIR/captures/ (WAV for
audio, CSV of the project's IMU columns, an image recording of the camera's frames at the
model's size, --seconds x the camera's fps of them), then imported into DIR/data/L/ as
`midge data import` does (cut into windows; one image per frame), so `stats` and `train` take it as it is. `midge` format: the board streams frames with sequence numbers
and CRC16 (device/midge/stream.py), so every lost or corrupt frame is counted and
reported. `ei-forwarder`: any board printing one line of comma-separated numbers per
sample at --rate Hz (as for Edge Impulse's data forwarder). Exit 1 if anything was lost.
"""

import time

from midge_host.commands._board import add_port_options
from midge_host.errors import MidgeError


def register(subparsers):
    parser = subparsers.add_parser(
        "collect", help="record labelled raw sensor data from a board",
        description="Stream raw sensor windows from a board (framed, numbered, CRC-checked) into DIR/data/LABEL/.")
    parser.add_argument("project", metavar="DIR", help="the project folder")
    add_port_options(parser)
    parser.add_argument("--label", "-l", required=True, help="the class of what is recorded")
    parser.add_argument("--seconds", "-s", type=float, default=10.0, help="how long to record (default 10)")
    parser.add_argument("--format", choices=("midge", "ei-forwarder"), default="midge",
                        help="midge: the board runs midge.stream; ei-forwarder: CSV lines from any firmware")
    parser.add_argument("--rate", type=int, help="samples per second of ei-forwarder lines (required with it)")
    parser.set_defaults(func=handler)


def _forwarder_lines(port, seconds):
    """Lines the board prints during ``seconds`` from now: output buffered before
    the port was opened is discarded, and so is the first line, which may have
    begun before (a partial line can parse as a sample with wrong values)."""
    import serial

    with serial.Serial(str(port), 115200, timeout=0.2) as link:
        link.reset_input_buffer()
        deadline = time.monotonic() + seconds
        first = True
        pending = b""
        while time.monotonic() < deadline:
            pending += link.readline()  # a line cut by the timeout is completed on the next round
            if not pending.endswith(b"\n"):
                continue
            if not first:
                yield pending.decode(errors="replace")
            first = False
            pending = b""


def _midge_lines(port, transport, root, seconds):
    from midge_host.deploy.plan import join
    from midge_host.transport import open_board

    with open_board(port, transport, soft_reset=True) as board:
        board.start(f"import midge.stream\nmidge.stream.collect({join(root, 'midge.json')!r}, {seconds!r})")
        deadline = time.monotonic() + seconds + 30
        while time.monotonic() < deadline:
            try:
                line = board.readline(timeout=1.0)
            except EOFError:
                return
            if line is not None:
                yield line
        board.stop()
        raise MidgeError("the board did not finish streaming in time")


def handler(args):
    from rich.console import Console

    from midge_host.deploy.collect import receive, receive_forwarder, save
    from midge_host.project import load_project

    project = load_project(args.project)
    if args.label not in project.labels:
        raise MidgeError(f"label {args.label!r} is not one of the project's labels ({', '.join(project.labels)})",
                         hint=f"add it to labels in {project.path} first")
    console = Console(stderr=True)
    with console.status(f"recording {args.seconds:g} s of '{args.label}' from {args.port}"):
        if args.format == "ei-forwarder":
            if not args.rate:
                raise MidgeError("--format ei-forwarder needs --rate HZ", hint="the rate the board prints lines at")
            cap = receive_forwarder(_forwarder_lines(args.port, args.seconds), args.rate)
        else:
            cap = receive(_midge_lines(args.port, args.transport, args.root, args.seconds))
    if not cap.frames_received:
        raise MidgeError("no samples received", hint="is midge deployed (`midge deploy`) and the sensor wired?")
    path, report = save(cap, project, args.label, args.rate)
    what = (f"{len(cap.images)} images of {cap.image['width']}x{cap.image['height']}" if cap.image else
            f"{cap.frames_received} frames x {cap.channels} ch at {args.rate or cap.sample_rate} Hz")
    console.print(f"saved {what} to {path}; {report.written} file(s) in {project.data_dir / args.label}",
                  highlight=False)
    for message in report.warnings:
        console.print(f"[yellow]{message}", highlight=False)
    if project.task == "detection" and args.label != project.labels[0]:
        console.print("[yellow]the images have no boxes yet: until they are labelled (data/boxes.json, or "
                      "label them in a tool, then `midge data import` the labelled folder), they train as background",
                      highlight=False)
    if args.format == "ei-forwarder":
        seen = cap.frames_received + cap.bad_lines
        if abs(seen - args.rate * args.seconds) > 0.2 * args.rate * args.seconds:
            console.print(f"[yellow]the board printed {seen / args.seconds:.1f} lines/s, not --rate {args.rate}: "
                          "the saved file is labelled with --rate; check the board's print rate", highlight=False)
    if cap.lost:
        console.print(f"[red]lost: {cap.bad_crc} frames with bad CRC, {cap.missing} frames missing "
                      f"(sequence gaps), {cap.sensor_dropped} samples dropped by the sensor, "
                      f"{cap.bad_lines} malformed lines" + (f"; {cap.images_lost} images dropped (a line of "
                                                            "each was lost)" if cap.image else ""), highlight=False)
        if cap.fractional_lines:
            console.print(f"[red]{cap.fractional_lines} lines held fractional values: midge records int16 "
                          "samples; print raw sensor counts or scaled integers (e.g. milli-g)", highlight=False)
        return 1
    console.print("no frames lost (every sequence number and CRC checked)")
    return 0
