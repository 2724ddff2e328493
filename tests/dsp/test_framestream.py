"""midge.framestream under the unix ports (viper, plain, 32-bit) and CPython:
the rows a FrameStream gives for every window of a stream fed in blocks of
any size equal ``extractor.process`` on that window (cut by midge.window)
bit for bit, for spectrogram, MFE and MFCC without pre-emphasis, and
micro_speech (its stateful half run per window over kept rows), and hops
shorter than, equal to and longer than the window; it allocates nothing per
window; extractors that cannot stream are refused."""

import pytest

CHECK = """
import gc
from array import array
from midge.features import build
from midge.framestream import FrameStream, can_stream
from midge.window import Windows

config = %(config)r
hop = %(hop)d
fx = build(config)
n = %(seconds)d * config.get('sample_rate', 16000)
signal = array('h', bytes(2 * n))
seed = 12345
for i in range(n):
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    signal[i] = ((seed >> 8) & 0xFFFF) - 32768 if (i // 800) %% 3 else ((seed >> 8) & 0x3FF) - 512
blocks = %(blocks)r
spare = max(blocks)
stream = FrameStream(fx, hop, spare)
windows = Windows(fx.window_samples, hop, 1, spare=spare)
got = fx.new_output()
want = fx.new_output()
count = bad = grown = 0
at = k = 0
while at < n:
    b = blocks[k %% len(blocks)]
    k += 1
    if at + b > n:
        b = n - at
    chunk = memoryview(signal)[at:at + b]
    at += b
    stream.feed(chunk)
    windows.feed(chunk)
    while True:
        gc.collect()
        before = gc.mem_alloc() if hasattr(gc, 'mem_alloc') else 0
        ready = stream.take(got)
        if hasattr(gc, 'mem_alloc') and count > 1:
            grown += gc.mem_alloc() - before
        w = windows.take()
        if not ready:
            assert w is None, 'windows gave a window the stream did not'
            break
        fx.process(w, want)
        count += 1
        if bytes(got) != bytes(want):
            bad += 1
print(can_stream(fx, hop), count, bad, grown, stream.dropped, windows.dropped)
try:
    stream.feed(signal, spare + 1)
except ValueError:
    print('too-much-refused')
"""

CASES = [
    ({"kind": "spectrogram"}, 8000, [512]),
    ({"kind": "spectrogram"}, 200, [37, 512, 1, 200]),
    ({"kind": "spectrogram", "fft_length": 256, "frame_ms": 20, "stride_ms": 10}, 16000, [256, 301]),
    ({"kind": "spectrogram"}, 24000, [512, 100]),
    ({"kind": "mfe"}, 4000, [512, 7]),
    ({"kind": "mfe", "window_ms": 500, "frame_ms": 32, "stride_ms": 16, "num_filters": 20}, 1024, [64, 333]),
    ({"kind": "mfcc", "pre_emphasis": 0}, 8000, [480, 160]),
    ({"kind": "micro_speech"}, 3840, [512]),
    ({"kind": "micro_speech", "window_ms": 500}, 640, [37, 512, 1, 320]),
    ({"kind": "micro_speech", "window_ms": 300}, 9600, [512, 100]),
]


@pytest.mark.parametrize("config, hop, blocks", CASES, ids=[f"{c['kind']}-{h}" for c, h, _ in CASES])
def test_streamed_rows_equal_the_windowed_features(device_python, config, hop, blocks):
    out = device_python(code=CHECK % {"config": config, "hop": hop, "blocks": blocks, "seconds": 3},
                        timeout=600).check().split()
    streams, count, bad, grown, dropped, dropped_windows, refused = out
    assert streams == "True" and int(count) >= 1 and refused == "too-much-refused"
    assert (int(bad), int(dropped), int(dropped_windows)) == (0, 0, 0), out
    assert int(grown) == 0, f"take allocated {grown} bytes over {count} windows"


def test_extractors_that_cannot_stream_are_refused(device_python):
    code = """
from midge.features import build
from midge.framestream import FrameStream, can_stream
for config, hop in (({'kind': 'mfcc'}, 8000), ({'kind': 'spectrogram'}, 300), ({'kind': 'micro_speech'}, 4000),
                    ({'kind': 'motion'}, 50)):
    fx = build(config)
    try:
        FrameStream(fx, hop, 512)
        print('accepted', config['kind'])
    except ValueError as e:
        print(can_stream(fx, hop), 'refused')
"""
    assert device_python(code=code).check().split() == ["False", "refused"] * 4


def test_reset_starts_a_new_stream(device_python):
    # after a duty-cycle sleep the app resets its stream: the next windows start at the new samples
    code = """
from array import array
from midge.features import build
from midge.framestream import FrameStream
fx = build({'kind': 'spectrogram'})
signal = array('h', [((i * 7919) % 2001) - 1000 for i in range(24000)])
fresh, used = FrameStream(fx, 8000, 512), FrameStream(fx, 8000, 512)
for at in range(0, 12000, 512):
    used.feed(memoryview(signal)[at:at + 512])
    while used.take(fx.new_output()):
        pass
used.reset()
a, b = fx.new_output(), fx.new_output()
same = count = 0
for at in range(0, 24000, 512):
    chunk = memoryview(signal)[at:at + 512]
    fresh.feed(chunk)
    used.feed(chunk)
    while fresh.take(a):
        count += 1
        same += used.take(b) and bytes(a) == bytes(b)
    while used.take(b):
        count += 100  # a window the fresh stream did not give
print(count, same)
"""
    assert device_python(code=code).check().split() == ["2", "2"]
