"""Microphones through fakes of machine.I2S, OpenMV audio and CircuitPython
PDMIn: IRQ-driven double buffering keeps capturing while the consumer works,
32-bit INMP441 words become int16, drops are counted, nothing is allocated per
block, and replay plays WAV/CSV with the same contract."""

import struct
import wave

I2S_SETUP = """
import gc
from array import array
from machine import I2S, Pin
from midge.sensors.i2s_mic import I2SMic
counter = [0]
def source(n):
    # 32-bit LE words: sample k = (k * 1000) << 16 | 0x1234 (INMP441: data at the top)
    out = bytearray(n)
    for i in range(0, n, 4):
        k = counter[0]
        counter[0] += 1
        v = (((k * 1000) % 65536 - 32768) << 16 | 0x1234) & 0xFFFFFFFF
        out[i] = v & 0xFF; out[i + 1] = (v >> 8) & 0xFF; out[i + 2] = (v >> 16) & 0xFF; out[i + 3] = v >> 24
    return out
i2s = I2S(0, sck=Pin(16), ws=Pin(17), sd=Pin(18), mode=I2S.RX, bits=32, format=I2S.MONO, rate=16000,
          ibuf=8192, source=source)
mic = I2SMic(i2s, rate=16000, bits=32, block=64, blocks=3, shift={shift})
buf = array('h', [0] * 64)
def expect(k, shift):
    v = (((k * 1000) % 65536 - 32768) << 16 | 0x1234) >> shift
    return max(-32768, min(32767, v))
"""


def test_i2s_irq_double_buffering(sensor_python):
    code = I2S_SETUP.format(shift=16) + """
mic.start()
print(mic.readinto(buf))                 # nothing captured yet
i2s.complete()                           # block 0 filled, block 1 queued at once
i2s.complete()                           # block 1 filled while the consumer was busy
n1 = mic.readinto(buf); a = list(buf[:n1])
n2 = mic.readinto(buf); b = list(buf[:n2])
print(n1, n2, mic.readinto(buf), i2s.reads)
print(a + b == [expect(k, 16) for k in range(128)])
for _ in range(4):
    i2s.complete()                       # consumer away: 2 blocks queued, then drops
print(mic.dropped)
got = []
while True:
    n = mic.readinto(buf)
    if not n:
        break
    got.append(buf[0])
print(len(got), got[0] == expect(128, 16))
gc.collect()
before = gc.mem_alloc() if hasattr(gc, 'mem_alloc') else 0
for _ in range(20):
    i2s.complete()
    mic.readinto(buf)
after = gc.mem_alloc() if hasattr(gc, 'mem_alloc') else 0
print('alloc', after - before)
"""
    lines = sensor_python(code).check().splitlines()
    assert lines[0] == "0"
    assert lines[1] == "64 64 0 3"
    assert lines[2] == "True"
    assert lines[3] == "128"  # 2 blocks of 64 frames lost
    assert lines[4] == "2 True"


def test_i2s_alloc_free_steady_state(run_mpy):
    from fake_runner import FAKES
    code = I2S_SETUP.format(shift=14) + """
mic.start()
i2s.complete(); mic.readinto(buf)
counter[0] = 0
before = 0  # bind the name first: a new global would grow the module dict inside the count
gc.collect()
before = gc.mem_alloc()
for _ in range(20):
    mic._on_block(i2s)                   # the IRQ path alone (the fake's source allocates)
    mic.readinto(buf)
print(gc.mem_alloc() - before)
"""
    assert run_mpy(code=code, extra_path=[FAKES]).check().strip() == "0"


def test_i2s_shift_saturates(sensor_python):
    code = I2S_SETUP.format(shift=12) + """
mic.start(); i2s.complete()
n = mic.readinto(buf)
print(list(buf[:n]) == [expect(k, 12) for k in range(64)], min(buf), max(buf))
"""
    assert sensor_python(code).check().split()[0:3] == ["True", "-32768", "32767"]


