"""Device-side runner: micro_speech features of several clips in one process.

``run(samples_path, features_path, lengths)``: samples_path holds int16 LE
clips back to back (``lengths`` samples each); features_path receives int8
features, 40 per frame. The frontend is reset between clips, as a fresh TFLM
interpreter starts.
"""

from array import array

from midge.dsp.micro_speech import FRAME_SAMPLES, FRAME_STRIDE, MicroSpeechFrontend


def run(samples_path, features_path, lengths):
    frontend = MicroSpeechFrontend()
    with open(samples_path, "rb") as src, open(features_path, "wb") as dst:
        for n in lengths:
            clip = memoryview(array("h", src.read(2 * n)))
            frontend.reset()
            start = 0
            while start + FRAME_SAMPLES <= n:
                dst.write(frontend.process(clip[start:start + FRAME_SAMPLES]))
                start += FRAME_STRIDE
