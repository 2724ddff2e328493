"""The software PDM decimator (CIC + compensating FIR) on synthetic 2nd-order
sigma-delta bitstreams: SNR per tone and level against an ideal (brick-wall
FFT) decimation of the same bits, bit-identical output for viper, plain
MicroPython, CPython and the 32-bit port (`micropython32`), the
FIR's response, and the PDMMic wrapper over a fake I2S.

The SNR table printed by ``test_snr_matches_an_ideal_decimator`` (run with -s)
is the one quoted in docs/sensors.md."""


import numpy as np
import pytest

from fake_runner import FAKES
from sdm import pack_i2s32, sigma_delta2, snr_db, tone

TONES = [(1024000, 1000, -6), (1024000, 250, -6), (1024000, 4000, -6), (1024000, 6000, -6),
         (1024000, 1000, -20), (1024000, 1000, -40), (2048000, 1000, -6), (2048000, 1000, -40)]
SECONDS = 0.25
SKIP = 400  # output samples of filter start-up left out of the SNR


@pytest.fixture(scope="module")
def bitstreams(tmp_path_factory):
    d = tmp_path_factory.mktemp("pdm")
    out = []
    for i, (rate, freq, level) in enumerate(TONES):
        bits = sigma_delta2(tone(freq, level, rate, SECONDS))
        path = d / f"t{i}.raw"
        path.write_bytes(pack_i2s32(bits))
        out.append((rate, freq, level, bits, path))
    return out


def decode_script(items):
    return """
from array import array
from midge.sensors.pdm import PDMDecimator
out = array('h', [0] * 1024)
for rate, src, dst in %r:
    d = PDMDecimator(rate, 16000, 4096)
    raw = open(src, 'rb').read()
    res = array('h')
    mv = memoryview(raw)
    for i in range(0, len(raw) - 4095, 4096):
        n = d.process(mv[i:i + 4096], 4096, out)
        res.extend(out[:n])
    with open(dst, 'wb') as f:
        f.write(res)
print('ok')
""" % (items,)


def decode_all(runner, bitstreams, tmp_path, tag):
    items = [(rate, str(p), str(tmp_path / f"{tag}{i}.pcm")) for i, (rate, _, _, _, p) in enumerate(bitstreams)]
    assert runner(decode_script(items)).check().strip() == "ok"
    return [np.frombuffer(open(dst, "rb").read(), dtype="<i2") for _, _, dst in items]


def ideal(bits, rate):
    x = np.fft.rfft(bits.astype(float) * 2 - 1)
    x[np.fft.rfftfreq(len(bits), 1 / rate) > 8000] = 0
    return np.fft.irfft(x, len(bits))[:: rate // 16000] * 32768


def test_snr_matches_an_ideal_decimator(bitstreams, tmp_path):
    from fake_runner import runner
    outputs = decode_all(runner("unix-viper"), bitstreams, tmp_path, "v")
    print("\npdm_rate  tone_Hz  level_dBFS  SNR_dB  ideal_dB  amplitude_dBFS")
    for (rate, freq, level, bits, _), y in zip(bitstreams, outputs):
        ours, amp = snr_db(y, freq, 16000, SKIP)
        ref, _ = snr_db(ideal(bits, rate), freq, 16000, SKIP)
        print(f"{rate:8d} {freq:8d} {level:11d} {ours:7.1f} {ref:9.1f} {20 * np.log10(amp / 32768):15.2f}")
        assert abs(20 * np.log10(amp / 32768) - level) < 0.1  # passband gain flat (CIC droop compensated)
        assert ours > ref - 1.5, f"decimator loses SNR at {freq} Hz {level} dBFS: {ours:.1f} vs ideal {ref:.1f}"
    snr_1k = snr_db(outputs[0], 1000, 16000, SKIP)[0]
    assert snr_1k > 65


@pytest.mark.parametrize("kind", ["unix-plain", "cpython"])
def test_plain_paths_are_bit_identical_to_viper(bitstreams, tmp_path, kind):
    from fake_runner import runner
    few = [bitstreams[0], bitstreams[6]]
    fast = decode_all(runner("unix-viper"), few, tmp_path, "v")
    plain = decode_all(runner(kind), few, tmp_path, "p")
    for a, b in zip(fast, plain):
        assert np.array_equal(a, b)


def test_viper_on_a_32bit_port_is_bit_identical(bitstreams, tmp_path):
    from fake_runner import runner

    few = [bitstreams[0], bitstreams[6]]
    a = decode_all(runner("unix-viper"), few, tmp_path, "v")
    b = decode_all(runner("unix32"), few, tmp_path, "w")
    for x, y in zip(a, b):
        assert np.array_equal(x, y)


def test_fir_response():
    import sys
    sys.path.insert(0, str(FAKES.parents[2] / "device"))
    from midge.sensors.pdm import FIR_HALF
    h = np.array(list(FIR_HALF) + list(FIR_HALF[-2::-1])) / 32768
    f = np.linspace(0, 16000, 2000)
    resp = np.abs(np.exp(-2j * np.pi * np.outer(f, np.arange(len(h))) / 32000) @ h)
    assert len(h) == 63
    assert 20 * np.log10(resp[f >= 9200].max()) < -73
    assert np.abs(np.array(FIR_HALF)).sum() * 2 - abs(FIR_HALF[-1]) < 2 ** 31 / 2 ** 14  # no 32-bit overflow


def test_pdm_mic_over_fake_i2s(sensor_python, bitstreams):
    rate, freq, level, bits, path = bitstreams[0]
    code = f"""
from array import array
from machine import I2S, Pin
from midge.sensors.pdm import PDMMic
raw = open({str(path)!r}, 'rb').read()
pos = [0]
def source(n):
    p = pos[0]; pos[0] += n
    return raw[p:p + n]
i2s = I2S(0, sck=Pin(42), ws=Pin(2), sd=Pin(41), mode=I2S.RX, bits=32, format=I2S.STEREO, rate=16000,
          ibuf=16384, source=source)
mic = PDMMic(i2s, pdm_rate=1024000, out_rate=16000, block_bytes=2048)
mic.start()
buf = array('h', [0] * mic.block)
total = 0
peak = 0
for _ in range(12):
    i2s.complete()
    n = mic.readinto(buf)
    total += n
    if total > 1024:
        peak = max(peak, max(buf[:n]))
print(mic.block, total, mic.dropped, peak)
"""
    block, total, dropped, peak = sensor_python(code).check().split()
    assert (block, total, dropped) == ("256", "3072", "0")
    assert 16000 < int(peak) < 16500  # the -6 dBFS tone's crest, sampled
