"""Device-side keyword spotting: micro_speech frontend -> micro_speech model.

    kws_device.py MODEL SAMPLES SCORES N...

SAMPLES holds int16 LE clips back to back (N samples each). For each clip a
fresh frontend state produces 49 frames x 40 int8 features into the model's
input; SCORES receives the 4 int8 output scores per clip.
"""

import sys
from array import array

import midge.nn
from midge.dsp.micro_speech import FRAME_SAMPLES, FRAME_STRIDE, MicroSpeechFrontend

FEATURES = 40


def main(argv):
    model = midge.nn.load(argv[1])
    x = model.input(0)
    y = model.output(0)
    frames = len(x) // FEATURES
    frontend = MicroSpeechFrontend()
    with open(argv[2], "rb") as src, open(argv[3], "wb") as dst:
        for n in argv[4:]:
            clip = memoryview(array("h", src.read(2 * int(n))))
            frontend.reset()
            for f in range(frames):
                start = f * FRAME_STRIDE
                features = frontend.process(clip[start:start + FRAME_SAMPLES])
                for i in range(FEATURES):
                    x[f * FEATURES + i] = features[i]
            model.invoke()
            dst.write(bytes(bytearray(v & 0xFF for v in y)))


main(sys.argv)