def test_openmv_audio_streaming(sensor_python):
    code = """
from array import array
import audio
from midge.sensors.openmv_audio import OpenMVMic
mic = OpenMVMic(audio, rate=16000, gain_db=12, block=32, blocks=2)
print(sorted(audio.config.items()))
mic.start()
def pcm(start):
    b = bytearray(64)
    for i in range(32):
        v = (start + i) * 97 - 1500
        b[2 * i] = v & 0xFF; b[2 * i + 1] = (v >> 8) & 0xFF
    return b
audio.deliver(pcm(0)); audio.deliver(pcm(32)); audio.deliver(pcm(64))
buf = array('h', [0] * 32)
n = mic.readinto(buf)
print(n, list(buf[:3]), mic.dropped, mic.readinto(buf))
mic.stop()
audio.deliver(pcm(96))
print(mic.readinto(buf))
"""
    lines = sensor_python(code).check().splitlines()
    assert lines[0] == "[('channels', 1), ('frequency', 16000), ('gain_db', 12), ('highpass', 0.9883)]"
    assert lines[1] == "32 [-1500, -1403, -1306] 64 0"  # 2 blocks: one read, 2 blocks dropped
    assert lines[2] == "0"


def test_circuitpython_pdmin(sensor_python):
    code = """
from array import array
import audiobusio, board
audiobusio.PDMIn.signal = lambda i: (i * 37) % 2000 - 1000
from midge.sensors.pdmin import PDMInMic
pdm = audiobusio.PDMIn(board.MICROPHONE_CLOCK, board.MICROPHONE_DATA, sample_rate=16000, bit_depth=16)
mic = PDMInMic(pdm, rate=16000, block=16)
buf = array('h', [0] * 16)
n = mic.readinto(buf)
print(n, list(buf) == [(i * 37) % 2000 - 1000 for i in range(16)], mic.dropped)
"""
    assert sensor_python(code).check().strip() == "16 True 0"


def _write_wav(path, samples, rate=16000):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack("<%dh" % len(samples), *samples))


def test_wav_replay_fast_and_realtime(sensor_python, tmp_path):
    samples = [((i * 131) % 60000) - 30000 for i in range(1000)]
    _write_wav(tmp_path / "a.wav", samples, rate=8000)
    code = f"""
from array import array
from midge.sensors.replay import WavReplay
from midge.sensors._clock import ticks_ms, ticks_diff
r = WavReplay({str(tmp_path / 'a.wav')!r}, block=256, realtime=False)
buf = array('h', [0] * 256)
got = []
while True:
    n = r.readinto(buf)
    if not n:
        break
    got += list(buf[:n])
print(r.sample_rate, r.channels, len(got), got == {samples!r}, r.done)
r = WavReplay({str(tmp_path / 'a.wav')!r}, block=200, realtime=True)
t = ticks_ms()
for _ in range(3):
    r.readinto(buf)
print(ticks_diff(ticks_ms(), t))
"""
    lines = sensor_python(code).check().splitlines()
    assert lines[0] == "8000 1 1000 True True"
    assert 70 <= int(lines[1]) <= 200  # 600 frames at 8 kHz = 75 ms, paced


def test_csv_replay_imu_frames(sensor_python, tmp_path):
    path = tmp_path / "imu.csv"
    rows = [[k, -k, 1000 + k, 3 * k, -3 * k, 7] for k in range(10)]
    path.write_text("ax,ay,az,gx,gy,gz\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    code = f"""
from array import array
from midge.sensors.replay import CsvReplay
r = CsvReplay({str(path)!r}, sample_rate=100, block=4, realtime=False, loop=True)
buf = array('h', [0] * 24)
got = []
for _ in range(4):
    n = r.readinto(buf)
    got += list(buf[:n])
print(r.channels, len(got) // 6, got[:6], got[60:66])
"""
    out = sensor_python(code).check().strip()
    assert out == "6 14 [0, 0, 1000, 0, 0, 7] [0, 0, 1000, 0, 0, 7]"
