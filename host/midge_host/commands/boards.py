"""`midge boards [NAME] [--json]`: list the board profiles, or show one in full.

With no NAME: a table of every board. With NAME: that profile with its sensors,
notes and sources. ``--json`` prints the same data as JSON (a list of profiles,
or one profile) for scripts. Unknown or malformed profiles are MidgeErrors.
"""

import json

from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from midge_host.boards import list_boards, load_board
from midge_host.commands.ui import table_console

KIB = 1024
MIB = 1024 * 1024


def register(subparsers):
    """Add `midge boards` to the CLI's sub-parsers."""
    parser = subparsers.add_parser(
        "boards", help="list board profiles, or show one",
        description="List the board profiles (boards/*.json), or show one in full.")
    parser.add_argument("name", nargs="?", metavar="NAME", help="a board name, e.g. pico_w")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.set_defaults(func=handler)


def handler(args):
    """Print the table, one profile, or JSON; return 0 (errors are MidgeErrors)."""
    if args.name:
        board = load_board(args.name)
        if args.json:
            print(json.dumps(board.to_dict(), indent=2))
        else:
            _show(table_console(), board)
        return 0
    boards = list_boards()
    if args.json:
        print(json.dumps([board.to_dict() for board in boards], indent=2))
    else:
        table_console().print(_table(boards))
    return 0


def _mib(n):
    return "-" if n == 0 else f"{n / MIB:.2f}".rstrip("0").rstrip(".")


def _mhz(hz):
    return "host" if hz is None else f"{hz / 1e6:g}"


def _table(boards):
    table = Table(box=box.SIMPLE_HEAD, header_style="bold")
    for header, justify, wraps in (
            ("name", "left", False), ("title", "left", True), ("port", "left", False),
            ("MCU", "left", True), ("MHz", "right", False), ("heap KB", "right", False),
            ("flash MB", "right", False), ("PSRAM MB", "right", False), ("arch", "left", False),
            ("engine", "left", False), ("sensors", "left", True)):
        table.add_column(header, justify=justify, no_wrap=not wraps)
    for b in boards:
        heap = f"{b.heap_bytes // KIB}" + ("~" if b.heap_basis == "estimate" else "")
        table.add_row(b.name, b.title, b.port, b.mcu, _mhz(b.clock_hz), heap,
                      _mib(b.flash_bytes), _mib(b.psram_bytes), b.mpy_arch, b.engine or "-",
                      b.sensor_summary())
    table.caption = "heap KB: RAM given to the MicroPython GC heap (~ = estimate); see docs/boards.md"
    return table


def _value(key, value):
    """A variant's override as text: addresses in hex, resolutions as WxH."""
    if key == "address" and isinstance(value, int):
        return f"0x{value:02X}"
    if key == "resolution" and value:
        return f"{value[0]}x{value[1]}"
    return value


def _pins(pins):
    return ", ".join(f"{role}={pin}" for role, pin in pins.items())


def _at(bus, bus_id, address):
    """``i2c 1 @0x6B``-style location of a sensor on its bus."""
    where = bus + (f" {bus_id}" if bus_id is not None else "")
    return where + (f" @0x{address:02X}" if address is not None else "")


def _sensor_lines(board):
    """(label, one-line summary, sensor record or None) for each sensor of ``board``."""
    s = board.sensors
    mic = s.microphone
    summary = {"none": "none", "replay": "replayed"}.get(mic.type, f"{mic.type} {mic.chip}")
    yield "microphone", summary, (None if mic.type == "none" else mic)
    imu = s.imu
    if imu is None:
        yield "imu", "none", None
    elif imu.bus == "replay":
        yield "imu", "replayed", imu
    else:
        yield "imu", f"{imu.chip} ({_at(imu.bus, imu.bus_id, imu.address)})", imu
    cam = s.camera
    if cam is None:
        yield "camera", "none", None
    elif cam.interface == "replay":
        yield "camera", "replayed", cam
    else:
        yield "camera", f"{cam.chip} {cam.resolution[0]}x{cam.resolution[1]} ({cam.interface})", cam
    for other in s.other:
        yield other.kind, f"{other.chip} ({_at(other.bus, other.bus_id, other.address)})", other


def _show(console, b):
    console.print(f"[bold]{escape(b.title)}[/bold] ({b.name})")
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column()
    rows = [
        ("port", b.port),
        ("firmware", b.firmware + (f" ({b.firmware_board})" if b.firmware_board else "")),
        ("MCU", f"{b.mcu}, {b.core}"),
        ("clock", "host" if b.clock_hz is None else f"{b.clock_hz:,} Hz"),
        ("heap", f"{b.heap_bytes:,} bytes ({b.heap_basis})"),
        ("RAM", f"{b.ram_bytes:,} bytes"),
        ("flash", f"{b.flash_bytes:,} bytes"),
        ("PSRAM", f"{b.psram_bytes:,} bytes"),
        ("mpy arch", b.mpy_arch),
        ("engine", b.engine or "none"),
    ]
    for key, value in rows:
        facts.add_row(key, Text(value))
    console.print(facts)

    console.print("\n[bold]Sensors[/bold]")
    sensors = Table.grid(padding=(0, 2))
    sensors.add_column(style="bold", no_wrap=True)
    sensors.add_column()
    for label, summary, sensor in _sensor_lines(b):
        detail = summary
        if sensor is not None:
            pins = getattr(sensor, "pins", None)  # OtherSensor records have no pins
            if pins:
                detail += f"\n  pins: {_pins(pins)}"
            detail += f"\n  driver: {sensor.driver or 'none in stock firmware'}"
            for variant in sensor.variants:
                changes = ", ".join(f"{k}={_value(k, v)}" for k, v in variant.items() if k != "when")
                detail += f"\n  {variant['when']}: {changes}"
        sensors.add_row(label, Text(detail))
    console.print(sensors)

    if b.notes:
        console.print("\n[bold]Notes[/bold]")
        for note in b.notes:
            console.print(Text(f"- {note}"))
    console.print("\n[bold]Sources[/bold]")
    for i, source in enumerate(b.source, 1):
        console.print(Text(f"{i}. {source.title}\n   {source.url}\n   covers: {', '.join(source.covers)}"),
                      soft_wrap=True)
