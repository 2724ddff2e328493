"""Soak test: the deployed app replays an hour of audio on the emulated board.

    python tools/soak.py                    # 60 minutes of audio, 60 s WAV looped
    python tools/soak.py --minutes 5 --json out/soak.json

Builds the fast test project (tests/app/project.py: MFE features of 8 kHz audio,
272 ms windows every 136 ms, a small DS-CNN), deploys it with `midge deploy`'s
API to a `midge sim` board, verifies it on the board, and runs the app from its
midge.json replaying a WAV with ``"loop": true, "realtime": false`` and
``"seconds": minutes * 60``. The WAV holds a whole number of strides, so every
loop of it yields the same windows. ``soak(...)`` returns the measurements and
the verdict of each check; ``main`` prints them as Markdown and exits 1 if a
check failed.

Checks (each a key of ``result["checks"]``, True when it passed):

- ``windows``: the app's window count at the end equals the count the audio
  length implies, ``(frames - window) // stride + 1``, and its stream time
  equals that many strides.
- ``no_drops``: ``dropped == 0`` and ``gaps == 0`` (sensor and window ring).
- ``aligned``: detections repeat exactly (time modulo the loop length, label,
  score) in every full loop after the first: a lost, repeated or shifted
  window anywhere would move or change them.
- ``status_lines``: one status line per ``status_s`` of stream time arrived
  (the last may coincide with the end and be folded into it).
- ``heap``: no upward trend in ``heap_used`` (``gc.mem_alloc()`` right after
  ``gc.collect()``, sampled in each status line) after warm-up, the first
  loop of the WAV: the highest sample in the second half of the run is not
  above the highest in the first half. A leak of a few bytes per window, or
  per rewind of the loop, sets new highs as the run goes on, and fails this.

Real-time factor: ``rtf_app`` is the app's own measure (processing time of
features + model + recognizer + responders over stream time, from the status
lines, weighted by their intervals); ``rtf_wall`` is host wall-clock time from
the app's start line to its end line over stream time, so it includes reading
the WAV from the emulated flash and the serial output.
"""

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from midge_host.deploy import deploy, verify  # noqa: E402
from midge_host.deploy.monitor import watch  # noqa: E402
from midge_host.sim import SimBoard  # noqa: E402
from tests.app.project import fast_project, synthetic_audio, write_wav  # noqa: E402


def make_project(folder, loop_s):
    """The fast project in ``folder`` plus ``soak.wav``: about ``loop_s`` seconds
    cut to a whole number of strides. Returns (meta, wav path, windows per loop)."""
    meta, _ = fast_project(folder, seconds=min(loop_s, 30))
    rate, stride = meta["sample_rate"], meta["stride_samples"]
    per_loop = int(loop_s * rate) // stride
    if per_loop * stride < meta["window_samples"]:
        raise ValueError(f"a {loop_s} s loop is shorter than one window")
    wav = Path(folder) / "soak.wav"
    write_wav(wav, synthetic_audio(per_loop * stride / rate + 1, rate)[:per_loop * stride], rate)
    return meta, wav, per_loop


def _trend_ok(samples):
    """No new high in the second half: max(second half) <= max(first half)."""
    if len(samples) < 4:
        return False
    half = len(samples) // 2
    return max(samples[half:]) <= max(samples[:half])


def _aligned(dets, loop_ms, loops):
    """Detections of full loops 1..loops-1 equal loop 1's, shifted by the loop length."""
    per = {}
    for d in dets:
        k = d["t"] // loop_ms
        per.setdefault(k, []).append((d["t"] - k * loop_ms, d["label"], d["score"]))
    full = range(1, loops)
    if len(full) < 2 or not per.get(1):
        return False
    return all(per.get(k, []) == per[1] for k in full)


