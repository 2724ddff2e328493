"""Device-side runner: ``run(n, frames_path, out_path, count)`` computes
midge.dsp.fft.Rfft(n) of ``count`` int32 LE frames (autoscale on, then off for
the same frame) and writes each spectrum (n + 2 int32) followed by its shift."""

from array import array

from midge.dsp.fft import Rfft


def run(n, frames_path, out_path, count):
    fft = Rfft(n)
    frame = array("i", bytearray(4 * n))
    spec = array("i", bytearray(4 * (n + 2)))
    shift = array("i", [0])
    with open(frames_path, "rb") as src, open(out_path, "wb") as dst:
        for _ in range(count):
            src.readinto(frame)
            for autoscale in (True, False):
                shift[0] = fft.compute(frame, spec, autoscale)
                dst.write(spec)
                dst.write(shift)
