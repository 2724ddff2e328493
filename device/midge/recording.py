"""Recordings: the files `midge collect` writes, a project's ``data/`` holds,
`midge data import` produces, `stats`/`train`/`features` read and the board
replays. This module owns both formats.

- Audio: a WAV file, 16-bit PCM, ``channels`` interleaved (1 for a
  microphone), at the project's sample rate: the canonical 44-byte header of
  ``wav_header`` then the samples. ``parse_wav_header(f)`` reads any RIFF
  header up to the data chunk and returns ``(rate, channels, bits, data
  bytes)`` (ValueError for anything but 16-bit PCM).
- IMU (and any multi-channel int16 data): a CSV text file. First line: the
  header, ``timestamp_ms`` then one name per channel (``csv_header``). Then
  one line per frame: the time in ms since the first frame (``frame * 1000 /
  rate``, at most 3 decimals) and one int16 count per channel (``csv_row``).
  Readers also accept ``timestamp``, ``time_ms``, ``time`` or ``t`` as the
  time column's name, or no time column at all (then every column is a
  channel and the rate is not in the file).

``parse_csv_header(line) -> (has_time, names)`` and ``parse_csv_row(line,
has_time, count, number) -> (t, values)`` raise ValueError naming the line
(``number``, 1 = the header) and column: a missing cell, a non-number, NaN,
a fraction or a value outside int16.
"""

from midge.bits import get_le, put_le

TIME_COLUMNS = ("timestamp_ms", "timestamp", "time_ms", "time", "t")
TIME_COLUMN = "timestamp_ms"
WAV_HEADER_SIZE = 44


def wav_header(rate, channels, data_bytes):
    """The 44-byte header of a 16-bit PCM WAV holding ``data_bytes`` of samples."""
    h = bytearray(WAV_HEADER_SIZE)
    h[0:4] = b"RIFF"
    put_le(h, 4, 36 + data_bytes, 4)
    h[8:16] = b"WAVEfmt "
    put_le(h, 16, 16, 4)
    put_le(h, 20, 1, 2)  # PCM
    put_le(h, 22, channels, 2)
    put_le(h, 24, rate, 4)
    put_le(h, 28, rate * channels * 2, 4)
    put_le(h, 32, channels * 2, 2)
    put_le(h, 34, 16, 2)
    h[36:40] = b"data"
    put_le(h, 40, data_bytes, 4)
    return h


def parse_wav_header(f):
    """Read ``f`` (a binary file at its start) up to its sample data; return
    (rate, channels, bits, data bytes). ValueError unless 16-bit PCM."""
    head = f.read(12)
    if len(head) < 12 or head[0:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise ValueError("not a WAV file (no RIFF/WAVE header)")
    fmt = None
    while True:
        chunk = f.read(8)
        if len(chunk) < 8:
            raise ValueError("WAV file has no data chunk")
        size = get_le(chunk, 4, 4)
        if chunk[0:4] == b"fmt ":
            fmt = f.read(size)
            if size & 1:
                f.read(1)
        elif chunk[0:4] == b"data":
            break
        else:
            f.read(size + (size & 1))
    if fmt is None or len(fmt) < 16:
        raise ValueError("WAV file has no fmt chunk before its data")
    tag = get_le(fmt, 0, 2)
    bits = get_le(fmt, 14, 2)
    if tag not in (1, 0xFFFE) or bits != 16:
        raise ValueError("WAV must be 16-bit PCM, got format %d with %d bits" % (tag, bits))
    return get_le(fmt, 4, 4), get_le(fmt, 2, 2), bits, size


def csv_header(names):
    """The header line (with its newline) of a CSV recording of channels ``names``."""
    return TIME_COLUMN + "," + ",".join(names) + "\n"


def csv_time(frame, rate):
    """The time column of ``frame`` at ``rate`` Hz: ms, at most 3 decimals, no trailing zeros."""
    micro = (frame * 1000000 + int(rate) // 2) // int(rate) if rate == int(rate) else int(frame * 1000000 / rate + 0.5)
    text = "%d.%03d" % (micro // 1000, micro % 1000)
    return text.rstrip("0").rstrip(".")


def csv_row(frame, rate, values):
    """The line (with its newline) of ``frame`` holding int16 ``values``."""
    return csv_time(frame, rate) + "," + ",".join(str(v) for v in values) + "\n"


def parse_csv_header(line):
    """(has_time, channel names) of a header line; ValueError if it is empty or names no channel."""
    names = [n.strip() for n in line.strip().split(",")]
    if not line.strip() or not names[0]:
        raise ValueError("line 1: empty header (expected %s,<channel>,...)" % TIME_COLUMN)
    has_time = names[0].lower() in TIME_COLUMNS
    channels = names[1:] if has_time else names
    if not channels:
        raise ValueError("line 1: no channel columns after %r" % names[0])
    return has_time, channels


def _int16(cell, number, name):
    text = cell.strip()
    try:
        value = float(text)
    except ValueError:
        raise ValueError("line %d, column %r: %r is not a number" % (number, name, text))
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("line %d, column %r: %s is not a sample value" % (number, name, text))
    if value != int(value) or not -32768 <= value <= 32767:
        raise ValueError("line %d, column %r: %s is not an int16 count" % (number, name, text))
    return int(value)


def parse_csv_row(line, has_time, names, number):
    """(time or None, [int16 per channel]) of data line ``number``; ValueError naming the problem."""
    cells = line.strip().split(",")
    want = len(names) + (1 if has_time else 0)
    if len(cells) != want:
        raise ValueError("line %d has %d columns, the header has %d" % (number, len(cells), want))
    t = None
    if has_time:
        try:
            t = float(cells[0])
        except ValueError:
            raise ValueError("line %d, column %r: %r is not a time in ms" % (number, TIME_COLUMN, cells[0].strip()))
        cells = cells[1:]
    return t, [_int16(cells[k], number, names[k]) for k in range(len(names))]