def analyse(records, meta, per_loop, minutes, status_s, wall_s):
    """The measurements and checks from the app's JSON records (see the module docstring)."""
    rate, window, stride = meta["sample_rate"], meta["window_samples"], meta["stride_samples"]
    frames = int(minutes * 60 * rate)
    expected = (frames - window) // stride + 1
    stride_ms = stride * 1000 // rate
    if stride * 1000 % rate:
        raise ValueError("the soak needs a stride of whole milliseconds")
    loop_ms = per_loop * stride_ms
    ends = [r for r in records if r.get("ev") == "end"]
    if not ends:
        raise RuntimeError("the app printed no end line (it did not finish in time, or failed): "
                           + json.dumps(records[-3:]))
    end = ends[0]
    status = [r for r in records if r.get("ev") == "status"]
    dets = [r for r in records if r.get("ev") == "det"]
    warm = [r["heap_used"] for r in status if r["t"] > loop_ms]
    stream_s = end["t"] / 1000
    busy_us, prev = 0.0, 0
    for r in status + [end]:
        busy_us += r["rtf"] * (r["t"] - prev) * 1000
        prev = r["t"]
    n_status = expected * stride_ms // int(status_s * 1000)
    checks = {
        "windows": end["windows"] == expected and end["t"] == expected * stride_ms,
        "no_drops": end["dropped"] == 0 and end["gaps"] == 0 and all(
            r["dropped"] == 0 and r["gaps"] == 0 for r in status),
        "aligned": _aligned(dets, loop_ms, expected // per_loop),
        "status_lines": n_status - 1 <= len(status) <= n_status,
        "heap": _trend_ok(warm),
    }
    return {
        "audio_minutes": minutes, "loop_s": loop_ms / 1000, "loops": round(expected / per_loop, 2),
        "windows_expected": expected, "windows": end["windows"], "dropped": end["dropped"], "gaps": end["gaps"],
        "detections": len(dets), "status_lines": len(status),
        "rtf_app": round(busy_us / (stream_s * 1e6), 5) if stream_s else None,
        "rtf_wall": round(wall_s / stream_s, 5) if stream_s else None,
        "windows_per_s": round(end["windows"] / wall_s, 1) if wall_s else None,
        "heap_used_min": min(warm) if warm else None, "heap_used_max": max(warm) if warm else None,
        "heap_samples": len(warm), "heap_free_min": min((r["heap_free"] for r in status), default=None),
        "wall_s": round(wall_s, 1), "checks": checks, "ok": all(checks.values()),
    }


def run_app(work, minutes=60.0, loop_s=60.0, status_s=30.0, board="sim", timeout_s=3600.0):
    """Deploy the fast project to a sim board (flash in ``work``), verify it, and
    run the app over ``minutes`` of looped audio. Returns (meta, windows per
    loop, the app's JSON records, wall seconds from its start line to its end line)."""
    work = Path(work)
    project = work / "project"
    meta, wav, per_loop = make_project(project, loop_s)
    sensor = {"source": "replay", "path": "/data/" + wav.name, "realtime": False, "loop": True,
              "seconds": minutes * 60}
    with SimBoard(board=board, flash_dir=work / "flash") as sim:
        port = str(sim.port)
        deploy(project, port, board=board, replay=wav, realtime=False,
               config={"sensor": sensor, "status_interval_s": status_s})
        checked = verify(port)["summary"]
        if checked["failed"]:
            raise RuntimeError(f"on-board verify failed: {checked}")
        marks = {}

        def on_record(record):
            if record.get("ev") in ("start", "end"):
                marks[record["ev"]] = time.monotonic()

        summary = watch(port, seconds=timeout_s, on_record=on_record)
    if not summary.ended:
        raise RuntimeError(f"the app did not end within {timeout_s} s; its last lines: {summary.other[-5:]}")
    wall = marks.get("end", 0.0) - marks.get("start", 0.0)
    return meta, per_loop, summary.records, wall


def soak(minutes=60.0, loop_s=60.0, status_s=30.0, board="sim", timeout_s=3600.0):
    """``run_app`` in a temporary folder, then ``analyse``; returns its dict plus ``board``."""
    with tempfile.TemporaryDirectory(prefix="midge-soak-") as tmp:
        meta, per_loop, records, wall = run_app(tmp, minutes, loop_s, status_s, board, timeout_s)
    result = analyse(records, meta, per_loop, minutes, status_s, wall)
    result["board"] = board
    return result


def markdown(r):
    """The Markdown summary of a ``soak`` result."""
    rows = [("audio replayed", f"{r['audio_minutes']:g} min ({r['loops']} loops of a {r['loop_s']:g} s WAV)"),
            ("windows (counted / expected)", f"{r['windows']} / {r['windows_expected']}"),
            ("dropped frames, gaps", f"{r['dropped']}, {r['gaps']}"),
            ("detections", str(r["detections"])),
            ("real-time factor, app (processing / audio)", str(r["rtf_app"])),
            ("real-time factor, wall clock", str(r["rtf_wall"])),
            ("windows / s (wall clock)", str(r["windows_per_s"])),
            ("heap_used after warm-up, min / max", f"{r['heap_used_min']} / {r['heap_used_max']} bytes "
                                                   f"({r['heap_samples']} samples)"),
            ("heap_free, min", f"{r['heap_free_min']} bytes"),
            ("wall time", f"{r['wall_s']} s")]
    lines = ["| soak on board `%s` | |" % r["board"], "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    lines.append("")
    lines += [f"- check `{name}`: {'pass' if ok else 'FAIL'}" for name, ok in r["checks"].items()]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="minutes of audio to replay (default 60)")
    parser.add_argument("--loop-s", type=float, default=60.0, help="length of the looped WAV (default 60 s)")
    parser.add_argument("--status-s", type=float, default=30.0,
                        help="status line interval in stream seconds: the heap sample rate (default 30)")
    parser.add_argument("--board", default="sim", help="board profile the sim emulates (default sim)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="wall-clock limit in seconds")
    parser.add_argument("--json", type=Path, help="also write the result as JSON here")
    args = parser.parse_args(argv)
    result = soak(args.minutes, args.loop_s, args.status_s, args.board, timeout_s=args.timeout)
    result["machine"] = f"{platform.processor() or platform.machine()}, {platform.system()} {platform.release()}"
    result["date"] = time.strftime("%Y-%m-%d")
    print(markdown(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
